// The ranked word index under the search engine: postings per word and field in plain number arrays, BM25+ scored
// into reused typed arrays, words expanded by prefix and by typo through MiniSearch's radix tree (SearchableMap).
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
}

/** Per field, the documents that hold a word: [slot, term frequency, slot, term frequency, …]. */
type Postings = (number[] | undefined)[];

export class InvertedIndex<T> {
  /** The same postings twice: a Map finds a whole word in one hash lookup, the radix tree walks prefixes and typos. */
  private readonly exact = new Map<string, Postings>();
  private readonly words = new SearchableMap<Postings>();
  private readonly slotOf = new Map<string, number>();
  private readonly keyAt: (string | undefined)[] = [];
  private readonly payloadAt: (T | undefined)[] = [];
  /** Per slot and field, the distinct lower-cased words it holds: what a removal takes out of the postings. */
  private readonly wordsAt: (string[][] | undefined)[] = [];
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

  /** Adds a document under a key that is not in the index; `texts` holds one text per field, in boost order. */
  add(key: string, texts: readonly string[], payload: T): void {
    if (this.slotOf.has(key)) throw new Error(`${key} is already indexed`);
    const slot = this.freeSlots.pop() ?? this.keyAt.length;
    this.slotOf.set(key, slot);
    this.keyAt[slot] = key;
    this.payloadAt[slot] = payload;
    this.grow(slot + 1);
    const held: string[][] = [];
    for (let field = 0; field < this.boosts.length; field++) {
      const tokens = this.tokenize(texts[field] ?? "");
      const length = new Set(tokens).size;
      this.lengths[field]![slot] = length;
      this.lengthSums[field]! += length;
      const frequencies = new Map<string, number>();
      for (const token of tokens) {
        const word = token.toLowerCase();
        if (word.length > 0) frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
      }
      for (const [word, frequency] of frequencies) {
        let postings = this.exact.get(word);
        if (!postings) {
          postings = [];
          this.exact.set(word, postings);
          this.words.set(word, postings);
        }
        let list = postings[field];
        if (!list) {
          list = [];
          postings[field] = list;
        }
        list.push(slot, frequency);
      }
      held.push([...frequencies.keys()]);
    }
    this.wordsAt[slot] = held;
    this.count += 1;
  }

  /** Takes a document out of every posting list it is in; an unknown key is ignored. */
  remove(key: string): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    const held = this.wordsAt[slot]!;
    for (let field = 0; field < held.length; field++) {
      for (const word of held[field]!) {
        const postings = this.exact.get(word)!;
        const list = postings[field]!;
        for (let i = 0; i < list.length; i += 2) {
          if (list[i] !== slot) continue;
          list.splice(i, 2);
          break;
        }
        if (list.length === 0) postings[field] = undefined;
        if (postings.every((l) => l === undefined)) {
          this.exact.delete(word);
          this.words.delete(word);
        }
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
    const result: IndexMatches<T> = { docs: [], keys: [], scores: [], terms };
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
    }
    return result;
  }

  /** The index words one query word reaches, with their weights, in the order MiniSearch adds them up. */
  private *expand(word: QueryWord): Generator<[string, Postings, number]> {
    const exact = this.exact.get(word.term);
    if (exact) yield [word.term, exact, 1];
    const byPrefix = new Set<string>();
    if (word.prefix) {
      for (const [term, postings] of this.words.atPrefix(word.term)) {
        const distance = term.length - word.term.length;
        if (distance === 0) continue;
        byPrefix.add(term);
        yield [term, postings, (PREFIX_WEIGHT * term.length) / (term.length + 0.3 * distance)];
      }
    }
    if (word.typos > 0) {
      for (const [term, [postings, distance]] of this.words.fuzzyGet(word.term, word.typos)) {
        if (distance === 0 || byPrefix.has(term)) continue;
        yield [term, postings, (TYPO_WEIGHT * term.length) / (term.length + distance)];
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
