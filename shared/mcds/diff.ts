// Unified diffs between two versions of an MCD (jsdiff), apart from the service so only the MCD function bundles it.
import { createTwoFilesPatch } from "diff";
import { UnprocessableError } from "../errors.js";
import type { McdService } from "./service.js";

export async function diffMcdVersions(
  service: McdService,
  slug: string,
  from: number,
  to: number,
): Promise<string> {
  const [a, b] = await Promise.all([service.getVersion(slug, from), service.getVersion(slug, to)]);
  // Myers diff is O(N·D): two unrelated 5 MiB bodies would take too long, so give up rather than time out.
  const patch = createTwoFilesPatch(
    `${slug}@${from}`,
    `${slug}@${to}`,
    a.body,
    b.body,
    `v${from}`,
    `v${to}`,
    {
      context: 3,
      timeout: 5_000,
    },
  );
  if (patch === undefined) {
    throw new UnprocessableError(`Versions ${from} and ${to} of ${slug} differ too much to diff in time.`);
  }
  return patch;
}
