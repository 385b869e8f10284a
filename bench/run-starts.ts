// Starting runs under a burst: 50 concurrent `POST /v1/workflows/{name}/runs` against `npm start`'s process, each
// run one server-everything call. Reports the answers' latency (the goal: p99 ≤ 200 ms), their status codes (never
// a 5xx for a run that was created), how the runs ended, and the most MCP server processes alive at once (the cap:
// MCPFLOW_MAX_PROCESSES). Rounds are repeated and the medians reported. Each round is paired with a round against
// the baseline in the same run: a bare node:http server doing the one store write a start needs (bench/
// bare-start-server.ts), so the ratio says what the platform adds on a machine whose load changes by the minute.
// BENCH_BEFORE_ROOT names another checkout (main before a change): its platform gets the same bursts in the same
// rounds, so before and after are measured side by side rather than at two different loads. Each round also says how
// much CPU the platform's main thread (the API's event loop) and its whole process used during the burst (from /proc):
// 50 starts that arrive together all wait for the main thread's work for all, so on a quiet machine the p99 is about
// that CPU, while on a loaded one the wall clock also counts the time other processes held the cores.
// Run: npx tsx bench/run-starts.ts   (RUN_STARTS, RUN_ROUNDS; BENCH_ROOT runs another checkout's platform)
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PLATFORM_ROOT, type PlatformProcess, startPlatformProcess } from "./platform-process.js";
import { printTable, writeResult } from "./table.js";

const STARTS = Number(process.env.RUN_STARTS ?? 50);
const ROUNDS = Number(process.env.RUN_ROUNDS ?? 3);
const BEFORE_ROOT = process.env.BENCH_BEFORE_ROOT ? resolve(process.env.BENCH_BEFORE_ROOT) : undefined;
const serverScript = (root: string) =>
  join(root, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const SERVER = "io.github.modelcontextprotocol/server-everything";

interface Target {
  label: "before" | "after";
  root: string;
  platform: PlatformProcess;
}

interface Round {
  round: number;
  platform: Target["label"];
  baselineP50Ms: number;
  baselineP99Ms: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCodes: Record<string, number>;
  runsCreated: number;
  runsSucceeded: number;
  allEndedMs: number;
  peakProcesses: number;
  /** CPU the platform's main thread (the API's event loop) and its whole process spent during the burst. */
  mainThreadCpuMs: number;
  processCpuMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function serverProcesses(script: string): number {
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(script)) count++;
    } catch {
      // ended while we looked
    }
  }
  return count;
}

/** CPU time (user + system) in ms of a process, or of one of its threads, from /proc (Linux; 0 elsewhere). */
function cpuMs(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, "utf8");
    // The fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ: 100 on every Linux build that matters here. */
const CLOCK_TICKS = 100;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The baseline server in its own process; resolves with its URL and a stop function. */
async function startBaseline(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(PLATFORM_ROOT, "bench/bare-start-server.ts")],
    {
      cwd: PLATFORM_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8").trim()));
    child.once("exit", (code) => reject(new Error(`the baseline server exited with code ${code}`)));
  });
  const exited = new Promise((done) => child.once("exit", done));
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** STARTS concurrent POSTs; the latencies sorted, and the answers. */
async function burst(post: () => Promise<{ status: number; id?: string }>) {
  const answers = await Promise.all(
    Array.from({ length: STARTS }, async () => {
      const t0 = performance.now();
      const answer = await post();
      return { ...answer, ms: performance.now() - t0 };
    }),
  );
  return { answers, ms: answers.map((a) => a.ms).sort((a, b) => a - b) };
}

const api = async (target: Target, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${target.platform.url}${path}`, {
    method,
    headers: target.platform.headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
};

/** The server (approved, probed) and the one-step workflow the bursts start. */
async function prepare(target: Target): Promise<void> {
  const published = await api(target, "POST", "/v1/servers?approve=true", {
    name: SERVER,
    version: "1.0.0",
    description: "server-everything for the run-start benchmark",
    runtime: { transport: "stdio", command: process.execPath, args: [serverScript(target.root), "stdio"] },
  });
  if (published.status !== 201)
    throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  const probed = await api(target, "POST", `/v1/servers/${encodeURIComponent(SERVER)}/versions/1.0.0/probe`);
  if (probed.status !== 200) throw new Error(`probe: ${probed.status} ${JSON.stringify(probed.body)}`);
  const saved = await api(target, "POST", "/v1/workflows", {
    name: "bench-echo",
    steps: [{ id: "echo", server: `${SERVER}@1.0.0`, tool: "echo", arguments: { message: "hi" } }],
  });
  if (saved.status !== 201) throw new Error(`workflow: ${saved.status} ${JSON.stringify(saved.body)}`);
}

/** One burst against one platform, and the wait for all its runs to end. */
async function measure(target: Target, round: number, bare: { ms: number[] }): Promise<Round> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, serverProcesses(serverScript(target.root)));
  }, 100);
  const began = performance.now();
  const burstFrom = process.hrtime.bigint();
  // The main thread's id is the process id.
  const pid = target.platform.child.pid!;
  const cpuBefore = { main: cpuMs(pid, pid), all: cpuMs(pid) };
  const { answers, ms } = await burst(async () => {
    const answer = await api(target, "POST", "/v1/workflows/bench-echo/runs", { input: {} });
    return { status: answer.status, id: answer.body?.id as string | undefined };
  });
  const cpu = { main: cpuMs(pid, pid) - cpuBefore.main, all: cpuMs(pid) - cpuBefore.all };
  // CLOCK_MONOTONIC, the clock of a --cpu-prof profile's timestamps: the burst's window in the platform's profile.
  if (process.env.BENCH_NODE_ARGS?.includes("--cpu-prof"))
    process.stderr.write(
      `round ${round} (${target.label}, pid ${target.platform.child.pid}): burst from ${burstFrom / 1000n} to ${process.hrtime.bigint() / 1000n} (µs, monotonic)\n`,
    );
  const ids = answers.map((a) => a.id).filter((id): id is string => id !== undefined);
  const ended = new Map<string, string>();
  const deadline = Date.now() + 180_000;
  while (ended.size < ids.length && Date.now() < deadline) {
    for (const id of ids.filter((i) => !ended.has(i))) {
      const run = await api(target, "GET", `/v1/runs/${id}`);
      if (run.status === 200 && run.body.status !== "RUNNING") ended.set(id, run.body.status);
    }
    if (ended.size < ids.length) await new Promise((r) => setTimeout(r, 250));
  }
  clearInterval(sampler);
  const statusCodes: Record<string, number> = {};
  for (const a of answers) statusCodes[a.status] = (statusCodes[a.status] ?? 0) + 1;
  const result: Round = {
    round,
    platform: target.label,
    baselineP50Ms: Math.round(percentile(bare.ms, 50)),
    baselineP99Ms: Math.round(percentile(bare.ms, 99)),
    p50Ms: Math.round(percentile(ms, 50)),
    p99Ms: Math.round(percentile(ms, 99)),
    maxMs: Math.round(ms.at(-1)!),
    statusCodes,
    runsCreated: ids.length,
    runsSucceeded: [...ended.values()].filter((s) => s === "SUCCEEDED").length,
    allEndedMs: ended.size === ids.length ? Math.round(performance.now() - began) : -1,
    peakProcesses: peak,
    mainThreadCpuMs: Math.round(cpu.main),
    processCpuMs: Math.round(cpu.all),
  };
  process.stderr.write(`round ${round} (${target.label}): p99 ${result.p99Ms} ms\n`);
  return result;
}

function summarize(rounds: Round[]) {
  return {
    baselineP50Ms: median(rounds.map((r) => r.baselineP50Ms)),
    baselineP99Ms: median(rounds.map((r) => r.baselineP99Ms)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    p99Ratio: median(rounds.map((r) => Math.round((r.p99Ms / Math.max(1, r.baselineP99Ms)) * 10) / 10)),
    allEndedMs: median(rounds.map((r) => r.allEndedMs)),
    peakProcesses: Math.max(...rounds.map((r) => r.peakProcesses)),
    mainThreadCpuMs: median(rounds.map((r) => r.mainThreadCpuMs)),
    processCpuMs: median(rounds.map((r) => r.processCpuMs)),
  };
}

async function main(): Promise<void> {
  const targets: Target[] = [];
  const baseline = await startBaseline();
  const rounds: Round[] = [];
  try {
    targets.push({ label: "after", root: PLATFORM_ROOT, platform: await startPlatformProcess() });
    if (BEFORE_ROOT)
      targets.push({
        label: "before",
        root: BEFORE_ROOT,
        platform: await startPlatformProcess({}, BEFORE_ROOT),
      });
    for (const target of targets) await prepare(target);
    for (let round = 1; round <= ROUNDS; round++) {
      // Each platform right after its own baseline burst; the order alternates, so neither always goes first.
      const order = round % 2 === 0 ? [...targets].reverse() : targets;
      for (const target of order) {
        const bare = await burst(async () => {
          const response = await fetch(baseline.url, { method: "POST", body: JSON.stringify({ input: {} }) });
          await response.arrayBuffer();
          return { status: response.status };
        });
        rounds.push(await measure(target, round, bare));
      }
    }
  } finally {
    for (const target of targets) await target.platform.stop();
    await baseline.stop();
  }
  printTable(
    [
      "round",
      "platform",
      "bare p50",
      "bare p99",
      "p50 ms",
      "p99 ms",
      "max ms",
      "p99/bare",
      "statuses",
      "created",
      "succeeded",
      "all ended ms",
      "peak procs",
      "main cpu ms",
      "proc cpu ms",
    ],
    rounds.map((r) => [
      String(r.round),
      r.platform,
      String(r.baselineP50Ms),
      String(r.baselineP99Ms),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.maxMs),
      `${(r.p99Ms / Math.max(1, r.baselineP99Ms)).toFixed(1)}×`,
      Object.entries(r.statusCodes)
        .map(([code, n]) => `${code}×${n}`)
        .join(" "),
      String(r.runsCreated),
      String(r.runsSucceeded),
      String(r.allEndedMs),
      String(r.peakProcesses),
      String(r.mainThreadCpuMs),
      String(r.processCpuMs),
    ]),
  );
  const after = summarize(rounds.filter((r) => r.platform === "after"));
  const before = BEFORE_ROOT ? summarize(rounds.filter((r) => r.platform === "before")) : undefined;
  const line = (label: string, summary: ReturnType<typeof summarize>) =>
    `${label}: p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms (bare node:http + one put: p50 ${summary.baselineP50Ms} ms, p99 ${summary.baselineP99Ms} ms; p99 ${summary.p99Ratio}× the baseline), all runs ended after ${summary.allEndedMs} ms; at most ${summary.peakProcesses} server processes; during the burst the main thread used ${summary.mainThreadCpuMs} ms of CPU, the process ${summary.processCpuMs} ms\n`;
  process.stdout.write(`\nmedians over ${ROUNDS} rounds of ${STARTS} concurrent starts\n`);
  if (before) process.stdout.write(line(`before (${BEFORE_ROOT})`, before));
  process.stdout.write(line(BEFORE_ROOT ? `after (${PLATFORM_ROOT})` : "platform", after));
  if (before)
    process.stdout.write(
      `after / before: p50 ${(after.p50Ms / before.p50Ms).toFixed(2)}, p99 ${(after.p99Ms / before.p99Ms).toFixed(2)}\n`,
    );
  writeResult(process.env.BENCH_RESULT ?? "run-starts", {
    root: PLATFORM_ROOT,
    ...(BEFORE_ROOT ? { beforeRoot: BEFORE_ROOT, before } : {}),
    starts: STARTS,
    maxProcesses: process.env.MCPFLOW_MAX_PROCESSES ?? null,
    ...after,
    rounds,
  });
}

await main();
