// The engine's answers on the search benchmark's corpus are the checked-in ones (UPDATE_GOLDEN=1 rewrites them):
// ranking, scores, totals, facets and snippets, for whole words, prefix cuts, typos, filters, pages and the empty
// query, before and after documents are replaced and removed. Speed-ups of the engine must leave every byte alone.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { distinctQuery, generateDocuments, QUERIES } from "../../../bench/search-corpus.js";
import { type EngineQuery, SearchEngine } from "../../../shared/search/engine.js";

const golden = new URL("../../golden/search-answers.json", import.meta.url);

const CASES: EngineQuery[] = [
  ...Array.from({ length: 5184 / 16 }, (_, i) => ({
    q: distinctQuery(i * 16 + (i % 16)),
    limit: 20,
    offset: 0,
  })),
  ...QUERIES.map((q) => ({ q, limit: 20, offset: 0 })),
  ...[
    "",
    "Weather FORECAST",
    "io.bench/weather",
    "kubernets",
    "postgress databse",
    "storage storage",
    "we",
    "a",
    "ünïcode <b>weather</b>",
    "incident_runbook",
  ].map((q) => ({ q, limit: 20, offset: 0 })),
  { q: "", limit: 10, offset: 9990 },
  { q: "weather", limit: 20, offset: 20 },
  { q: "inv", limit: 100, offset: 40 },
  { q: "deploy", type: "mcd", limit: 20, offset: 0 },
  { q: "cache", type: "server", limit: 5, offset: 0 },
  { q: "", type: "workflow", limit: 20, offset: 0 },
];

/** Tags that exist in the corpus, for the tag-filtered cases (the corpus is deterministic, so these are too). */
function withTagCases(engine: SearchEngine): EngineQuery[] {
  const tags = Object.keys(engine.search({ q: "", limit: 1, offset: 0 }).facets.tag).slice(0, 3);
  return tags.flatMap((tag) => [
    { q: "", tag, limit: 20, offset: 0 },
    { q: "report", tag, limit: 20, offset: 0 },
    { q: "sec", tag, type: "server" as const, limit: 20, offset: 0 },
  ]);
}

const digest = (value: unknown) =>
  createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 20);

/** One line per case: the query, its total and a digest of the whole answer (and of the registry's ranking). */
function answers(engine: SearchEngine, cases: EngineQuery[]): string[] {
  return cases.map((query) => {
    const answer = engine.search(query);
    const rank = query.q ? digest([...engine.rank("server", query.q)]) : "-";
    return `${JSON.stringify(query)} total=${answer.total} answer=${digest(answer)} rank=${rank}`;
  });
}

describe("SearchEngine on the benchmark corpus", () => {
  test("answers as recorded, before and after replacements and removals", () => {
    const docs = generateDocuments(10_000);
    const engine = new SearchEngine();
    for (const doc of docs) engine.upsert(doc);
    const cases = [...CASES, ...withTagCases(engine)];
    const lines = ["# as indexed", ...answers(engine, cases)];
    // Every seventh document replaced by the next one's text under its own key, every eleventh removed.
    for (let i = 0; i < docs.length; i += 7) {
      const next = docs[(i + 1) % docs.length]!;
      engine.upsert({ ...next, type: docs[i]!.type, id: docs[i]!.id });
    }
    for (let i = 0; i < docs.length; i += 11) engine.remove(docs[i]!.type, docs[i]!.id);
    lines.push("# after replacements and removals", ...answers(engine, cases));
    const text = `${lines.join("\n")}\n`;
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, text);
    const expected = readFileSync(golden, "utf8").split("\n");
    // Line by line, so a failure names the queries whose answers moved.
    expect(text.split("\n").filter((line, i) => line !== expected[i])).toEqual([]);
    expect(text.split("\n").length).toBe(expected.length);
  });
});
