// Optimistic concurrency over HTTP: an edit names the version (or revision) it was based on in If-Match, and every
// answer carries the current one as its ETag. One parser for every resource saved that way (MCDs, preferences).
import { BadRequestError, PreconditionRequiredError } from "../errors.js";

/** `If-Match: 3`, `"3"` or `W/"3"` name version 3; anything else is refused before any write. */
export function parseIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === "") {
    throw new PreconditionRequiredError("Send `If-Match: <version>` with the version you edited.", {
      issues: [{ field: "if-match", rule: "is required: the version this edit is based on" }],
    });
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw new BadRequestError("If-Match must name one version, e.g. `If-Match: 3`.", {
      issues: [{ field: "if-match", rule: "must be a version number" }],
    });
  }
  return Number(match[1]);
}

export const etagOf = (version: number) => `"${version}"`;
