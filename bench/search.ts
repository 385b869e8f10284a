import { fileURLToPath } from "node:url";
import type { SearchDocument } from "../shared/search/documents.js";
import { SearchEngine } from "../shared/search/engine.js";
import { printTable, writeResult } from "./table.js";

const DOCUMENTS = 10_000;
const QUERIES_PER_CLIENT = 200;
const CONCURRENCY = [1, 50];

const VOCABULARY = (
  "weather forecast maps routes files storage database postgres github issues slack message email calendar " +
  "invoice payment stripe search index vector embedding model prompt runbook incident deploy rollback release " +
  "kubernetes cluster docker image registry secret token audit metrics alert latency throughput cache queue " +
  "workflow schedule cron digest report summary translate document markdown browser screenshot scraper crawler"
).split(" ");
const QUERIES = ["weather", "forecast maps", "wether", "kube", "incident runbook", "postgres", "emb", "zzzz"];

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
  method: "minisearch" | "substring-scan";
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
async function measure(run: (q: string) => unknown, clients: number): Promise<Omit<Row, "method">> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < QUERIES_PER_CLIENT; i++) {
        const issued = performance.now();
        await new Promise<void>((done) => setImmediate(done));
        run(QUERIES[(c + i) % QUERIES.length]!);
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

export async function runSearchBench(): Promise<{ buildMs: number; rows: Row[] }> {
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
    rows.push({ method: "minisearch", ...(await measure(indexed, clients)) });
    rows.push({ method: "substring-scan", ...(await measure(scan, clients)) });
  }
  printRows(buildMs, rows);
  writeResult("search", {
    documents: DOCUMENTS,
    queries: QUERIES,
    indexBuildMs: buildMs,
    notes:
      "in-process, one thread; 50 clients share it, so their latency includes queueing. The substring scan " +
      "finds no typos and does not rank; it is the floor a naive implementation pays per query.",
    rows,
  });
  return { buildMs, rows };
}

function printRows(buildMs: number, rows: Row[]): void {
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
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runSearchBench();
}
