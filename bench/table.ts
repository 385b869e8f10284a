// Prints benchmark rows as an aligned text table.
export function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  process.stdout.write(`${format(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
}
