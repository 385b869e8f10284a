// Which version is "latest": semver order, and a pre-release is never latest while any release exists.
// Versions that are not semver (allowed by the official schema) fall back to publication order.
// One function module each: the package's index pulls in ranges and comparators (about 28 KB) that nothing here uses.
import compare from "semver/functions/compare.js";
import parse from "semver/functions/parse.js";
import valid from "semver/functions/valid.js";

export interface VersionCandidate {
  version: string;
  publishedAt: string;
}

export function compareVersions(a: VersionCandidate, b: VersionCandidate): number {
  const va = valid(a.version);
  const vb = valid(b.version);
  if (va && vb) return compare(va, vb);
  if (va) return 1;
  if (vb) return -1;
  return a.publishedAt.localeCompare(b.publishedAt);
}

function isRelease(candidate: VersionCandidate): boolean {
  const parsed = parse(candidate.version);
  return parsed !== null && parsed.prerelease.length === 0;
}

export function pickLatest<T extends VersionCandidate>(candidates: readonly T[]): T | undefined {
  const releases = candidates.filter(isRelease);
  const pool = releases.length > 0 ? releases : candidates;
  let best: T | undefined;
  for (const candidate of pool) {
    if (!best || compareVersions(candidate, best) > 0) best = candidate;
  }
  return best;
}

/** Newest first, for version listings. */
export function sortNewestFirst<T extends VersionCandidate>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => compareVersions(b, a));
}
