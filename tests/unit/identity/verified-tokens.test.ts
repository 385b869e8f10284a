// The verdicts a token verifier keeps (VerifiedTokens): a kept token answers until its expiry and not a moment
// after, and the least recently used goes first when the cache is full.
import { describe, expect, it } from "vitest";
import { VerifiedTokens } from "../../../shared/identity/tokens.js";

const caller = (name: string) => ({
  id: `user:${name}`,
  kind: "user" as const,
  name,
  role: "viewer" as const,
});

describe("VerifiedTokens", () => {
  it("answers a kept token until its expiry, then never again", () => {
    let clock = 1_000;
    const kept = new VerifiedTokens(10, () => clock);
    kept.set("t", caller("ann"), 2_000);
    expect(kept.get("t")).toEqual(caller("ann"));
    clock = 1_999;
    expect(kept.get("t")).toEqual(caller("ann"));
    clock = 2_000;
    expect(kept.get("t")).toBeUndefined();
    clock = 1_500;
    expect(kept.get("t")).toBeUndefined();
  });

  it("drops the least recently used token when full", () => {
    const kept = new VerifiedTokens(2, () => 0);
    kept.set("a", caller("a"), 10);
    kept.set("b", caller("b"), 10);
    expect(kept.get("a")).toBeDefined();
    kept.set("c", caller("c"), 10);
    expect(kept.get("b")).toBeUndefined();
    expect(kept.get("a")).toBeDefined();
    expect(kept.get("c")).toBeDefined();
  });
});
