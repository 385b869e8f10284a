// bestOf keeps the best k of n in order: the same as sorting everything and taking the first k.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOf } from "../../../shared/search/top.js";

describe("bestOf", () => {
  it("equals a full sort cut to k, ties broken by the order given (fuzzed)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 60 }), fc.nat(70), (scores, k) => {
        const better = (a: number, b: number) =>
          scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
        const sorted = scores.map((_, i) => i).sort((a, b) => (better(a, b) ? -1 : 1));
        expect(bestOf(scores.length, k, better)).toEqual(sorted.slice(0, k));
      }),
      { numRuns: 500 },
    );
  });
});
