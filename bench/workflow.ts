// What running MCP calls as a workflow costs: a 100-step sequential workflow on one server, run by the embedded
// platform (ASL interpreter + step records in the store + one server start), against 100 direct MCP SDK calls
// plus one server start, in the same process and the same run.
// Run: npx tsx bench/workflow.ts   (writes bench/results/latest/workflow.json)
import "../shared/polyfills.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { printTable, writeResult } from "./table.js";

const STEP_COUNTS = (process.env.BENCH_STEPS ?? "25,100,200").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const SERVER = "io.github.mcpflow-bench/everything";

/** BENCH_PROFILE=<dir>: a CPU profile of each run's window only (from POST .../runs to its end), for DevTools. */
const PROFILE_DIR = process.env.BENCH_PROFILE;

async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function direct(steps: number): Promise<{ ms: number; cpuMs: number }> {
  const cpu = cpuMs();
  const started = performance.now();
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [SCRIPT, "stdio"], stderr: "ignore" }),
  );
  for (let i = 0; i < steps; i++)
    await client.callTool({ name: "echo", arguments: { message: `step ${i}` } });
  const elapsed = performance.now() - started;
  const used = cpuMs() - cpu;
  await client.close();
  return { ms: elapsed, cpuMs: used };
}

async function viaWorkflow(count: number): Promise<{
  totalMs: number;
  cpuMs: number;
  storeCalls: number;
  kinds: Record<string, number>;
  status: string;
  events: number;
  eventBytes: number;
  stateBytes: number;
  usage: Record<string, number> | undefined;
  usd: number | undefined;
  startMs: number;
  spanMs: number;
  endMs: number;
}> {
  const home = await mkdtemp(join(tmpdir(), "mcpflow-bench-"));
  // Imported here: request logs would flood stdout, and the logger reads its level when first imported.
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const { startLocalPlatform } = await import("../local/platform.js");
  const platform = await startLocalPlatform({ home, port: 0 });
  // Every store request the process makes, counted where the SDK sends it.
  const { getPlatform } = await import("../shared/platform.js");
  const doc = (await getPlatform()).table.doc;
  let storeCalls = 0;
  const byKind: Record<string, number> = {};
  const send = doc.send.bind(doc);
  doc.send = ((command: never, options?: never) => {
    storeCalls++;
    const kind = (command as object).constructor.name.replace(/Command$/, "");
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    return send(command, options);
  }) as typeof doc.send;
  const headers = { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${platform.url}${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 400)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  try {
    // An admin publishes and approves the runtime in one request: only approved runtimes run (decision 0004).
    await call("POST", "/v1/servers?approve=true", {
      name: SERVER,
      description: "server-everything for the workflow benchmark",
      version: "1.0.0",
      runtime: { transport: "stdio", command: process.execPath, args: [SCRIPT, "stdio"] },
    });
    const steps = Array.from({ length: count }, (_, i) => ({
      id: `s${i}`,
      server: `${SERVER}@1.0.0`,
      tool: "echo",
      arguments: { message: `step ${i}` },
      ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}),
    }));
    await call("POST", "/v1/workflows", {
      name: `bench-sequence-${count}`,
      steps,
      output: { last: `{{ steps.s${count - 1}.output.text }}` },
    });
    const started = Date.now();
    const cpu = cpuMs();
    const callsBefore = storeCalls;
    const kindsBefore = { ...byKind };
    const { run, status } = await profiled(`workflow-${count}-${Date.now()}`, async () => {
      const run = await call("POST", `/v1/workflows/bench-sequence-${count}/runs`, { input: {} });
      let status = "RUNNING";
      while (status === "RUNNING") {
        // The run's own endedAt says when it ended, so the poll's interval does not count; the listing (one query, no
        // steps) is polled, as GET /v1/runs/{id} reads every step and would compete with the run for the one thread.
        await new Promise((resolve) => setTimeout(resolve, 250));
        const listed = await call("GET", `/v1/runs?workflow=bench-sequence-${count}`);
        const found = (listed.runs as { id: string; status: string }[]).find((r) => r.id === run.id);
        status = found?.status ?? "RUNNING";
      }
      return { run, status };
    });
    const record = await call("GET", `/v1/runs/${run.id}`);
    if (status !== "SUCCEEDED") console.error(`run ${status}: ${JSON.stringify(record.error)}`);
    const totalMs = Date.parse(String(record.endedAt)) - started;
    // Where the run's time goes, from the step records' own times: until the first step ends (the run's start, the
    // server's start within the first call), each step after it, after the last one (the run's end).
    const ends = ((record.steps ?? []) as { endedAt?: string }[])
      .flatMap((s) => (s.endedAt ? [Date.parse(s.endedAt)] : []))
      .sort((a, b) => a - b);
    const [firstEnd, lastEnd] = [ends[0] ?? started, ends.at(-1) ?? started];
    // The polls' own CPU and store calls are a few per second; they are left in, the same before and after.
    const used = cpuMs() - cpu;
    const calls = storeCalls - callsBefore;
    const kinds = Object.fromEntries(
      Object.entries(byKind)
        .map(([kind, n]) => [kind, n - (kindsBefore[kind] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    const response = await fetch(`${platform.url}/v1/runs/${run.id}/events`, { headers });
    const text = await response.text();
    const body = JSON.parse(text) as { events?: { detail?: Record<string, unknown> }[] };
    const history = body.events ?? [];
    // The state as the interpreter passed it between states: the largest input or output any event carried.
    const stateBytes = Math.max(
      0,
      ...history.flatMap((event) =>
        ["input", "output"]
          .filter((field) => event.detail?.[field] !== undefined)
          .map((field) => Buffer.byteLength(JSON.stringify(event.detail![field]))),
      ),
    );
    return {
      totalMs,
      cpuMs: used,
      storeCalls: calls,
      kinds,
      status,
      events: history.length,
      eventBytes: Buffer.byteLength(text),
      stateBytes,
      usage: record.usage as Record<string, number> | undefined,
      usd: (record.cost as { usd: number } | undefined)?.usd,
      startMs: firstEnd - started,
      spanMs: (lastEnd - firstEnd) / Math.max(1, ends.length - 1),
      endMs: Date.parse(String(record.endedAt)) - lastEnd,
    };
  } finally {
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

type Round = Awaited<ReturnType<typeof viaWorkflow>> & {
  directMs: number;
  directCpuMs: number;
  ratio: number;
};

function summary(steps: number, rounds: Round[]) {
  const per = (value: number) => +(value / steps).toFixed(2);
  const last = rounds.at(-1)!;
  return {
    steps,
    rounds: rounds.length,
    directMs: Math.round(median(rounds.map((r) => r.directMs))),
    workflowMs: Math.round(median(rounds.map((r) => r.totalMs))),
    perStepMs: per(median(rounds.map((r) => r.totalMs))),
    startMs: Math.round(median(rounds.map((r) => r.startMs))),
    stepMs: +median(rounds.map((r) => r.spanMs)).toFixed(2),
    endMs: Math.round(median(rounds.map((r) => r.endMs))),
    ratio: +median(rounds.map((r) => r.ratio)).toFixed(2),
    ratios: rounds.map((r) => +r.ratio.toFixed(2)),
    directCpuMs: Math.round(median(rounds.map((r) => r.directCpuMs))),
    workflowCpuMs: Math.round(median(rounds.map((r) => r.cpuMs))),
    cpuPerStepMs: per(median(rounds.map((r) => r.cpuMs))),
    storeCallsPerStep: per(median(rounds.map((r) => r.storeCalls))),
    storeCallsByKind: last.kinds,
    statuses: [...new Set(rounds.map((r) => r.status))].join(","),
    events: median(rounds.map((r) => r.events)),
    eventBytes: median(rounds.map((r) => r.eventBytes)),
    eventBytesPerStep: per(median(rounds.map((r) => r.eventBytes))),
    stateBytes: median(rounds.map((r) => r.stateBytes)),
    usage: last.usage,
    usd: last.usd,
  };
}

export async function runWorkflowBench() {
  const rows: ReturnType<typeof summary>[] = [];
  const loads: number[] = [];
  for (const steps of STEP_COUNTS) {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(loadavg()[0]!);
      const baseline = await direct(steps);
      const workflow = await viaWorkflow(steps);
      rounds.push({
        directMs: baseline.ms,
        directCpuMs: baseline.cpuMs,
        ...workflow,
        ratio: workflow.totalMs / baseline.ms,
      });
    }
    rows.push(summary(steps, rounds));
  }
  printTable(
    [
      "steps",
      "direct ms",
      "workflow ms",
      "ms/step",
      "to 1st step ms",
      "ms per next step",
      "after last ms",
      "ratio (rounds)",
      "cpu ms/step",
      "store req/step",
      "status",
      "events",
      "event B/step",
      "max state B",
      "usd",
    ],
    rows.map((r) => [
      String(r.steps),
      String(r.directMs),
      String(r.workflowMs),
      String(r.perStepMs),
      String(r.startMs),
      String(r.stepMs),
      String(r.endMs),
      `${r.ratio}x (${r.ratios.join(", ")})`,
      String(r.cpuPerStepMs),
      String(r.storeCallsPerStep),
      r.statuses,
      String(r.events),
      String(r.eventBytesPerStep),
      String(r.stateBytes),
      String(r.usd ?? "-"),
    ]),
  );
  const at = (steps: number) => rows.find((r) => r.steps === steps);
  const [hundred, twoHundred] = [at(100), at(200)];
  const growth = hundred && twoHundred ? +(twoHundred.ratio / hundred.ratio).toFixed(2) : undefined;
  const load = {
    median: +median(loads).toFixed(1),
    min: +Math.min(...loads).toFixed(1),
    max: +Math.max(...loads).toFixed(1),
  };
  if (growth !== undefined) console.log(`ratio at 200 steps / ratio at 100 steps: ${growth}`);
  for (const r of rows)
    console.log(`store requests by kind at ${r.steps} steps: ${JSON.stringify(r.storeCallsByKind)}`);
  console.log(`load (1 min) at each round's start: median ${load.median}, ${load.min}–${load.max}`);
  const result = {
    notes:
      "ratio = workflow run (from sending POST .../runs to the run's endedAt) / (the same number of direct SDK " +
      "calls + one server start, measured just before it), per round, median of the rounds; cpu = this process's " +
      "CPU time (platform, dynalite, interpreter, MCP client; the server's child process not included), steadier " +
      "than wall time on a shared machine; store requests = requests the SDK sent during the run (polls every " +
      "250 ms included); to 1st step = from sending POST .../runs to the first step record's endedAt (the run's " +
      "start, the server's start, one call), ms per next step = (last step's endedAt - first step's) / (steps - 1), " +
      "after last = the last step's endedAt to the run's endedAt (the run's end); event bytes = the body of GET /v1/runs/{id}/events; max state = the largest state input " +
      "or output in the history; usd = the run record's cost (what it would cost on AWS, docs/costs.md)",
    rows,
    ratioGrowth: growth,
    load,
  };
  writeResult("workflow", result);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  await runWorkflowBench();
}
