// `npm run bench [name...] [-- --update-baseline]`: every benchmark in bench/, each in its own process (no shared
// heap, caches or open handles between them), each printing its table and writing bench/results/latest/<name>.json,
// or the committed baseline bench/results/<name>.json with --update-baseline.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const suites = ["registry", "search", "compile", "mcp", "workflow", "bundles", "web", "run-monitor"];
const only = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const updateBaseline = process.argv.includes("--update-baseline");

let failed = 0;
for (const name of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`)], {
    stdio: "inherit",
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      ...process.env,
      ...(updateBaseline ? { BENCH_UPDATE_BASELINE: "1" } : {}),
    },
  });
  if (result.status !== 0) {
    failed++;
    console.error(`${name} failed with exit code ${result.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
