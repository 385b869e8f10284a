// Lambda bundle sizes: bundles every Lambda entry with infra/bundle.ts, exactly as the CDK functions are bundled,
// prints a table (size and the three largest inputs) and writes bench/results/bundles.json. API bundles over 300 KB are
// flagged: they slow cold starts behind API Gateway's 29 s limit.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Metafile } from "esbuild";
import { BUNDLE_EXTERNAL, BUNDLE_TARGET, bundleFunction } from "../infra/bundle.js";
import { LAMBDA_ENTRIES, repoRoot } from "../infra/paths.js";

export const API_BUNDLE_LIMIT_BYTES = 300 * 1024;

export interface BundleInput {
  /** A package (`node_modules/<name>`) or a repository file. */
  readonly input: string;
  readonly bytes: number;
}

export interface BundleResult {
  readonly name: string;
  readonly entry: string;
  readonly bytes: number;
  readonly topInputs: readonly BundleInput[];
  readonly overLimit: boolean;
  readonly error?: string;
}

export interface BundleBenchReport {
  readonly generatedAt: string;
  readonly esbuild: {
    readonly target: string;
    readonly format: string;
    readonly external: readonly string[];
  };
  readonly apiLimitBytes: number;
  readonly bundles: readonly BundleResult[];
}

/** Attributes each output byte to its package (or, `byFile`, to its file), so one dependency shows up as one row. */
function inputsBySource(metafile: Metafile, options: { byFile?: boolean } = {}): BundleInput[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const key = match && !options.byFile ? `node_modules/${match[1]}` : path;
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].map(([input, bytes]) => ({ input, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bundles one entry as the CDK does and measures it; `inputs` is every input's share, largest first. */
export async function measureBundle(
  name: string,
  entry: string,
): Promise<BundleResult & { inputs: readonly BundleInput[] }> {
  const isApi = name.startsWith("api-");
  try {
    const result = await bundleFunction(entry, join(repoRoot, "cdk.out", "bench", name), { write: false });
    const bytes = (result.outputFiles ?? [])
      .filter((f) => f.path.endsWith(".mjs"))
      .reduce((n, f) => n + f.contents.length, 0);
    const inputs = inputsBySource(result.metafile, { byFile: true });
    return {
      name,
      entry,
      bytes,
      inputs,
      topInputs: inputsBySource(result.metafile).slice(0, 3),
      overLimit: isApi && bytes > API_BUNDLE_LIMIT_BYTES,
    };
  } catch (error) {
    // A bundling error is a finding (an entry mid-edit, a missing dependency), not a crash of the whole bench.
    return {
      name,
      entry,
      bytes: 0,
      inputs: [],
      topInputs: [],
      overLimit: false,
      error: error instanceof Error ? error.message.split("\n").slice(0, 6).join("\n") : String(error),
    };
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatTable(bundles: readonly BundleResult[]): string {
  const rows = bundles.map((b) => [
    b.name,
    b.error ? "ERROR" : kb(b.bytes),
    b.error ? b.error.split("\n")[0]! : b.topInputs.map((i) => `${i.input} ${kb(i.bytes)}`).join(", "),
    b.overLimit ? `> ${kb(API_BUNDLE_LIMIT_BYTES)}` : "",
  ]);
  const header = ["entry", "minified", "top 3 inputs", "flag"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export async function runBundleBench(
  outFile = join(repoRoot, "bench", "results", "bundles.json"),
): Promise<BundleBenchReport> {
  const bundles: BundleResult[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    const { inputs: _inputs, ...result } = await measureBundle(name, entry);
    bundles.push(result);
  }
  const report: BundleBenchReport = {
    generatedAt: new Date().toISOString(),
    esbuild: { target: BUNDLE_TARGET, format: "esm", external: [...BUNDLE_EXTERNAL] },
    apiLimitBytes: API_BUNDLE_LIMIT_BYTES,
    bundles,
  };
  mkdirSync(join(outFile, ".."), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = await runBundleBench();
  console.log(formatTable(report.bundles));
  const flagged = report.bundles.filter((b) => b.overLimit).map((b) => b.name);
  const failed = report.bundles.filter((b) => b.error).map((b) => b.name);
  if (flagged.length) console.log(`\nAPI bundles over ${kb(API_BUNDLE_LIMIT_BYTES)}: ${flagged.join(", ")}`);
  if (failed.length) console.log(`Bundling errors: ${failed.join(", ")}`);
  console.log(`\nwrote ${relative(process.cwd(), join(repoRoot, "bench", "results", "bundles.json"))}`);
}
