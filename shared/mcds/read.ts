// Reading the latest version of an MCD straight from its items: what the search index needs, without the write
// path (links, references, conditional saves) the MCD service carries.
import type { Platform } from "../platform.js";
import { queryAll } from "../store/table.js";
import { highestSlot } from "../store/version-log.js";

export const mcdKey = (slug: string) => `MCD#${slug}`;

export interface McdText {
  slug: string;
  title: string;
  tags: string[];
  body: string;
}

/** Reads the highest version slot, not the head: a save's follow-ups (this index) run before its head moves. */
export async function readLatestMcd(platform: Platform, slug: string): Promise<McdText | undefined> {
  const item = await highestSlot<Record<string, unknown>>(platform.table, mcdKey(slug));
  if (!item || item.deleted === true || item.purged === true) return undefined;
  let body = typeof item.body === "string" ? item.body : "";
  if (typeof item.bodyKey === "string") {
    const bytes = await platform.blobs.get(item.bodyKey);
    body = bytes ? Buffer.from(bytes).toString("utf8") : "";
  }
  return {
    slug,
    title: String(item.title ?? slug),
    tags: Array.isArray(item.tags) ? item.tags.map(String) : [],
    body,
  };
}

export async function listMcdSlugs(platform: Platform): Promise<string[]> {
  const heads = await queryAll<{ slug: string }>(platform.table, {
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": "MCDS" },
  });
  return heads.map((head) => head.slug);
}
