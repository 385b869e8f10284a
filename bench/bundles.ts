// Lambda bundle sizes, measured on what is deployed: synthesizes the CDK app (every function is a NodejsFunction
// bundled by esbuild), reads each function's staged asset, and attributes its bytes to packages with the esbuild
// metafile the synthesis writes when asked (context mcpflow:bundleMetafile). Prints a table and writes
// bench/results/latest/bundles.json. API bundles over 320 KB are flagged: a cold start parses the whole bundle before the
// first request, and API Gateway gives a request 29 s (docs/decisions/0003-bundle-size.md).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AssetStaging } from "aws-cdk-lib";
import type { Metafile } from "esbuild";
import { BUNDLE_METAFILE_CONTEXT, McpflowFunction } from "../infra/constructs/mcpflow-function.js";
import { repoRoot } from "../infra/paths.js";
import { synthApp } from "../infra/synth.js";
import { printTable, writeResult } from "./table.js";

export const API_BUNDLE_LIMIT_BYTES = 320 * 1024;

export interface BundleInput {
  /** A package (`node_modules/<name>`) or a repository file. */
  readonly input: string;
  readonly bytes: number;
}

export interface BundleResult {
  /** The function's service name without `mcpflow-`: `api-registry`, `run-status`, `remote-mcp`. */
  readonly name: string;
  readonly entry: string;
  /** index.mjs as deployed (minified; the source map and licence file beside it are not loaded). */
  readonly bytes: number;
  readonly topInputs: readonly BundleInput[];
  readonly overLimit: boolean;
  /** Median time for a fresh Node process to import the bundle (a cold start's load and parse), ms. */
  readonly loadMs?: number;
  /** Of that, what importing only its external modules (the runtime's AWS SDK clients) takes, ms. */
  readonly externalsLoadMs?: number;
}

export interface MeasuredBundle extends BundleResult {
  /** Every input file's share, largest first. */
  readonly inputs: readonly BundleInput[];
  /** The staged index.mjs (in the synthesis's scratch directory). */
  readonly bundlePath: string;
  /** Modules the bundle imports or requires instead of carrying them (`@aws-sdk/*`, Node built-ins). */
  readonly externals: readonly string[];
  /**
   * Of those, the ones its ESM `import` statements name: Node loads them before any of the bundle runs. A CommonJS
   * dependency's `require` runs when its code does, possibly never (undici requires `node:sqlite` only when a
   * SqliteCacheStore is built, and Node 20 has no `node:sqlite`), so it is not a cost of loading the bundle.
   */
  readonly importedExternals: readonly string[];
}

export interface BundleBenchReport {
  readonly bundler: string;
  readonly apiLimitBytes: number;
  /** The same measure for an empty module, in the same run: what every import costs anyway. */
  readonly baselineLoadMs: number;
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

/** The modules a bundle leaves to its runtime, of the import kinds asked for; the meta function's ../ file excepted. */
function externalsOf(metafile: Metafile, kinds: (kind: string) => boolean): string[] {
  const paths = Object.values(metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external && kinds(i.kind) && !i.path.startsWith("../")).map((i) => i.path),
  );
  return [...new Set(paths)].sort();
}

/** Synthesizes the app once into `outdir` and measures every Lambda function's bundle, API functions first. */
export function measureDeployedBundles(outdir: string): MeasuredBundle[] {
  const built = synthApp(
    { stage: "bench", runnerImage: "public.ecr.aws/mcpflow/runner:bench", [BUNDLE_METAFILE_CONTEXT]: "true" },
    { outdir },
  );
  const functions = built.app.node
    .findAll()
    .filter((c): c is McpflowFunction => c instanceof McpflowFunction);
  return functions
    .map((fn) => {
      const staging = fn.function.node.findChild("Code").node.findChild("Stage") as AssetStaging;
      const dir = staging.absoluteStagedPath;
      const metafile = JSON.parse(readFileSync(join(dir, "index.meta.json"), "utf8")) as Metafile;
      const name = fn.serviceName.replace(/^mcpflow-/, "");
      const isApi = fn.entry.startsWith("functions/api/");
      const bytes = statSync(join(dir, "index.mjs")).size;
      return {
        name: isApi ? `api-${name}` : name,
        entry: fn.entry,
        bytes,
        inputs: inputsBySource(metafile, { byFile: true }),
        bundlePath: join(dir, "index.mjs"),
        externals: externalsOf(metafile, (kind) => kind !== "dynamic-import"),
        importedExternals: externalsOf(metafile, (kind) => kind === "import-statement"),
        topInputs: inputsBySource(metafile).slice(0, 3),
        overLimit: isApi && bytes > API_BUNDLE_LIMIT_BYTES,
      };
    })
    .sort((a, b) => Number(b.name.startsWith("api-")) - Number(a.name.startsWith("api-")));
}

const LOAD_RUNS = 7;

/**
 * Wall time of `import(file)` in a fresh Node process, measured inside it (process start excluded); throws with the
 * child's stderr when the import fails.
 */
export function importMs(file: string): number {
  const script = "const t=performance.now();await import(process.argv[1]);console.log(performance.now()-t)";
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, file], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT", AWS_REGION: "us-east-1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return Number(out.trim().split("\n").at(-1));
}

function loadMs(file: string): number {
  const times = Array.from({ length: LOAD_RUNS }, () => importMs(file));
  return times.sort((a, b) => a - b)[Math.floor(LOAD_RUNS / 2)]!;
}

export interface StagedLoad {
  /** The bundle's index.mjs, copied under the repository so its `@aws-sdk/*` imports resolve, as the Lambda
   * runtime provides them. */
  readonly bundle: string;
  /** A module that imports only what the bundle's `import` statements load from outside it. */
  readonly externals: string;
}

/** Copies each bundle under `dir` (inside the repository) with its externals module beside it. */
export function stageLoads(bundles: readonly MeasuredBundle[], dir: string): Map<string, StagedLoad> {
  const staged = new Map<string, StagedLoad>();
  for (const bundle of bundles) {
    const target = join(dir, bundle.name);
    cpSync(dirname(bundle.bundlePath), target, { recursive: true });
    const externals = join(target, "externals.mjs");
    writeFileSync(externals, bundle.importedExternals.map((m) => `import ${JSON.stringify(m)};\n`).join(""));
    staged.set(bundle.name, { bundle: join(target, "index.mjs"), externals });
  }
  return staged;
}

function measureLoads(bundles: readonly MeasuredBundle[]): {
  baselineLoadMs: number;
  loads: Map<string, { loadMs: number; externalsLoadMs: number }>;
} {
  const dir = join(repoRoot, ".mcpflow", "bench-load");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, "empty.mjs"), "export {};\n");
    const baselineLoadMs = loadMs(join(dir, "empty.mjs"));
    const loads = new Map<string, { loadMs: number; externalsLoadMs: number }>();
    for (const [name, staged] of stageLoads(bundles, dir)) {
      loads.set(name, { loadMs: loadMs(staged.bundle), externalsLoadMs: loadMs(staged.externals) });
    }
    return { baselineLoadMs, loads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function printBundles(bundles: readonly BundleResult[]): void {
  printTable(
    ["function", "minified", "load ms", "of which SDK", "top 3 inputs", "flag"],
    bundles.map((b) => [
      b.name,
      kb(b.bytes),
      b.loadMs === undefined ? "" : b.loadMs.toFixed(1),
      b.externalsLoadMs === undefined ? "" : b.externalsLoadMs.toFixed(1),
      b.topInputs.map((i) => `${i.input} ${kb(i.bytes)}`).join(", "),
      b.overLimit ? `> ${kb(API_BUNDLE_LIMIT_BYTES)}` : "",
    ]),
  );
}

export function runBundleBench(): BundleBenchReport {
  const outdir = mkdtempSync(join(tmpdir(), "mcpflow-cdk-"));
  let bundles: BundleResult[];
  let baselineLoadMs: number;
  try {
    const measured = measureDeployedBundles(outdir);
    const loads = measureLoads(measured);
    baselineLoadMs = loads.baselineLoadMs;
    bundles = measured.map(
      ({
        inputs: _inputs,
        bundlePath: _path,
        externals: _externals,
        importedExternals: _imported,
        ...bundle
      }) => ({
        ...bundle,
        ...loads.loads.get(bundle.name),
      }),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  const report: BundleBenchReport = {
    bundler: "aws-cdk-lib/aws-lambda-nodejs NodejsFunction (esbuild, ESM, minified, @aws-sdk/* external)",
    apiLimitBytes: API_BUNDLE_LIMIT_BYTES,
    baselineLoadMs,
    bundles,
  };
  printBundles(report.bundles);
  writeResult("bundles", report);
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const report = runBundleBench();
  console.log(
    `\nload ms: median of ${LOAD_RUNS} imports in fresh processes; "of which SDK": importing only the external modules the bundle's import statements name (the AWS SDK clients the Lambda runtime provides, Node built-ins); an empty module: ${report.baselineLoadMs.toFixed(1)} ms`,
  );
  const flagged = report.bundles.filter((b) => b.overLimit).map((b) => b.name);
  if (flagged.length) console.log(`\nAPI bundles over ${kb(API_BUNDLE_LIMIT_BYTES)}: ${flagged.join(", ")}`);
}
