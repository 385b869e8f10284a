// The in-memory index: MiniSearch (BM25+) over servers, MCDs and workflows, with field weights, prefix and typo
// tolerance, facets and snippets. Pure and synchronous; freshness.ts keeps one per container in step with the store.
import MiniSearch, { type SearchResult } from "minisearch";
import {
  hrefOf,
  type IndexedDocument,
  MAX_FIELD_CHARS,
  SearchDocument,
  type SearchHit,
  type SearchType,
} from "./documents.js";
import { buildSnippet, termPattern } from "./snippet.js";

/** Field weights: a word in a name or title says more about a document than the same word deep in a body. */
export const FIELD_BOOST = { id: 3, title: 3, tags: 2, tools: 1.5, description: 1.5, body: 1 } as const;
const FIELDS = Object.keys(FIELD_BOOST);

export interface EngineQuery {
  q?: string;
  type?: SearchType;
  tag?: string;
  limit: number;
  offset: number;
}

export interface EngineResult {
  hits: SearchHit[];
  total: number;
  facets: { type: Record<string, number>; tag: Record<string, number> };
}

const WORD_SEPARATOR = /[^\p{L}\p{N}]+/u;

const keyOf = (type: string, id: string) => `${type}:${id}`;

function cap(text: string): string {
  return text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text;
}

function fieldText(doc: IndexedDocument, field: string): string {
  switch (field) {
    case "tags":
      return doc.tags.join(" ");
    case "tools":
      return doc.tools.map((t) => `${t.name} ${t.description ?? ""}`).join(" ");
    case "id":
      return doc.id;
    default:
      return String((doc as unknown as Record<string, unknown>)[field] ?? "");
  }
}

interface Match {
  doc: IndexedDocument;
  score: number;
  key: string;
  /** The index terms this document matched (prefix and typo expansions of the query's words). */
  terms: readonly string[];
}

const byKey = (a: Match, b: Match) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Puts runs of equal scores in key order, in place: MiniSearch already answers by score, so only ties need sorting.
 * Plain code-unit comparison: localeCompare costs more than the search itself on thousands of hits.
 */
function orderTies(matches: Match[]): void {
  let from = 0;
  for (let i = 1; i <= matches.length; i++) {
    if (i < matches.length && matches[i]!.score === matches[from]!.score) continue;
    if (i - from > 1) {
      const run = matches.slice(from, i).sort(byKey);
      for (let j = 0; j < run.length; j++) matches[from + j] = run[j]!;
    }
    from = i;
  }
}

/** Counts each distinct tag of a document once (a document may list a tag twice), without a Set per document. */
function countTags(counts: Map<string, number>, tags: readonly string[]): void {
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i]!;
    if (tags.indexOf(tag) !== i) continue;
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
}

/**
 * Answers kept per engine, dropped whole on any change: a query repeated between two writes (a console's search
 * box, an IDE's registry view) costs a map lookup. Never stale: every upsert, remove or clear empties it, and
 * other containers' writes reach this engine through those same calls (freshness.ts).
 */
const CACHED_ANSWERS = 256;

export class SearchEngine {
  private readonly docs = new Map<string, IndexedDocument>();
  /** The empty query's order, computed on first use after a change (listingOrder). */
  private ordered: string[] | undefined;
  private readonly answers = new Map<string, EngineResult>();
  private readonly mini = new MiniSearch<IndexedDocument & { key: string }>({
    idField: "key",
    fields: FIELDS,
    extractField: (doc, field) => (field === "key" ? doc.key : fieldText(doc, field)),
    // Words are runs of letters and digits: `<b>weather</b>`, `get_forecast` and `io.x/weather` split cleanly
    // (MiniSearch's default keeps symbols such as `<` inside words).
    tokenize: (text) => text.split(WORD_SEPARATOR).filter((word) => word.length > 0),
    searchOptions: {
      boost: FIELD_BOOST,
      prefix: (term) => term.length >= 2,
      // One typo per 5 characters, none in short words where a typo makes another word.
      fuzzy: (term) => (term.length >= 4 ? 0.2 : false),
    },
  });

  /** Whatever was derived from the documents is recomputed on next use. */
  private changed(): void {
    this.ordered = undefined;
    this.answers.clear();
  }

  get size(): number {
    return this.docs.size;
  }

  has(type: SearchType, id: string): boolean {
    return this.docs.has(keyOf(type, id));
  }

  upsert(input: SearchDocument): void {
    const parsed = SearchDocument.parse(input);
    const doc: IndexedDocument = { ...parsed, body: cap(parsed.body), description: cap(parsed.description) };
    const key = keyOf(doc.type, doc.id);
    if (this.docs.has(key)) this.mini.discard(key);
    this.docs.set(key, doc);
    this.changed();
    this.mini.add({ ...doc, key });
  }

  remove(type: SearchType, id: string): void {
    const key = keyOf(type, id);
    if (!this.docs.has(key)) return;
    this.docs.delete(key);
    this.changed();
    this.mini.discard(key);
  }

  clear(): void {
    this.docs.clear();
    this.changed();
    this.mini.removeAll();
  }

  /** The answer may be shared with later identical queries: callers read it, never change it. */
  search(query: EngineQuery): EngineResult {
    const key = JSON.stringify([query.q?.trim() ?? "", query.type, query.tag, query.limit, query.offset]);
    const cached = this.answers.get(key);
    if (cached) return cached;
    const answer = this.answer(query);
    if (this.answers.size >= CACHED_ANSWERS) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, answer);
    return answer;
  }

  private answer(query: EngineQuery): EngineResult {
    const text = query.q?.trim() ?? "";
    const byType = (doc: IndexedDocument) => !query.type || doc.type === query.type;
    const byTag = (doc: IndexedDocument) => !query.tag || doc.tags.includes(query.tag);
    // Disjunctive facets: each facet counts the matches with every other filter applied, not its own.
    const types = new Map<string, number>();
    const tags = new Map<string, number>();
    const wanted = query.offset + query.limit;
    const kept: Match[] = [];
    let total = 0;
    const consider = (match: Match) => {
      const { doc } = match;
      const typeOk = byType(doc);
      const tagOk = byTag(doc);
      if (tagOk) types.set(doc.type, (types.get(doc.type) ?? 0) + 1);
      if (typeOk) countTags(tags, doc.tags);
      if (!typeOk || !tagOk) return;
      total += 1;
      if (kept.length < wanted) kept.push(match);
    };
    if (text.length === 0) {
      for (const key of this.listingOrder()) consider({ doc: this.docs.get(key)!, score: 0, key, terms: [] });
    } else {
      // Every word must match (each with prefix and typo tolerance): more words, fewer and better hits.
      // MiniSearch answers best first; equal scores are put in key order below so pages are stable.
      const results: SearchResult[] = this.mini.search(text, { combineWith: "AND" });
      const matched: Match[] = [];
      for (const r of results) {
        const key = String(r.id);
        const doc = this.docs.get(key);
        if (doc) matched.push({ doc, score: r.score, key, terms: r.terms });
      }
      orderTies(matched);
      for (const match of matched) consider(match);
    }
    const page = kept.slice(query.offset);
    // One pattern per query marks the words of every hit on the page.
    const pattern =
      text.length > 0
        ? termPattern([...page.flatMap((m) => m.terms), ...text.toLowerCase().split(/[\s\p{P}]+/u)])
        : undefined;
    const hits = page.map(({ doc, score }) => ({
      type: doc.type,
      id: doc.id,
      title: doc.title || doc.id,
      tags: doc.tags,
      score: Math.round(score * 1000) / 1000,
      snippet: buildSnippet([doc.description, doc.body, doc.title, fieldText(doc, "tools"), doc.id], pattern),
      href: hrefOf(doc.type, doc.id),
    }));
    return { hits, total, facets: { type: Object.fromEntries(types), tag: Object.fromEntries(tags) } };
  }

  /** Every document in the order of an empty query (type, title, id), kept until the next change. */
  private listingOrder(): string[] {
    this.ordered ??= [...this.docs.entries()]
      .sort(
        ([, a], [, b]) =>
          a.type.localeCompare(b.type) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id),
      )
      .map(([key]) => key);
    return this.ordered;
  }

  /** Ranked ids of one type, for callers that keep their own listing (the registry's `?search=`). */
  rank(type: SearchType, q: string): Map<string, number> {
    const ranked = new Map<string, number>();
    const filter = (r: SearchResult) => String(r.id).startsWith(`${type}:`);
    const results = this.mini.search(q, { combineWith: "AND", filter });
    for (const r of results) ranked.set(String(r.id).slice(type.length + 1), r.score);
    return ranked;
  }
}
