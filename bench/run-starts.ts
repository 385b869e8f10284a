// Starting runs under a burst: 50 concurrent `POST /v1/workflows/{name}/runs` against `npm start`'s process, each
// run one server-everything call. Reports the answers' latency (the goal: p99 ≤ 200 ms), their status codes (never
// a 5xx for a run that was created), how the runs ended, and the most MCP server processes alive at once (the cap:
// MCPFLOW_MAX_PROCESSES). Rounds are repeated and the medians reported. Each round is paired with a round against
// the baseline in the same run: a bare node:http server doing the one store write a start needs (bench/
// bare-start-server.ts), so the ratio says what the platform adds on a machine whose load changes by the minute.
// Run: npx tsx bench/run-starts.ts   (RUN_STARTS, RUN_ROUNDS; BENCH_ROOT runs another checkout's platform)
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PLATFORM_ROOT, startPlatformProcess } from "./platform-process.js";
import { printTable, writeResult } from "./table.js";

const STARTS = Number(process.env.RUN_STARTS ?? 50);
const ROUNDS = Number(process.env.RUN_ROUNDS ?? 3);
const SERVER_SCRIPT = join(
  PLATFORM_ROOT,
  "node_modules/@modelcontextprotocol/server-everything/dist/index.js",
);
const SERVER = "io.github.modelcontextprotocol/server-everything";

interface Round {
  round: number;
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
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function serverProcesses(): number {
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(SERVER_SCRIPT)) count++;
    } catch {
      // ended while we looked
    }
  }
  return count;
}

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

async function main(): Promise<void> {
  const platform = await startPlatformProcess();
  const baseline = await startBaseline();
  const { url, headers } = platform;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };
  const rounds: Round[] = [];
  try {
    const published = await api("POST", "/v1/servers?approve=true", {
      name: SERVER,
      version: "1.0.0",
      description: "server-everything for the run-start benchmark",
      runtime: { transport: "stdio", command: process.execPath, args: [SERVER_SCRIPT, "stdio"] },
    });
    if (published.status !== 201)
      throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
    const probed = await api("POST", `/v1/servers/${encodeURIComponent(SERVER)}/versions/1.0.0/probe`);
    if (probed.status !== 200) throw new Error(`probe: ${probed.status} ${JSON.stringify(probed.body)}`);
    const saved = await api("POST", "/v1/workflows", {
      name: "bench-echo",
      steps: [{ id: "echo", server: `${SERVER}@1.0.0`, tool: "echo", arguments: { message: "hi" } }],
    });
    if (saved.status !== 201) throw new Error(`workflow: ${saved.status} ${JSON.stringify(saved.body)}`);

    for (let round = 1; round <= ROUNDS; round++) {
      const bare = await burst(async () => {
        const response = await fetch(baseline.url, { method: "POST", body: JSON.stringify({ input: {} }) });
        await response.arrayBuffer();
        return { status: response.status };
      });
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, serverProcesses());
      }, 100);
      const began = performance.now();
      const { answers, ms } = await burst(async () => {
        const answer = await api("POST", "/v1/workflows/bench-echo/runs", { input: {} });
        return { status: answer.status, id: answer.body?.id as string | undefined };
      });
      const ids = answers.map((a) => a.id).filter((id): id is string => id !== undefined);
      const ended = new Map<string, string>();
      const deadline = Date.now() + 180_000;
      while (ended.size < ids.length && Date.now() < deadline) {
        for (const id of ids.filter((i) => !ended.has(i))) {
          const run = await api("GET", `/v1/runs/${id}`);
          if (run.status === 200 && run.body.status !== "RUNNING") ended.set(id, run.body.status);
        }
        if (ended.size < ids.length) await new Promise((r) => setTimeout(r, 250));
      }
      clearInterval(sampler);
      const statusCodes: Record<string, number> = {};
      for (const a of answers) statusCodes[a.status] = (statusCodes[a.status] ?? 0) + 1;
      rounds.push({
        round,
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
      });
      process.stderr.write(`round ${round}: p99 ${rounds.at(-1)!.p99Ms} ms\n`);
    }
  } finally {
    await platform.stop();
    await baseline.stop();
  }
  printTable(
    [
      "round",
      "bare p50",
      "bare p99",
      "p50 ms",
      "p99 ms",
      "max ms",
      "statuses",
      "created",
      "succeeded",
      "all ended ms",
      "peak procs",
    ],
    rounds.map((r) => [
      String(r.round),
      String(r.baselineP50Ms),
      String(r.baselineP99Ms),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.maxMs),
      Object.entries(r.statusCodes)
        .map(([code, n]) => `${code}×${n}`)
        .join(" "),
      String(r.runsCreated),
      String(r.runsSucceeded),
      String(r.allEndedMs),
      String(r.peakProcesses),
    ]),
  );
  const summary = {
    baselineP50Ms: median(rounds.map((r) => r.baselineP50Ms)),
    baselineP99Ms: median(rounds.map((r) => r.baselineP99Ms)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    p99Ratio: median(rounds.map((r) => Math.round((r.p99Ms / Math.max(1, r.baselineP99Ms)) * 10) / 10)),
    allEndedMs: median(rounds.map((r) => r.allEndedMs)),
    peakProcesses: Math.max(...rounds.map((r) => r.peakProcesses)),
  };
  process.stdout.write(
    `\nmedians over ${ROUNDS} rounds of ${STARTS} concurrent starts: p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms (bare node:http + one put: p50 ${summary.baselineP50Ms} ms, p99 ${summary.baselineP99Ms} ms; p99 ${summary.p99Ratio}× the baseline), all runs ended after ${summary.allEndedMs} ms; at most ${summary.peakProcesses} server processes\n`,
  );
  writeResult(process.env.BENCH_RESULT ?? "run-starts", {
    root: PLATFORM_ROOT,
    starts: STARTS,
    maxProcesses: process.env.MCPFLOW_MAX_PROCESSES ?? null,
    ...summary,
    rounds,
  });
}

await main();
