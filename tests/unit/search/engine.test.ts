// The in-memory engine on its own: field weights, typo and prefix tolerance, replacement and removal, facets.
import { describe, expect, it } from "vitest";
import { SearchEngine, TAG_FACET_LIMIT, TYPO_FALLBACK_BELOW } from "../../../shared/search/engine.js";

function corpus(): SearchEngine {
  const engine = new SearchEngine();
  engine.upsert({
    type: "server",
    id: "io.x/weather",
    title: "Weather",
    description: "Forecasts",
    tags: ["geo"],
  });
  engine.upsert({
    type: "server",
    id: "io.x/maps",
    title: "Maps",
    description: "Routes with weather overlays",
  });
  engine.upsert({ type: "mcd", id: "notes", title: "Notes", body: "The weather was fine.", tags: ["ops"] });
  engine.upsert({
    type: "workflow",
    id: "digest",
    title: "digest",
    description: "Daily digest",
    tools: [{ name: "get_forecast" }],
  });
  return engine;
}

const ids = (
  engine: SearchEngine,
  q: string,
  extra: { type?: "server" | "mcd" | "workflow"; tag?: string } = {},
) => engine.search({ q, limit: 20, offset: 0, ...extra }).hits.map((h) => h.id);

describe("SearchEngine", () => {
  it("ranks a title match above a description match above a body match", () => {
    expect(ids(corpus(), "weather")).toEqual(["io.x/weather", "io.x/maps", "notes"]);
  });

  it("finds through one typo and through a prefix, but not short words with a typo", () => {
    const engine = corpus();
    expect(ids(engine, "wether")).toContain("io.x/weather");
    expect(ids(engine, "weat")[0]).toBe("io.x/weather");
    expect(ids(engine, "forcasts")[0]).toBe("io.x/weather");
    expect(ids(engine, "forecast").sort()).toEqual(["digest", "io.x/weather"]);
    expect(ids(engine, "mop")).toEqual([]);
  });

  it("replaces a document on upsert and forgets it on remove", () => {
    const engine = corpus();
    engine.upsert({ type: "mcd", id: "notes", title: "Notes", body: "Sunny." });
    expect(ids(engine, "weather")).not.toContain("notes");
    expect(ids(engine, "sunny")).toEqual(["notes"]);
    engine.remove("mcd", "notes");
    expect(ids(engine, "sunny")).toEqual([]);
    engine.remove("mcd", "notes");
    expect(engine.size).toBe(3);
  });

  it("keeps ids of different types apart", () => {
    const engine = corpus();
    engine.upsert({ type: "mcd", id: "digest", title: "Digest doc" });
    expect(engine.search({ q: "digest", limit: 10, offset: 0 }).hits.map((h) => `${h.type}:${h.id}`)).toEqual(
      expect.arrayContaining(["mcd:digest", "workflow:digest"]),
    );
  });

  it("counts disjunctive facets and filters by type and tag", () => {
    const engine = corpus();
    const all = engine.search({ q: "weather", limit: 10, offset: 0 });
    expect(all.facets).toEqual({ type: { server: 2, mcd: 1 }, tag: { geo: 1, ops: 1 } });
    expect(ids(engine, "weather", { type: "mcd" })).toEqual(["notes"]);
    expect(ids(engine, "weather", { tag: "geo" })).toEqual(["io.x/weather"]);
  });

  it("names the TAG_FACET_LIMIT most frequent tags in the tag facet, and the tag filtered on", () => {
    const engine = new SearchEngine();
    // Tag t-00 on 40 documents, t-01 on 39, …: with "rare" alone on the last one.
    for (let i = 0; i < 40; i++) {
      const tags = Array.from({ length: i + 1 }, (_, t) => `t-${String(t).padStart(2, "0")}`);
      engine.upsert({
        type: "mcd",
        id: `doc-${i}`,
        title: "tagged",
        tags: i === 0 ? [...tags, "rare"] : tags,
      });
    }
    const all = engine.search({ q: "tagged", limit: 5, offset: 0 });
    expect(Object.keys(all.facets.tag)).toEqual(
      Array.from({ length: TAG_FACET_LIMIT }, (_, t) => `t-${String(t).padStart(2, "0")}`),
    );
    expect(all.facets.tag["t-00"]).toBe(40);
    expect(all.total).toBe(40);
    const rare = engine.search({ q: "tagged", tag: "rare", limit: 5, offset: 0 });
    expect(rare.facets.tag.rare).toBe(1);
    expect(Object.keys(rare.facets.tag)).toHaveLength(TAG_FACET_LIMIT + 1);
  });

  it("lists everything for an empty query, in a stable order", () => {
    expect(corpus().search({ limit: 10, offset: 0 }).total).toBe(4);
    expect(corpus().search({ q: "  ", limit: 2, offset: 2 }).hits).toHaveLength(2);
  });

  it("ranks servers for the registry", () => {
    const ranked = corpus().rank("server", "weather");
    expect([...ranked.keys()]).toEqual(["io.x/weather", "io.x/maps"]);
  });

  it("answers a repeated query again after a change, not from what it kept", () => {
    const engine = corpus();
    expect(ids(engine, "weather")).toHaveLength(3);
    engine.remove("mcd", "notes");
    expect(ids(engine, "weather")).toEqual(["io.x/weather", "io.x/maps"]);
    engine.upsert({ type: "mcd", id: "later", title: "Weather later" });
    expect(ids(engine, "weather")).toContain("later");
    expect(engine.search({ limit: 10, offset: 0 }).total).toBe(4);
  });

  it("pages a ranking whose scores tie in key order, every hit once", () => {
    const engine = new SearchEngine();
    for (const id of ["c", "a", "d", "b", "e"]) engine.upsert({ type: "mcd", id, title: "same words" });
    const pages = [0, 2, 4].flatMap((offset) => engine.search({ q: "same", limit: 2, offset }).hits);
    expect(pages.map((h) => h.id)).toEqual(["a", "b", "c", "d", "e"]);
    expect(engine.search({ q: "same", limit: 2, offset: 0 }).total).toBe(5);
  });

  it("marks the match deep in a long body with a short window", () => {
    const engine = new SearchEngine();
    const body = `${"filler text\n\n ".repeat(5000)}the needle is here ${"more filler ".repeat(5000)}`;
    engine.upsert({ type: "mcd", id: "long", title: "Long", body });
    const [hit] = engine.search({ q: "needle", limit: 1, offset: 0 }).hits;
    expect(hit?.snippet).toMatch(/^….*<mark>needle<\/mark>.*…$/);
    expect(hit!.snippet.length).toBeLessThan(260);
    expect(hit!.snippet).not.toMatch(/\s\s/);
  });

  it("looks for typos only when the words as typed find fewer than TYPO_FALLBACK_BELOW documents", () => {
    const engine = new SearchEngine();
    engine.upsert({ type: "mcd", id: "typo", title: "Wether report" });
    for (let i = 1; i < TYPO_FALLBACK_BELOW; i++) {
      engine.upsert({ type: "mcd", id: `exact-${i}`, title: `Weather ${i}` });
    }
    // One short of the threshold: the near-spelling is found too.
    const few = engine.search({ q: "weather", limit: 100, offset: 0 });
    expect(few.total).toBe(TYPO_FALLBACK_BELOW);
    expect(few.hits.map((h) => h.id)).toContain("typo");
    // At the threshold the words as typed are enough, and every page agrees on the total.
    engine.upsert({ type: "mcd", id: "weathering", title: "Weathering" });
    const pages = [0, 10, 20].map((offset) => engine.search({ q: "weather", limit: 10, offset }));
    expect(pages.map((p) => p.total)).toEqual([
      TYPO_FALLBACK_BELOW,
      TYPO_FALLBACK_BELOW,
      TYPO_FALLBACK_BELOW,
    ]);
    const ids = pages.flatMap((p) => p.hits.map((h) => h.id));
    expect(ids).toHaveLength(TYPO_FALLBACK_BELOW);
    expect(ids).toContain("weathering");
    expect(ids).not.toContain("typo");
    // A typo alone still finds what it means.
    expect(engine.search({ q: "wether", limit: 5, offset: 0 }).hits.map((h) => h.id)).toContain("exact-1");
  });

  it("keeps an answer only once its query is asked a second time, and forgets it on any change", () => {
    const engine = corpus();
    const query = { q: "weather", limit: 10, offset: 0 };
    const first = engine.search(query);
    const second = engine.search(query);
    expect(second).toEqual(first);
    // The first answer was not kept (a query asked once is most queries); the second was.
    expect(second).not.toBe(first);
    expect(engine.search(query)).toBe(second);
    engine.upsert({ type: "mcd", id: "more", title: "Weather station" });
    const after = engine.search(query);
    expect(after).not.toBe(second);
    expect(after.total).toBe(second.total + 1);
  });
});
