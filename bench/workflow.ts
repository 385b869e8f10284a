// What running MCP calls as a workflow costs: a 100-step sequential workflow on one server, run by the embedded
// platform (ASL interpreter + step records in the store + one server start), against 100 direct MCP SDK calls
// plus one server start, in the same process and the same run.
// Run: npx tsx bench/workflow.ts   (writes bench/results/latest/workflow.json)
import "../shared/polyfills.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startLocalPlatform } from "../local/platform.js";
import { writeResult } from "./table.js";

const STEPS = Number(process.env.BENCH_STEPS ?? 100);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const SERVER = "io.github.mcpflow-bench/everything";

async function direct(): Promise<number> {
  const started = performance.now();
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [SCRIPT, "stdio"], stderr: "ignore" }),
  );
  for (let i = 0; i < STEPS; i++)
    await client.callTool({ name: "echo", arguments: { message: `step ${i}` } });
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
}

async function viaWorkflow(): Promise<{ totalMs: number; status: string }> {
  const home = await mkdtemp(join(tmpdir(), "mcpflow-bench-"));
  const platform = await startLocalPlatform({ home, port: 0 });
  const headers = { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${platform.url}${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await response.json()) as Record<string, unknown>;
  };
  try {
    await call("POST", "/v1/servers", {
      name: SERVER,
      description: "server-everything for the workflow benchmark",
      version: "1.0.0",
      runtime: { transport: "stdio", command: process.execPath, args: [SCRIPT, "stdio"] },
    });
    const steps = Array.from({ length: STEPS }, (_, i) => ({
      id: `s${i}`,
      server: `${SERVER}@1.0.0`,
      tool: "echo",
      arguments: { message: `step ${i}` },
      ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}),
    }));
    await call("POST", "/v1/workflows", {
      name: "bench-sequence",
      steps,
      output: { last: `{{ steps.s${STEPS - 1}.output.text }}` },
    });
    const started = performance.now();
    const run = await call("POST", "/v1/workflows/bench-sequence/runs", { input: {} });
    let status = "RUNNING";
    while (status === "RUNNING") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = String((await call("GET", `/v1/runs/${run.id}`)).status);
    }
    return { totalMs: performance.now() - started, status };
  } finally {
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
}

export async function runWorkflowBench() {
  const baseline = await direct();
  const workflow = await viaWorkflow();
  const round = (n: number) => Math.round(n);
  const rows = [
    {
      case: `${STEPS} direct SDK calls + 1 server start`,
      totalMs: round(baseline),
      perCallMs: +(baseline / STEPS).toFixed(2),
    },
    {
      case: `${STEPS}-step sequential workflow (${workflow.status})`,
      totalMs: round(workflow.totalMs),
      perCallMs: +(workflow.totalMs / STEPS).toFixed(2),
    },
  ];
  console.table(rows);
  const ratio = +(workflow.totalMs / baseline).toFixed(2);
  console.log(`workflow / direct: ${ratio}x`);
  const result = { steps: STEPS, rows, ratio };
  writeResult("workflow", result);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  await runWorkflowBench();
}
