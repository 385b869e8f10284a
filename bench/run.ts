// `npm run bench`: every benchmark in bench/, each printing its table and writing bench/results/<name>.json.
import "../shared/polyfills.js";

const only = process.argv.slice(2);
const suites: [string, () => Promise<unknown>][] = [
  ["registry", async () => (await import("./registry.js")).runRegistryBench()],
  ["search", async () => (await import("./search.js")).runSearchBench()],
  ["compile", async () => (await import("./compile.js")).runCompileBench()],
  ["mcp", async () => (await import("./mcp.js")).runMcpBench()],
  ["workflow", async () => (await import("./workflow.js")).runWorkflowBench()],
  ["bundles", async () => (await import("./bundles.js")).runBundleBench()],
];

process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  await run();
}
// autocannon and MCP child processes may leave handles open; every result is written by now.
process.exit(0);
