// What every benchmark does with its numbers: an aligned text table on stdout, and a JSON file in bench/results/
// stamped with when and on which Node it was measured.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

/** Prints benchmark rows as an aligned text table. */
export function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${format(header)}\n${format(widths.map((w) => "-".repeat(w)))}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
}

/** Writes bench/results/<name>.json (`at` and `node` first, then `result`) and says where. */
export function writeResult(name: string, result: object): string {
  const file = join(RESULTS_DIR, `${name}.json`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`,
  );
  process.stdout.write(`\nwrote ${relative(process.cwd(), file)}\n`);
  return file;
}
