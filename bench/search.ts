// Search over 10,000 documents: the engine alone (in process, 1 and 50 clients sharing one thread), and the same
// queries over HTTP against the embedded platform in its own process (GET /v1/search, 50 connections), next to a
// bare node:http server in that process answering the same JSON from memory, in the same run.
// Run: npx tsx bench/search.ts   (BENCH_ROUNDS, BENCH_SECONDS; writes bench/results/search.json)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { SearchDocument } from "../shared/search/documents.js";
import { SearchEngine } from "../shared/search/engine.js";
import { printTable, writeResult } from "./table.js";

const DOCUMENTS = 10_000;
const QUERIES_PER_CLIENT = Number(process.env.BENCH_QUERIES ?? 60);
const CONCURRENCY = [1, 50];
const HTTP_CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

const VOCABULARY = (
  "weather forecast maps routes files storage database postgres github issues slack message email calendar " +
  "invoice payment stripe search index vector embedding model prompt runbook incident deploy rollback release " +
  "kubernetes cluster docker image registry secret token audit metrics alert latency throughput cache queue " +
  "workflow schedule cron digest report summary translate document markdown browser screenshot scraper crawler"
).split(" ");
const QUERIES = ["weather", "forecast maps", "wether", "kube", "incident runbook", "postgres", "emb", "zzzz"];
/** Queries that never repeat within a run (two topical words, or one with a prefix cut): the engine's answer cache
 * never helps them, so they measure the ranking itself. */
function distinctQuery(n: number): string {
  const words = VOCABULARY.length;
  const a = VOCABULARY[n % words]!;
  const b = VOCABULARY[Math.floor(n / words) % words]!;
  return n % 2 === 0 ? `${a} ${b}` : `${a.slice(0, 3 + (n % 4))} ${b}`;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run indexes the same corpus. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Topical words plus 5,000 synthetic ones, drawn with a Zipf-like skew as words in real text are. */
function vocabulary(next: () => number): string[] {
  const letters = "abcdefghiklmnoprstuvw";
  const synthetic = Array.from({ length: 5000 }, () =>
    Array.from(
      { length: 4 + Math.floor(next() * 6) },
      () => letters[Math.floor(next() * letters.length)],
    ).join(""),
  );
  // Topical words at ranks 200-270: frequent enough to matter, not in every document as stop words would be.
  return [...synthetic.slice(0, 200), ...VOCABULARY, ...synthetic.slice(200)];
}

export function generateDocuments(count: number): SearchDocument[] {
  const next = random(42);
  const words = vocabulary(next);
  // Rank r is drawn with probability ~ 1/r: common words are common, most words are rare.
  const word = () =>
    words[Math.min(words.length - 1, Math.floor(Math.exp(next() * Math.log(words.length))) - 1)]!;
  const phrase = (n: number) => Array.from({ length: n }, word).join(" ");
  const types = ["server", "mcd", "workflow"] as const;
  return Array.from({ length: count }, (_, i) => {
    const type = types[i % 3]!;
    return {
      type,
      id: type === "server" ? `io.bench/${word()}-${i}` : `${word()}-${i}`,
      title: phrase(3),
      description: phrase(12),
      body: type === "mcd" ? phrase(300) : "",
      tags: [word(), word()],
      tools: type === "mcd" ? [] : [{ name: `${word()}_${word()}`, description: phrase(8) }],
    };
  });
}

interface Row {
  method: "engine (repeated queries)" | "engine (distinct queries)" | "substring-scan";
  clients: number;
  queries: number;
  p50Ms: number;
  p99Ms: number;
  queriesPerSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 1000) / 1000;
}

/** Each client issues its queries one after another; with 50 clients, latency includes waiting for the others. */
async function measure(
  run: (q: string) => unknown,
  clients: number,
  queryOf: (n: number) => string = (n) => QUERIES[n % QUERIES.length]!,
): Promise<Omit<Row, "method">> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < QUERIES_PER_CLIENT; i++) {
        const issued = performance.now();
        await new Promise<void>((done) => setImmediate(done));
        run(queryOf(c * QUERIES_PER_CLIENT + i));
        latencies.push(performance.now() - issued);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    clients,
    queries: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    queriesPerSecond: Math.round(latencies.length / seconds),
  };
}

interface HttpRow {
  target: "platform" | "platform, distinct queries" | "bare-node-http";
  connections: number;
  rounds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/**
 * The serving side (a child process): the embedded platform with the generated documents in its search index,
 * and a bare node:http server answering the platform's own answers from memory. Prints one JSON line.
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
  // The index every query of this platform reads, filled directly: seeding 10,000 items through the API would
  // take minutes and measure publishing, not search. The generation does not move, so it is not rebuilt.
  await createSearch(live).search({ q: "", limit: 1 });
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
  const bare = createServer((req, res) => {
    const q = new URL(req.url ?? "/", "http://x").searchParams.get("q") ?? "";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(answers.get(q) ?? "{}");
  });
  await new Promise<void>((done) => bare.listen(0, "127.0.0.1", done));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  process.stdout.write(`${JSON.stringify({ url: platform.url, bareUrl, headers })}\n`);
  process.stdin.resume();
  process.stdin.on("end", async () => {
    bare.close();
    await platform.stop();
    await rm(home, { recursive: true, force: true });
    process.exit(0);
  });
}

async function startServing(): Promise<{
  child: ChildProcess;
  url: string;
  bareUrl: string;
  headers: Record<string, string>;
}> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "serve"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT" },
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((done, fail) => {
    lines.once("line", done);
    child.once("exit", (code) => fail(new Error(`the search host exited with ${code}`)));
  });
  return { child, ...JSON.parse(first) };
}

async function httpRound(url: string, headers: Record<string, string>, distinct = false) {
  let n = distinct ? Math.floor(Math.random() * 1e6) : 0;
  const result = await autocannon({
    url,
    connections: HTTP_CONNECTIONS,
    duration: SECONDS,
    headers,
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
  return result;
}

/** Medians over ROUNDS rounds, the platform and the bare server alternating so both see the same machine load. */
async function measureHttp(): Promise<HttpRow[]> {
  const host = await startServing();
  try {
    const samples: Record<HttpRow["target"], autocannon.Result[]> = {
      platform: [],
      "platform, distinct queries": [],
      "bare-node-http": [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      samples.platform.push(await httpRound(host.url, host.headers));
      samples["platform, distinct queries"].push(await httpRound(host.url, host.headers, true));
      samples["bare-node-http"].push(await httpRound(host.bareUrl, host.headers));
    }
    return (Object.entries(samples) as [HttpRow["target"], autocannon.Result[]][]).map(
      ([target, results]) => ({
        target,
        connections: HTTP_CONNECTIONS,
        rounds: results.length,
        requestsPerSecond: Math.round(median(results.map((r) => r.requests.average))),
        p50Ms: median(results.map((r) => r.latency.p50)),
        p99Ms: median(results.map((r) => r.latency.p99)),
        non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
        errors: results.reduce((sum, r) => sum + r.errors, 0),
      }),
    );
  } finally {
    host.child.stdin!.end();
    await new Promise((done) => host.child.once("exit", done));
  }
}

export async function runSearchBench(): Promise<{ buildMs: number; rows: Row[]; http: HttpRow[] }> {
  const docs = generateDocuments(DOCUMENTS);
  const buildStarted = performance.now();
  const engine = new SearchEngine();
  for (const doc of docs) engine.upsert(doc);
  const buildMs = Math.round(performance.now() - buildStarted);

  // The baseline: what the registry did before, a case-insensitive substring test over the same fields.
  const haystacks = docs.map((d) => ({
    doc: d,
    text: [d.id, d.title, d.description, d.body, ...(d.tags ?? []), ...(d.tools ?? []).map((t) => t.name)]
      .join(" ")
      .toLowerCase(),
  }));
  const scan = (q: string) => {
    const needle = q.toLowerCase();
    return haystacks.filter((h) => h.text.includes(needle)).slice(0, 20);
  };
  const indexed = (q: string) => engine.search({ q, limit: 20, offset: 0 });

  const rows: Row[] = [];
  for (const clients of CONCURRENCY) {
    rows.push({ method: "engine (repeated queries)", ...(await measure(indexed, clients)) });
    rows.push({ method: "engine (distinct queries)", ...(await measure(indexed, clients, distinctQuery)) });
    rows.push({ method: "substring-scan", ...(await measure(scan, clients)) });
  }
  const http = await measureHttp();
  printRows(buildMs, rows, http);
  writeResult("search", {
    documents: DOCUMENTS,
    queries: QUERIES,
    indexBuildMs: buildMs,
    notes:
      "engine rows: in-process, one thread; 50 clients share it, so their latency includes queueing. The substring " +
      "scan finds no typos and does not rank; it is the floor a naive implementation pays per query. http rows: " +
      "GET /v1/search?limit=20 cycling the queries, the platform in its own process with the documents put into its " +
      "live index, autocannon in the bench process; medians of the rounds, the bare server alternating with it.",
    rows,
    http,
  });
  return { buildMs, rows, http };
}

function printRows(buildMs: number, rows: Row[], http: HttpRow[]): void {
  process.stdout.write(`index build: ${DOCUMENTS} documents in ${buildMs} ms\n`);
  const header = ["method", "clients", "queries", "p50 ms", "p99 ms", "queries/s"];
  const lines = rows.map((r) => [
    r.method,
    String(r.clients),
    String(r.queries),
    String(r.p50Ms),
    String(r.p99Ms),
    String(r.queriesPerSecond),
  ]);
  printTable(header, lines);
  process.stdout.write(`\nover HTTP (medians of ${ROUNDS} rounds of ${SECONDS} s)\n`);
  printTable(
    ["target", "conns", "req/s", "p50 ms", "p99 ms", "non2xx", "errors"],
    http.map((r) => [
      r.target,
      String(r.connections),
      String(r.requestsPerSecond),
      String(r.p50Ms),
      String(r.p99Ms),
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
