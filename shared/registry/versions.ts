// Which version is "latest": semver order, and a pre-release is never latest while any release exists.
// Versions that are not semver (allowed by the official schema) fall back to publication order.
import semver from "semver";

export interface VersionCandidate {
  version: string;
  publishedAt: string;
}

export function compareVersions(a: VersionCandidate, b: VersionCandidate): number {
  const va = semver.valid(a.version);
  const vb = semver.valid(b.version);
  if (va && vb) return semver.compare(va, vb);
  if (va) return 1;
  if (vb) return -1;
  return a.publishedAt.localeCompare(b.publishedAt);
}

function isRelease(candidate: VersionCandidate): boolean {
  const parsed = semver.parse(candidate.version);
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
