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
import { buildSnippet } from "./snippet.js";

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

export class SearchEngine {
  private readonly docs = new Map<string, IndexedDocument>();
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
    this.mini.add({ ...doc, key });
  }

  remove(type: SearchType, id: string): void {
    const key = keyOf(type, id);
    if (!this.docs.has(key)) return;
    this.docs.delete(key);
    this.mini.discard(key);
  }

  clear(): void {
    this.docs.clear();
    this.mini.removeAll();
  }

  search(query: EngineQuery): EngineResult {
    const text = query.q?.trim() ?? "";
    let matched: { doc: IndexedDocument; score: number; terms: string[] }[];
    if (text.length === 0) {
      matched = [...this.docs.values()]
        .sort(
          (a, b) =>
            a.type.localeCompare(b.type) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id),
        )
        .map((doc) => ({ doc, score: 0, terms: [] }));
    } else {
      // Every word must match (each with prefix and typo tolerance): more words, fewer and better hits.
      const results: SearchResult[] = this.mini.search(text, { combineWith: "AND" });
      // Ties are ordered by key so pages are stable. Plain code-unit comparison: localeCompare costs more than
      // the search itself on thousands of hits.
      matched = results
        .map((r) => ({
          key: String(r.id),
          doc: this.docs.get(String(r.id))!,
          score: r.score,
          terms: r.terms,
        }))
        .filter((m) => m.doc !== undefined)
        .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }

    // Disjunctive facets: each facet counts the matches with every other filter applied, not its own.
    const byType = (m: { doc: IndexedDocument }) => !query.type || m.doc.type === query.type;
    const byTag = (m: { doc: IndexedDocument }) => !query.tag || m.doc.tags.includes(query.tag);
    const facets = { type: {} as Record<string, number>, tag: {} as Record<string, number> };
    for (const m of matched) {
      if (byTag(m)) facets.type[m.doc.type] = (facets.type[m.doc.type] ?? 0) + 1;
      if (byType(m)) for (const tag of new Set(m.doc.tags)) facets.tag[tag] = (facets.tag[tag] ?? 0) + 1;
    }

    const filtered = matched.filter((m) => byType(m) && byTag(m));
    const page = filtered.slice(query.offset, query.offset + query.limit);
    const hits = page.map(({ doc, score, terms }) => ({
      type: doc.type,
      id: doc.id,
      title: doc.title || doc.id,
      tags: doc.tags,
      score: Math.round(score * 1000) / 1000,
      snippet: buildSnippet(
        [doc.description, doc.body, doc.title, fieldText(doc, "tools"), doc.id],
        [...terms, ...(text ? text.toLowerCase().split(/[\s\p{P}]+/u) : [])],
      ),
      href: hrefOf(doc.type, doc.id),
    }));
    return { hits, total: filtered.length, facets };
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
