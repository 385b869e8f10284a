// The word index under the engine scores as MiniSearch does: the same documents and the same scores for the same
// queries (whole words, prefixes, typos, several words), before and after documents are replaced and removed.
import MiniSearch from "minisearch";
import { describe, expect, it } from "vitest";
import { random } from "../../../bench/search-corpus.js";
import { InvertedIndex, type QueryWord } from "../../../shared/search/inverted-index.js";

const FIELDS = ["id", "title", "body"] as const;
const BOOSTS = [3, 2, 1];
const tokenize = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);

const WORDS =
  "weather weathers wether forecast forecasting maps map routes route Storage stored store cache cached"
    .split(" ")
    .concat(["Ünïcode", "ünicode", "kubernetes", "kube", "cube", "tube", "a", "ab", "abc", "abcd"]);

type Doc = { key: string; id: string; title: string; body: string };

function corpus(count: number, seed: number): Doc[] {
  const next = random(seed);
  const phrase = (n: number) =>
    Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" ");
  return Array.from({ length: count }, (_, i) => ({
    key: `d${i}`,
    id: `${WORDS[i % WORDS.length]}-${i}`,
    title: phrase(1 + Math.floor(next() * 3)),
    body: phrase(Math.floor(next() * 40)),
  }));
}

function pair(docs: Doc[]) {
  const mini = new MiniSearch<Doc>({
    idField: "key",
    fields: [...FIELDS],
    tokenize,
    searchOptions: { boost: { id: 3, title: 2, body: 1 } },
  });
  const ours = new InvertedIndex<Doc>(BOOSTS, tokenize);
  for (const doc of docs) {
    mini.add(doc);
    ours.add(
      doc.key,
      FIELDS.map((f) => doc[f]),
      doc,
    );
  }
  return { mini, ours };
}

const QUERIES = [
  "weather",
  "wea",
  "wether",
  "forcast",
  "kube",
  "cube maps",
  "store cach",
  "ünicode",
  "Ü",
  "abcd a",
  "zzzz",
];

function words(q: string, typos: boolean): QueryWord[] {
  return tokenize(q).map((t) => {
    const term = t.toLowerCase();
    return {
      term,
      prefix: term.length >= 2,
      typos: typos && term.length >= 4 ? Math.round(term.length * 0.2) : 0,
    };
  });
}

function expectSameAsMiniSearch(mini: MiniSearch<Doc>, ours: InvertedIndex<Doc>, q: string, typos: boolean) {
  const expected = mini.search(q, {
    combineWith: "AND",
    prefix: (t) => t.length >= 2,
    fuzzy: (t) => (typos && t.length >= 4 ? 0.2 : false),
  });
  const found = ours.search(words(q, typos));
  const got = new Map(found.keys.map((k, i) => [k, found.scores[i]!]));
  expect([...got.keys()].sort(), `${q} (typos: ${typos})`).toEqual(expected.map((r) => String(r.id)).sort());
  for (const r of expected) expect(got.get(String(r.id))).toBeCloseTo(r.score, 9);
}

describe("InvertedIndex", () => {
  it("finds the documents MiniSearch finds, with the scores it gives", () => {
    const { mini, ours } = pair(corpus(400, 7));
    for (const q of QUERIES) {
      expectSameAsMiniSearch(mini, ours, q, true);
      expectSameAsMiniSearch(mini, ours, q, false);
    }
  });

  it("still does after documents are replaced and removed (their words leave the postings and lengths)", () => {
    const docs = corpus(300, 11);
    const { mini, ours } = pair(docs);
    const fresh = corpus(300, 12);
    for (let i = 0; i < 300; i += 3) {
      mini.remove(docs[i]!);
      ours.remove(docs[i]!.key);
      if (i % 2 === 0) {
        const replacement = { ...fresh[i]!, key: docs[i]!.key };
        mini.add(replacement);
        ours.add(
          replacement.key,
          FIELDS.map((f) => replacement[f]),
          replacement,
        );
      }
    }
    expect(ours.size).toBe(mini.documentCount);
    for (const q of QUERIES) expectSameAsMiniSearch(mini, ours, q, true);
  });

  it("names the index words a query reached", () => {
    const { ours } = pair([{ key: "k", id: "x", title: "Weathers", body: "forecast" }]);
    const found = ours.search(words("weather forcast", true));
    expect([...found.terms].sort()).toEqual(["forecast", "weathers"]);
  });

  it("forgets everything on clear and takes documents again", () => {
    const { ours } = pair(corpus(50, 3));
    ours.clear();
    expect(ours.size).toBe(0);
    expect(ours.search(words("weather", true)).docs).toEqual([]);
    ours.add("n", ["n", "weather", ""], { key: "n", id: "n", title: "weather", body: "" });
    expect(ours.search(words("weather", true)).keys).toEqual(["n"]);
  });
});
