// Which version is latest: semver order, pre-releases only when no release exists, non-semver by publication.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions, pickLatest, sortNewestFirst } from "../../../shared/registry/versions.js";

const at = (i: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
const candidates = (...versions: string[]) => versions.map((version, i) => ({ version, publishedAt: at(i) }));

describe("pickLatest", () => {
  it("orders by semver, not by string: 1.10.0 beats 1.9.0", () => {
    expect(pickLatest(candidates("1.10.0", "1.9.0", "1.2.0"))?.version).toBe("1.10.0");
    expect(pickLatest(candidates("1.9.0", "1.10.0"))?.version).toBe("1.10.0");
  });

  it("never picks a pre-release while a release exists, even a higher one", () => {
    expect(pickLatest(candidates("1.0.0", "2.0.0-beta.1"))?.version).toBe("1.0.0");
    expect(pickLatest(candidates("2.0.0-beta.1", "1.0.0", "2.0.0-rc.1"))?.version).toBe("1.0.0");
  });

  it("picks the highest pre-release when there is no release", () => {
    expect(pickLatest(candidates("2.0.0-beta.1", "2.0.0-beta.2", "2.0.0-alpha.9"))?.version).toBe(
      "2.0.0-beta.2",
    );
  });

  it("prefers semver over non-semver and orders non-semver by publication", () => {
    expect(pickLatest(candidates("2025.01.02", "0.0.1"))?.version).toBe("0.0.1");
    expect(pickLatest(candidates("build-a", "build-b", "build-c").reverse())?.version).toBe("build-c");
  });

  it("is undefined for no candidates", () => {
    expect(pickLatest([])).toBeUndefined();
  });

  it("does not depend on the order of the candidates (property)", () => {
    const version = fc
      .tuple(
        fc.nat(20),
        fc.nat(20),
        fc.nat(20),
        fc.option(fc.constantFrom("alpha.1", "beta.2", "rc.1"), { nil: undefined }),
      )
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ""}`);
    fc.assert(
      fc.property(fc.uniqueArray(version, { minLength: 1, maxLength: 12 }), (versions) => {
        const list = candidates(...versions);
        const forward = pickLatest(list)?.version;
        expect(pickLatest([...list].reverse())?.version).toBe(forward);
        const releases = versions.filter((v) => !v.includes("-"));
        if (releases.length > 0) expect(forward).not.toContain("-");
      }),
    );
  });
});

describe("sortNewestFirst", () => {
  it("lists versions newest first in semver order", () => {
    expect(
      sortNewestFirst(candidates("1.9.0", "1.10.0", "2.0.0-beta.1", "0.1.0")).map((c) => c.version),
    ).toEqual(["2.0.0-beta.1", "1.10.0", "1.9.0", "0.1.0"]);
  });

  it("compareVersions is antisymmetric", () => {
    const [a, b] = candidates("1.10.0", "1.9.0");
    expect(compareVersions(a!, b!)).toBeGreaterThan(0);
    expect(compareVersions(b!, a!)).toBeLessThan(0);
  });
});
