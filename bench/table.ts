// What every benchmark does with its numbers: an aligned text table on stdout, and a JSON file stamped with when and
// on which Node it was measured. A run writes bench/results/latest/ (untracked), so measuring leaves the committed
// baseline in bench/results/ alone; `--update-baseline` (or BENCH_UPDATE_BASELINE=1) writes the baseline instead.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The committed baseline, one JSON file per benchmark. */
export const BASELINE_DIR = fileURLToPath(new URL("./results/", import.meta.url));
/** Where a run writes unless asked to update the baseline; ignored by git. */
export const LATEST_DIR = join(BASELINE_DIR, "latest");

export function updatesBaseline(): boolean {
  return process.env.BENCH_UPDATE_BASELINE === "1" || process.argv.includes("--update-baseline");
}

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

/**
 * Writes <name>.json (`at` and `node` first, then `result`) to bench/results/latest/, or to the committed baseline
 * bench/results/ with --update-baseline, and says where, and which baseline to compare it with.
 */
export function writeResult(name: string, result: object): string {
  const dir = updatesBaseline() ? BASELINE_DIR : LATEST_DIR;
  const file = join(dir, `${name}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`,
  );
  process.stdout.write(`\nwrote ${relative(process.cwd(), file)}\n`);
  const baseline = join(BASELINE_DIR, `${name}.json`);
  if (dir === LATEST_DIR && existsSync(baseline)) {
    const { at, node } = JSON.parse(readFileSync(baseline, "utf8")) as { at?: string; node?: string };
    process.stdout.write(
      `baseline: ${relative(process.cwd(), baseline)} (${at ?? "undated"}, ${node ?? "node ?"}); --update-baseline replaces it\n`,
    );
  }
  return file;
}
