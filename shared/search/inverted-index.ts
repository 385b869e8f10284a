// The ranked word index under the search engine: postings per word and field in plain number arrays, BM25+ scored
// into reused typed arrays, words expanded by prefix and by typo through MiniSearch's radix tree (SearchableMap).
// It also knows where in each field's text every word of a document first stands, so a snippet finds its match
// without reading the text again (firstMarked).
// It scores exactly as MiniSearch 7 does (same BM25+ parameters, field boosts, prefix and typo weights, AND of the
// query's words, the same "quality" factor), at a fraction of the cost: decision 0002 says why it is ours.
import SearchableMap from "minisearch/SearchableMap";

/** MiniSearch's defaults: BM25+ with k1 = 1.2, b = 0.7 and the lower bound δ = 0.5. */
const K = 1.2;
const B = 0.7;
const D = 0.5;
/** MiniSearch's weights of a word found by prefix and by typo, before the length discount each gets. */
const PREFIX_WEIGHT = 0.375;
const TYPO_WEIGHT = 0.45;

/** One word of a query: matched whole, by prefix (longer words that start with it) and within an edit distance. */
export interface QueryWord {
  term: string;
  prefix: boolean;
  /** Edits allowed (0: none). */
  typos: number;
}

/** Every document that matched every word, unordered: `docs[i]` scored `scores[i]`. */
export interface IndexMatches<T> {
  docs: T[];
  keys: string[];
  scores: number[];
  /** The index words each query word reached (itself, its prefix and typo expansions), to mark in snippets. */
  terms: ReadonlySet<string>;
  /** Each match's place in the index, for firstMarked. */
  slots: number[];
}

/** Per field of one document, its distinct lower-cased words (as term numbers) and where each first stands. */
interface HeldWords {
  terms: Int32Array;
  firstAt: Int32Array;
}

/** Per field, the documents that hold a word: [slot, term frequency, slot, term frequency, …]. */
type Postings = (number[] | undefined)[];

export class InvertedIndex<T> {
  /**
   * Each word's number, twice: a Map finds a whole word in one hash lookup, the radix tree walks prefixes and typos.
   * A number stays with its word while any document holds it; a word gone from every document frees its number.
   */
  private readonly exact = new Map<string, number>();
  private readonly words = new SearchableMap<number>();
  private readonly postingsOf: Postings[] = [];
  private readonly wordOf: string[] = [];
  private readonly freeTerms: number[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly keyAt: (string | undefined)[] = [];
  private readonly payloadAt: (T | undefined)[] = [];
  /** Per slot and field, the words it holds: what a removal takes out of the postings, and where snippets start. */
  private readonly wordsAt: (HeldWords[] | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /** Per field, each slot's count of distinct tokens (MiniSearch's field length), and their sum. */
  private readonly lengths: number[][];
  private readonly lengthSums: number[];
  private count = 0;
  // Scratch space of a query, reused: a slot's score and the number of words it matched are valid only while its
  // stamp is the current query's, so nothing is cleared between queries.
  private scores = new Float64Array(1024);
  private matched = new Int32Array(1024);
  private stamps = new Uint32Array(1024);
  private stamp = 0;
  /** Per term number, the stamp of the last markTerms call that named it. */
  private marks = new Uint32Array(1024);
  private mark = 0;

  constructor(
    private readonly boosts: readonly number[],
    private readonly tokenize: (text: string) => string[],
  ) {
    this.lengths = boosts.map(() => []);
    this.lengthSums = boosts.map(() => 0);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds a document under a key that is not in the index; `texts` holds one text per field, in boost order. The
   * tokenizer must return substrings of the text in the order they stand in it (where each stands is kept).
   */
  add(key: string, texts: readonly string[], payload: T): void {
    if (this.slotOf.has(key)) throw new Error(`${key} is already indexed`);
    const slot = this.freeSlots.pop() ?? this.keyAt.length;
    this.slotOf.set(key, slot);
    this.keyAt[slot] = key;
    this.payloadAt[slot] = payload;
    this.grow(slot + 1);
    const held: HeldWords[] = [];
    for (let field = 0; field < this.boosts.length; field++) {
      const text = texts[field] ?? "";
      const tokens = this.tokenize(text);
      const length = new Set(tokens).size;
      this.lengths[field]![slot] = length;
      this.lengthSums[field]! += length;
      // Distinct words in the order they first stand in the text, with how often and where first.
      const frequencies = new Map<string, number>();
      const firstAt: number[] = [];
      let cursor = 0;
      for (const token of tokens) {
        // Between two words stand only separators, so the next word's first occurrence from here is the word.
        const at = text.indexOf(token, cursor);
        cursor = at + token.length;
        const word = token.toLowerCase();
        if (word.length === 0) continue;
        const frequency = frequencies.get(word);
        if (frequency === undefined) firstAt.push(at);
        frequencies.set(word, (frequency ?? 0) + 1);
      }
      const terms = new Int32Array(frequencies.size);
      let n = 0;
      for (const [word, frequency] of frequencies) {
        const term = this.termOf(word);
        terms[n++] = term;
        const postings = this.postingsOf[term]!;
        let list = postings[field];
        if (!list) {
          list = [];
          postings[field] = list;
        }
        list.push(slot, frequency);
      }
      held.push({ terms, firstAt: Int32Array.from(firstAt) });
    }
    this.wordsAt[slot] = held;
    this.count += 1;
  }

  /** The number of a word, given one if it is new. */
  private termOf(word: string): number {
    const known = this.exact.get(word);
    if (known !== undefined) return known;
    const term = this.freeTerms.pop() ?? this.postingsOf.length;
    this.postingsOf[term] = [];
    this.wordOf[term] = word;
    this.exact.set(word, term);
    this.words.set(word, term);
    if (term >= this.marks.length) {
      const marks = new Uint32Array(Math.max(term + 1, this.marks.length * 2));
      marks.set(this.marks);
      this.marks = marks;
    }
    return term;
  }

  /** Takes a document out of every posting list it is in; an unknown key is ignored. */
  remove(key: string): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    const held = this.wordsAt[slot]!;
    for (let field = 0; field < held.length; field++) {
      const { terms } = held[field]!;
      for (let t = 0; t < terms.length; t++) {
        const term = terms[t]!;
        const postings = this.postingsOf[term]!;
        const list = postings[field]!;
        for (let i = 0; i < list.length; i += 2) {
          if (list[i] !== slot) continue;
          list.splice(i, 2);
          break;
        }
        if (list.length === 0) postings[field] = undefined;
        if (postings.every((l) => l === undefined)) this.forget(term);
      }
      this.lengthSums[field]! -= this.lengths[field]![slot]!;
      this.lengths[field]![slot] = 0;
    }
    this.slotOf.delete(key);
    this.keyAt[slot] = undefined;
    this.payloadAt[slot] = undefined;
    this.wordsAt[slot] = undefined;
    this.freeSlots.push(slot);
    this.count -= 1;
  }

  /** Drops a word no document holds any more, freeing its number. */
  private forget(term: number): void {
    const word = this.wordOf[term]!;
    this.exact.delete(word);
    this.words.delete(word);
    this.wordOf[term] = "";
    this.postingsOf[term] = [];
    this.freeTerms.push(term);
  }

  clear(): void {
    for (const key of [...this.slotOf.keys()]) this.remove(key);
  }

  /**
   * The documents that match every word (each whole, by prefix or within its typos), scored as MiniSearch scores
   * them: per word the BM25+ of each index word it reaches, weighted by field boost and by how far the index word
   * is from the query word; summed over the words, times the number of distinct query words.
   */
  search(words: readonly QueryWord[]): IndexMatches<T> {
    const terms = new Set<string>();
    const result: IndexMatches<T> = { docs: [], keys: [], scores: [], terms, slots: [] };
    if (words.length === 0 || this.count === 0) return result;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    const touched: number[] = [];
    for (let w = 0; w < words.length; w++) {
      for (const [word, postings, weight] of this.expand(words[w]!)) {
        terms.add(word);
        this.score(postings, weight, w, touched);
      }
    }
    const quality = new Set(words.map((w) => w.term)).size;
    for (const slot of touched) {
      if (this.matched[slot] !== words.length) continue;
      result.docs.push(this.payloadAt[slot]!);
      result.keys.push(this.keyAt[slot]!);
      result.scores.push(this.scores[slot]! * quality);
      result.slots.push(slot);
    }
    return result;
  }

  /**
   * Marks the index words among `words` (lower-cased) for firstMarked, replacing the marks of the call before: a
   * word no document holds stands in no text, so leaving it out changes nothing.
   */
  markTerms(words: Iterable<string>): void {
    this.mark = (this.mark + 1) >>> 0;
    if (this.mark === 0) {
      this.marks.fill(0);
      this.mark = 1;
    }
    for (const word of words) {
      const term = this.exact.get(word);
      if (term !== undefined) this.marks[term] = this.mark;
    }
  }

  /**
   * Where the first marked word stands in one field's text of the document at `slot` (a match's `slots` entry):
   * the index the text's own word scan would stop at, found among its distinct words. -1 when none is marked.
   */
  firstMarked(slot: number, field: number): number {
    const held = this.wordsAt[slot]?.[field];
    if (!held) return -1;
    const { marks, mark } = this;
    const { terms, firstAt } = held;
    for (let i = 0; i < terms.length; i++) if (marks[terms[i]!] === mark) return firstAt[i]!;
    return -1;
  }

  /** The index words one query word reaches, with their weights, in the order MiniSearch adds them up. */
  private *expand(word: QueryWord): Generator<[string, Postings, number]> {
    const exact = this.exact.get(word.term);
    if (exact !== undefined) yield [word.term, this.postingsOf[exact]!, 1];
    const byPrefix = new Set<string>();
    if (word.prefix) {
      for (const [term, number] of this.words.atPrefix(word.term)) {
        const distance = term.length - word.term.length;
        if (distance === 0) continue;
        byPrefix.add(term);
        yield [
          term,
          this.postingsOf[number]!,
          (PREFIX_WEIGHT * term.length) / (term.length + 0.3 * distance),
        ];
      }
    }
    if (word.typos > 0) {
      for (const [term, [number, distance]] of this.words.fuzzyGet(word.term, word.typos)) {
        if (distance === 0 || byPrefix.has(term)) continue;
        yield [term, this.postingsOf[number]!, (TYPO_WEIGHT * term.length) / (term.length + distance)];
      }
    }
  }

  /** Adds one index word's BM25+ to the slots that matched every earlier query word (word `w` of the query). */
  private score(postings: Postings, weight: number, w: number, touched: number[]): void {
    const { scores, matched, stamps, stamp } = this;
    for (let field = 0; field < postings.length; field++) {
      const list = postings[field];
      if (!list) continue;
      const frequency = list.length / 2;
      const idf = Math.log(1 + (this.count - frequency + 0.5) / (frequency + 0.5));
      const factor = weight * this.boosts[field]!;
      const lengths = this.lengths[field]!;
      const average = this.lengthSums[field]! / this.count;
      for (let i = 0; i < list.length; i += 2) {
        const slot = list[i]!;
        if (stamps[slot] !== stamp) {
          // Only the first word brings in new documents: a later one can only confirm those already matched.
          if (w > 0) continue;
          stamps[slot] = stamp;
          scores[slot] = 0;
          matched[slot] = 0;
          touched.push(slot);
        }
        const seen = matched[slot]!;
        if (seen < w) continue;
        if (seen === w) matched[slot] = w + 1;
        const tf = list[i + 1]!;
        scores[slot]! +=
          factor * idf * (D + (tf * (K + 1)) / (tf + K * (1 - B + (B * lengths[slot]!) / average)));
      }
    }
  }

  private grow(size: number): void {
    if (size <= this.scores.length) return;
    const capacity = Math.max(size, this.scores.length * 2);
    const scores = new Float64Array(capacity);
    const matched = new Int32Array(capacity);
    const stamps = new Uint32Array(capacity);
    scores.set(this.scores);
    matched.set(this.matched);
    stamps.set(this.stamps);
    this.scores = scores;
    this.matched = matched;
    this.stamps = stamps;
  }
}
