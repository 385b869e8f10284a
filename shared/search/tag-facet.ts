// Counts the tag facet of a query over numbered tags: each document's distinct tags are numbered once, when it is
// indexed, so a query over thousands of matches adds to an array instead of keying an object by tag name.
import { bestOf } from "./top.js";

/**
 * A facet's counts, as the answer gives them. Without a prototype an object is a hash table from its first key, so
 * hundreds of distinct tags cost no hidden-class transition each.
 */
export type Counts = Record<string, number>;
export const counts = (): Counts => Object.create(null) as Counts;

export class TagFacet {
  /**
   * Tag names by number. Numbers are never taken back (a tag's number outlives the documents that held it): an
   * engine is rebuilt at least every 15 minutes (freshness.ts), and a number costs a few bytes.
   */
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  // One query's counts; a number's count is valid only while its stamp is the query's, so nothing is cleared.
  private tally = new Int32Array(64);
  private stamps = new Uint32Array(64);
  private stamp = 0;
  /** This query's tag numbers in the order first counted: the order the answer names them in. */
  private seen: number[] = [];

  /** A document's distinct tags as numbers, in the order it lists them (a tag listed twice counts once). */
  numbered(tags: readonly string[]): Int32Array {
    const out: number[] = [];
    for (const tag of tags) {
      let n = this.numbers.get(tag);
      if (n === undefined) {
        n = this.names.length;
        this.names.push(tag);
        this.numbers.set(tag, n);
      }
      if (!out.includes(n)) out.push(n);
    }
    if (this.names.length > this.tally.length) {
      const size = Math.max(this.names.length, this.tally.length * 2);
      const tally = new Int32Array(size);
      const stamps = new Uint32Array(size);
      tally.set(this.tally);
      stamps.set(this.stamps);
      this.tally = tally;
      this.stamps = stamps;
    }
    return Int32Array.from(out);
  }

  /** Starts a query's count. */
  begin(): void {
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    this.seen = [];
  }

  /** Counts one matching document's tags (from numbered). */
  count(tags: Int32Array): void {
    const { tally, stamps, stamp } = this;
    for (let i = 0; i < tags.length; i++) {
      const n = tags[i]!;
      if (stamps[n] !== stamp) {
        stamps[n] = stamp;
        tally[n] = 0;
        this.seen.push(n);
      }
      tally[n]! += 1;
    }
  }

  /**
   * The counted tags, at most `limit` of them: the most frequent (equal counts by name) and the tag filtered on; all
   * of them, in the order first counted, when there are no more than `limit`.
   */
  top(limit: number, filtered: string | undefined): Counts {
    const { names, tally, seen } = this;
    const out = counts();
    if (seen.length <= limit) {
      for (const n of seen) out[names[n]!] = tally[n]!;
      return out;
    }
    const best = bestOf(seen.length, limit, (a, b) => {
      const x = tally[seen[a]!]!;
      const y = tally[seen[b]!]!;
      return x > y || (x === y && names[seen[a]!]! < names[seen[b]!]!);
    });
    for (const at of best) out[names[seen[at]!]!] = tally[seen[at]!]!;
    const n = filtered === undefined ? undefined : this.numbers.get(filtered);
    if (n !== undefined && this.stamps[n] === this.stamp) out[filtered!] = tally[n]!;
    return out;
  }
}
