// Search over 10,000 documents, split so each part of a request's time shows on its own, in one run:
// - the engine alone: CPU per query, one at a time (median, p99), for repeated and never-repeated queries, and 50
//   clients sharing its one thread (what queueing alone does to latency);
// - over HTTP with 50 connections against the embedded platform in its own process (GET /v1/search, repeated and
//   never-repeated queries), next to three bare node:http servers in that same process: one answering from memory,
//   one running the same search service call (freshness check + engine) and one the engine alone, with no middleware.
//   Each row also gives the serving process's CPU per request, so platform − bare-service is the platform's HTTP stack
//   (adapter, middy, auth, validation, logging, JSON), bare-service − bare-engine the freshness read, and latency
//   beyond CPU per request is queueing.
// Run: npx tsx bench/search.ts   (BENCH_ROUNDS, BENCH_SECONDS, BENCH_QUERIES; BENCH_NODE_ARGS adds node flags to the
// serving process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"; writes bench/results/latest/search.json)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import autocannon from "autocannon";
import { SearchEngine } from "../shared/search/engine.js";
import { DOCUMENTS, distinctQuery, generateDocuments, QUERIES } from "./search-corpus.js";
import { printTable, writeResult } from "./table.js";

const QUERIES_PER_CLIENT = Number(process.env.BENCH_QUERIES ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

/** Queries in flight at once, over HTTP and in the engine's queueing rows. */
const CLIENTS = 50;
/** Never-repeated queries timed one at a time for the engine's CPU per query. */
const CPU_SAMPLES = Number(process.env.BENCH_CPU_SAMPLES ?? 600);

const round3 = (value: number) => Math.round(value * 1000) / 1000;

function percentile(sorted: number[], p: number): number {
  return round3(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** CPU time of this process so far, in ms (user + system): unlike wall time, what other processes do is not in it. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface CpuRow {
  queries: "repeated" | "never repeated";
  samples: number;
  cpuP50Ms: number;
  cpuP99Ms: number;
}

/** CPU per query with nothing else waiting: what one query costs the engine, queueing left out. */
function engineCpu(engine: SearchEngine, queries: "repeated" | "never repeated", offset: number): CpuRow {
  const costs: number[] = [];
  for (let i = 0; i < CPU_SAMPLES; i++) {
    const q = queries === "repeated" ? QUERIES[i % QUERIES.length]! : distinctQuery(offset + i);
    const before = cpuMs();
    engine.search({ q, limit: 20, offset: 0 });
    costs.push(cpuMs() - before);
  }
  costs.sort((a, b) => a - b);
  return {
    queries,
    samples: costs.length,
    cpuP50Ms: percentile(costs, 0.5),
    cpuP99Ms: percentile(costs, 0.99),
  };
}

interface QueueRow {
  queries: "repeated" | "never repeated";
  clients: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
  queriesPerSecond: number;
}

/** Each client issues its queries one after another on this one thread: latency is its query plus the others'. */
async function engineQueue(
  engine: SearchEngine,
  queries: "repeated" | "never repeated",
  offset: number,
): Promise<QueueRow> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; i < QUERIES_PER_CLIENT; i++) {
        const n = c * QUERIES_PER_CLIENT + i;
        const q = queries === "repeated" ? QUERIES[n % QUERIES.length]! : distinctQuery(offset + n);
        const issued = performance.now();
        await new Promise<void>((done) => setImmediate(done));
        engine.search({ q, limit: 20, offset: 0 });
        latencies.push(performance.now() - issued);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    queries,
    clients: CLIENTS,
    count: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    queriesPerSecond: Math.round(latencies.length / seconds),
  };
}

const TARGETS = [
  "platform, repeated",
  "platform, never repeated",
  "bare, from memory",
  "bare + search service, never repeated",
  "bare + engine, never repeated",
] as const;
type Target = (typeof TARGETS)[number];
/** BENCH_TARGETS=platform runs only the targets whose name contains one of its comma-separated words (profiling). */
const CHOSEN = TARGETS.filter(
  (t) =>
    (process.env.BENCH_TARGETS ?? "").split(",").every((w) => w === "") ||
    (process.env.BENCH_TARGETS ?? "").split(",").some((w) => w !== "" && t.includes(w)),
);

interface HttpRow {
  target: Target;
  connections: number;
  rounds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The serving process's CPU (user + system) per answered request. */
  serverCpuMsPerRequest: number;
  /** p99 over the p99 of the bare server answering from memory, per round, median of the rounds. */
  p99OverBare: number;
  non2xx: number;
  errors: number;
}

/**
 * The serving side (a child process): the embedded platform with the generated documents in its search index, and
 * bare node:http servers beside it in this process. Prints one JSON line with their addresses.
 */
async function serve(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const { startLocalPlatform } = await import("../local/platform.js");
  const { getPlatform } = await import("../shared/platform.js");
  const { freshSearchEngine } = await import("../shared/search/freshness.js");
  const { createSearch } = await import("../shared/compose.js");
  const home = await mkdtemp(join(tmpdir(), "mcpflow-bench-"));
  const platform = await startLocalPlatform({ home, port: 0 });
  const live = await getPlatform();
  const search = createSearch(live);
  // The index every query of this platform reads, filled directly: seeding 10,000 items through the API would
  // take minutes and measure publishing, not search. The generation does not move, so it is not rebuilt.
  await search.search({ q: "", limit: 1 });
  const engine = await freshSearchEngine(live, {});
  for (const doc of generateDocuments(DOCUMENTS)) engine.upsert(doc);
  const headers = { authorization: `Bearer ${platform.adminToken}` };
  const answers = new Map<string, string>();
  for (const q of QUERIES) {
    const response = await fetch(`${platform.url}/v1/search?q=${encodeURIComponent(q)}&limit=20`, {
      headers,
    });
    if (response.status !== 200) throw new Error(`search answered ${response.status}`);
    answers.set(q, await response.text());
  }
  const listen = async (answer: (q: string) => Promise<string> | string) => {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/cpu") {
        const { user, system } = process.cpuUsage();
        res.end(JSON.stringify((user + system) / 1000));
        return;
      }
      const body = await answer(url.searchParams.get("q") ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const bare = [
    await listen((q) => answers.get(q) ?? "{}"),
    await listen(async (q) => JSON.stringify(await search.search({ q, limit: 20 }))),
    await listen((q) => JSON.stringify(engine.search({ q, limit: 20, offset: 0 }))),
  ];
  const urls = {
    platform: platform.url,
    memory: bare[0]!.url,
    service: bare[1]!.url,
    engine: bare[2]!.url,
  };
  process.stdout.write(`${JSON.stringify({ urls, headers })}\n`);
  process.stdin.resume();
  process.stdin.on("end", async () => {
    for (const { server } of bare) server.close();
    await platform.stop();
    await rm(home, { recursive: true, force: true });
    process.exit(0);
  });
}

interface Host {
  child: ChildProcess;
  urls: { platform: string; memory: string; service: string; engine: string };
  headers: Record<string, string>;
}

async function startServing(): Promise<Host> {
  // BENCH_NODE_ARGS adds node flags to the serving process (a CPU profile, say).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", fileURLToPath(import.meta.url), "serve"],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT" },
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((done, fail) => {
    lines.once("line", done);
    child.once("exit", (code) => fail(new Error(`the search host exited with ${code}`)));
  });
  return { child, ...JSON.parse(first) };
}

const serverCpu = async (host: Host) => Number(await (await fetch(`${host.urls.memory}/cpu`)).text());

/** One round against one target; the serving process's CPU is read before and after. */
async function httpRound(host: Host, target: Target) {
  const distinct = target.includes("never repeated");
  const url = target.startsWith("platform")
    ? host.urls.platform
    : target === "bare, from memory"
      ? host.urls.memory
      : target.startsWith("bare + search")
        ? host.urls.service
        : host.urls.engine;
  // A random start per round: the 4,096 never-repeated queries do not come round within a round or the cache.
  let n = distinct ? Math.floor(Math.random() * 1e6) : 0;
  const cpuBefore = await serverCpu(host);
  const result = await autocannon({
    url,
    connections: CLIENTS,
    duration: SECONDS,
    headers: host.headers,
    requests: [
      {
        method: "GET",
        setupRequest: (request) => {
          n += 1;
          const q = distinct ? distinctQuery(n) : QUERIES[n % QUERIES.length]!;
          return { ...request, path: `/v1/search?q=${encodeURIComponent(q)}&limit=20` };
        },
      },
    ],
  });
  const cpu = (await serverCpu(host)) - cpuBefore;
  return { result, cpuPerRequest: cpu / Math.max(1, result.requests.total) };
}

/** Medians over ROUNDS rounds, the targets taking turns within each round so all see the same machine load. */
async function measureHttp(): Promise<HttpRow[]> {
  const host = await startServing();
  try {
    const samples = new Map<Target, Awaited<ReturnType<typeof httpRound>>[]>(CHOSEN.map((t) => [t, []]));
    const bareP99: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of CHOSEN) samples.get(target)!.push(await httpRound(host, target));
      bareP99.push(samples.get("bare, from memory")?.at(-1)?.result.latency.p99 ?? Number.NaN);
    }
    return CHOSEN.map((target) => {
      const rounds = samples.get(target)!;
      const results = rounds.map((r) => r.result);
      return {
        target,
        connections: CLIENTS,
        rounds: results.length,
        requestsPerSecond: Math.round(median(results.map((r) => r.requests.average))),
        p50Ms: median(results.map((r) => r.latency.p50)),
        p99Ms: median(results.map((r) => r.latency.p99)),
        serverCpuMsPerRequest: round3(median(rounds.map((r) => r.cpuPerRequest))),
        p99OverBare:
          Math.round(median(results.map((r, i) => r.latency.p99 / Math.max(1, bareP99[i]!))) * 10) / 10,
        non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
        errors: results.reduce((sum, r) => sum + r.errors, 0),
      };
    });
  } finally {
    host.child.stdin!.end();
    await new Promise((done) => host.child.once("exit", done));
  }
}

/** A full garbage collection, so memory read after it is what is still held (the flag is set at run time). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Heap (with typed arrays' memory outside it) and resident memory now, in MB, after a full collection. */
function memoryMb(): { heap: number; rss: number } {
  collectGarbage();
  const { heapUsed, external, rss } = process.memoryUsage();
  return { heap: (heapUsed + external) / 1e6, rss: rss / 1e6 };
}

export async function runSearchBench() {
  const docs = generateDocuments(DOCUMENTS);
  const before = memoryMb();
  const buildStarted = performance.now();
  const engine = new SearchEngine();
  for (const doc of docs) engine.upsert(doc);
  const buildMs = Math.round(performance.now() - buildStarted);
  const after = memoryMb();
  // What the index holds beyond the documents themselves (the bench keeps those either way).
  const index = { heapMb: Math.round(after.heap - before.heap), rssMb: Math.round(after.rss - before.rss) };

  // Warm the engine's code paths before timing them, then keep the timed queries apart from the warm-up's.
  engineCpu(engine, "never repeated", 100_000);
  const cpu = [engineCpu(engine, "repeated", 0), engineCpu(engine, "never repeated", 0)];
  const queue = [await engineQueue(engine, "repeated", 0), await engineQueue(engine, "never repeated", 1000)];
  const http = await measureHttp();
  printRows(buildMs, index, cpu, queue, http);
  writeResult("search", {
    documents: DOCUMENTS,
    queries: QUERIES,
    indexBuildMs: buildMs,
    indexHeapMb: index.heapMb,
    indexRssMb: index.rssMb,
    notes:
      "engine cpu: one query at a time in the bench process, CPU time (user + system) per query. engine queue: " +
      `${CLIENTS} clients sharing the one thread, so latency is queueing plus the query. http: GET /v1/search?limit=20, ` +
      "the platform in its own process with the documents put into its live index, autocannon in the bench process; " +
      "bare servers in the platform's process: from memory (the platform's own answers), + search service " +
      "(freshness read + engine, no middleware), + engine (engine alone); every target takes a turn in each round; " +
      "medians of the rounds; serverCpuMsPerRequest is the serving process's CPU over the round / requests answered.",
    cpu,
    queue,
    http,
  });
  return { buildMs, index, cpu, queue, http };
}

function printRows(
  buildMs: number,
  index: { heapMb: number; rssMb: number },
  cpu: CpuRow[],
  queue: QueueRow[],
  http: HttpRow[],
): void {
  process.stdout.write(
    `index build: ${DOCUMENTS} documents in ${buildMs} ms; the index holds ${index.heapMb} MB of heap ` +
      `(${index.rssMb} MB resident) beyond the documents\n\nengine, one query at a time\n`,
  );
  printTable(
    ["queries", "samples", "cpu p50 ms", "cpu p99 ms"],
    cpu.map((r) => [r.queries, String(r.samples), String(r.cpuP50Ms), String(r.cpuP99Ms)]),
  );
  process.stdout.write(`\nengine, ${CLIENTS} clients on its one thread\n`);
  printTable(
    ["queries", "clients", "queries", "p50 ms", "p99 ms", "queries/s"],
    queue.map((r) => [
      r.queries,
      String(r.clients),
      String(r.count),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.queriesPerSecond),
    ]),
  );
  process.stdout.write(`\nover HTTP, ${CLIENTS} connections (medians of ${ROUNDS} rounds of ${SECONDS} s)\n`);
  printTable(
    ["target", "req/s", "p50 ms", "p99 ms", "p99/bare", "server cpu ms/req", "non2xx", "errors"],
    http.map((r) => [
      r.target,
      String(r.requestsPerSecond),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.p99OverBare),
      String(r.serverCpuMsPerRequest),
      String(r.non2xx),
      String(r.errors),
    ]),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === "serve") await serve();
  else {
    await runSearchBench();
    // autocannon keeps handles open; the numbers are written, so end here.
    process.exit(0);
  }
}
