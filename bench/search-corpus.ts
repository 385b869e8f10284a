// The search benchmark's corpus and queries, deterministic so every run (and the answer test that pins the engine's
// results, tests/unit/search/engine-answers.test.ts) indexes the same 10,000 documents and asks the same questions.
import type { SearchDocument } from "../shared/search/documents.js";

export const DOCUMENTS = 10_000;

export const VOCABULARY = (
  "weather forecast maps routes files storage database postgres github issues slack message email calendar " +
  "invoice payment stripe search index vector embedding model prompt runbook incident deploy rollback release " +
  "kubernetes cluster docker image registry secret token audit metrics alert latency throughput cache queue " +
  "workflow schedule cron digest report summary translate document markdown browser screenshot scraper crawler"
).split(" ");
export const QUERIES = [
  "weather",
  "forecast maps",
  "wether",
  "kube",
  "incident runbook",
  "postgres",
  "emb",
  "zzzz",
];
/** Queries that never repeat within a run (two topical words, or one with a prefix cut): the engine's answer cache
 * never helps them, so they measure the ranking itself. */
export function distinctQuery(n: number): string {
  const words = VOCABULARY.length;
  const a = VOCABULARY[n % words]!;
  const b = VOCABULARY[Math.floor(n / words) % words]!;
  return n % 2 === 0 ? `${a} ${b}` : `${a.slice(0, 3 + (n % 4))} ${b}`;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run indexes the same corpus. */
export function random(seed: number): () => number {
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
