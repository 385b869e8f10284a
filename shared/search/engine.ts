// The in-memory search over servers, MCDs and workflows: BM25+ ranking with field weights, prefix and typo
// tolerance (inverted-index.ts), facets, snippets and an answer cache. Pure and synchronous; freshness.ts keeps one per container in step with the store.
import {
  hrefOf,
  type IndexedDocument,
  MAX_FIELD_CHARS,
  SearchDocument,
  type SearchHit,
  type SearchType,
} from "./documents.js";
import { type IndexMatches, InvertedIndex, type QueryWord } from "./inverted-index.js";
import { type MarkedWords, markedWords, snippetAt } from "./snippet.js";
import { counts, TagFacet } from "./tag-facet.js";
import { bestOf } from "./top.js";

/** Field weights: a word in a name or title says more about a document than the same word deep in a body. */
export const FIELD_BOOST = { id: 3, title: 3, tags: 2, tools: 1.5, description: 1.5, body: 1 } as const;
const FIELDS = Object.keys(FIELD_BOOST) as (keyof typeof FIELD_BOOST)[];
/** The fields a snippet is taken from, the first that holds a matched word (tags are shown apart). */
const SNIPPET_FIELDS = (["description", "body", "title", "tools", "id"] as const).map((f) =>
  FIELDS.indexOf(f),
);

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

/**
 * Typos are looked for only when a query's words, whole or as prefixes, find fewer documents than this: walking the
 * word tree within an edit distance is most of a query's cost, and near-spellings ranked under twenty real matches
 * are noise. A fixed number, not the page size, so every page of one query sees the same ranking and total.
 */
export const TYPO_FALLBACK_BELOW = 20;

/**
 * Tags the tag facet names at most: the most frequent (equal counts by name), plus the tag filtered on. A broad
 * query over 10,000 documents matched ~600 distinct tags, 7 KB of an 11 KB answer that no one reads as a list.
 */
export const TAG_FACET_LIMIT = 30;

/** What the index holds per document: the document, and its tags as the tag facet numbers them. */
interface Entry {
  doc: IndexedDocument;
  tags: Int32Array;
}

const tokenize = (text: string) => text.split(WORD_SEPARATOR).filter((word) => word.length > 0);

/**
 * The query's words as the index holds words; each matches by prefix from 2 characters, and, with `typos`, within
 * one edit per five characters from 4 (none in short words, where a typo makes another word).
 */
function queryWords(text: string, typos: boolean): QueryWord[] {
  return tokenize(text)
    .map((token) => token.toLowerCase())
    .filter((term) => term.length > 0)
    .map((term) => ({
      term,
      prefix: term.length >= 2,
      typos: typos && term.length >= 4 ? Math.min(6, Math.round(term.length * 0.2)) : 0,
    }));
}

/**
 * Answers kept per engine, dropped whole on any change: a query repeated between two writes (a console's search
 * box, an IDE's registry view) costs a map lookup. Never stale: every upsert, remove or clear empties it, and
 * other containers' writes reach this engine through those same calls (freshness.ts).
 */
const CACHED_ANSWERS = 256;
/**
 * An answer is kept only when its query comes a second time while its key is among the last this many asked once.
 * Keeping every answer made each never-repeated one outlive a few young-generation collections (each copying it),
 * then fill the old generation: with a busy process's heap that meant a 0.3 s full collection, 50 queued requests
 * held up behind it, and 2.5 times the young collections' time. A key is a few dozen bytes; an answer ~11 KB.
 */
const ASKED_ONCE_KEYS = 1024;

export class SearchEngine {
  private readonly docs = new Map<string, Entry>();
  private readonly tagFacet = new TagFacet();
  /** The empty query's order, computed on first use after a change (listingOrder). */
  private ordered: string[] | undefined;
  private readonly answers = new Map<string, EngineResult>();
  private readonly askedOnce = new Set<string>();
  private readonly index = new InvertedIndex<Entry>(
    FIELDS.map((field) => FIELD_BOOST[field]),
    tokenize,
  );

  /** Whatever was derived from the documents is recomputed on next use. */
  private changed(): void {
    this.ordered = undefined;
    this.answers.clear();
    this.askedOnce.clear();
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
    const entry = { doc, tags: this.tagFacet.numbered(doc.tags) };
    this.index.remove(key);
    this.docs.set(key, entry);
    this.changed();
    this.index.add(
      key,
      FIELDS.map((field) => fieldText(doc, field)),
      entry,
    );
  }

  remove(type: SearchType, id: string): void {
    const key = keyOf(type, id);
    if (!this.docs.has(key)) return;
    this.docs.delete(key);
    this.changed();
    this.index.remove(key);
  }

  clear(): void {
    this.docs.clear();
    this.changed();
    this.index.clear();
  }

  /** The answer may be shared with later identical queries: callers read it, never change it. */
  search(query: EngineQuery): EngineResult {
    const key = JSON.stringify([query.q?.trim() ?? "", query.type, query.tag, query.limit, query.offset]);
    const cached = this.answers.get(key);
    if (cached) return cached;
    const answer = this.answer(query);
    if (!this.askedOnce.delete(key)) {
      if (this.askedOnce.size >= ASKED_ONCE_KEYS)
        this.askedOnce.delete(this.askedOnce.values().next().value!);
      this.askedOnce.add(key);
      return answer;
    }
    if (this.answers.size >= CACHED_ANSWERS) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, answer);
    return answer;
  }

  /** Every document matching every word of `text`, with typos only when too few match without (TYPO_FALLBACK_BELOW). */
  private matches(text: string): IndexMatches<Entry> {
    const found = this.index.search(queryWords(text, false));
    if (found.docs.length >= TYPO_FALLBACK_BELOW) return found;
    return this.index.search(queryWords(text, true));
  }

  private answer(query: EngineQuery): EngineResult {
    const text = query.q?.trim() ?? "";
    const found: IndexMatches<Entry> = text.length === 0 ? this.listing() : this.matches(text);
    // Disjunctive facets: each facet counts the matches with every other filter applied, not its own.
    const types = counts();
    this.tagFacet.begin();
    const kept: number[] = [];
    for (let i = 0; i < found.docs.length; i++) {
      const { doc, tags } = found.docs[i]!;
      const typeOk = !query.type || doc.type === query.type;
      const tagOk = !query.tag || doc.tags.includes(query.tag);
      if (tagOk) types[doc.type] = (types[doc.type] ?? 0) + 1;
      if (typeOk) this.tagFacet.count(tags);
      if (typeOk && tagOk) kept.push(i);
    }
    // Best first; equal scores in key order, so pages are stable. The empty query's listing is in order already.
    const { keys, scores } = found;
    const ranked =
      text.length === 0
        ? kept.slice(0, query.offset + query.limit)
        : bestOf(kept.length, query.offset + query.limit, (a, b) => {
            const x = kept[a]!;
            const y = kept[b]!;
            return scores[x]! > scores[y]! || (scores[x] === scores[y] && keys[x]! < keys[y]!);
          }).map((at) => kept[at]!);
    const page = ranked.slice(query.offset);
    // The words to mark, once per query: every index word the query reached (a hit's text holds only those it
    // matched, as the index cuts the same texts into the same words) and the words as typed.
    const marked =
      text.length > 0 ? markedWords([...found.terms, ...text.toLowerCase().split(/[\s\p{P}]+/u)]) : undefined;
    if (marked) this.index.markTerms(marked.words);
    const hits = page.map((i) => {
      const { doc } = found.docs[i]!;
      return {
        type: doc.type,
        id: doc.id,
        title: doc.title || doc.id,
        tags: doc.tags,
        score: Math.round(scores[i]! * 1000) / 1000,
        snippet: this.snippet(doc, found.slots[i] ?? -1, marked),
        href: hrefOf(doc.type, doc.id),
      };
    });
    return {
      hits,
      total: kept.length,
      facets: { type: types, tag: this.tagFacet.top(TAG_FACET_LIMIT, query.tag) },
    };
  }

  /**
   * The snippet from the first of a hit's description, body, title, tools and id that holds a marked word (the
   * index knows where its words first stand, so no text is scanned to find it); else the first non-blank one.
   */
  private snippet(doc: IndexedDocument, slot: number, marked: MarkedWords | undefined): string {
    if (marked) {
      for (const field of SNIPPET_FIELDS) {
        const at = this.index.firstMarked(slot, field);
        if (at !== -1) return snippetAt(fieldText(doc, FIELDS[field]!), at, marked);
      }
    }
    const texts = SNIPPET_FIELDS.map((field) => fieldText(doc, FIELDS[field]!));
    return snippetAt(
      texts.find((t) => t.trim().length > 0),
      0,
      marked,
    );
  }

  /** Every document in the order of an empty query (type, title, id), each scored 0. */
  private listing(): IndexMatches<Entry> {
    this.ordered ??= [...this.docs.entries()]
      .sort(
        ([, { doc: a }], [, { doc: b }]) =>
          a.type.localeCompare(b.type) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id),
      )
      .map(([key]) => key);
    return {
      docs: this.ordered.map((key) => this.docs.get(key)!),
      keys: this.ordered,
      scores: this.ordered.map(() => 0),
      terms: new Set(),
      // The empty query marks nothing, so its snippets need no slot.
      slots: [],
    };
  }

  /** Ranked ids of one type, for callers that keep their own listing (the registry's `?search=`). */
  rank(type: SearchType, q: string): Map<string, number> {
    const found = this.matches(q.trim());
    const ofType = bestOf(found.docs.length, found.docs.length, (a, b) => {
      return (
        found.scores[a]! > found.scores[b]! ||
        (found.scores[a] === found.scores[b] && found.keys[a]! < found.keys[b]!)
      );
    }).filter((i) => found.docs[i]!.doc.type === type);
    return new Map(ofType.map((i) => [found.docs[i]!.doc.id, found.scores[i]!]));
  }
}
