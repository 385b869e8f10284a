// Reading the latest version of an MCD straight from its items: what the search index needs, without the write
// path (links, references, conditional saves) the MCD service carries.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Platform } from "../platform.js";
import { queryAll } from "../store/table.js";

export const mcdKey = (slug: string) => `MCD#${slug}`;
export const mcdVersionKey = (version: number) => `V#${String(version).padStart(6, "0")}`;

export interface McdText {
  slug: string;
  title: string;
  tags: string[];
  body: string;
}

export async function readLatestMcd(platform: Platform, slug: string): Promise<McdText | undefined> {
  const { table } = platform;
  const head = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: { pk: mcdKey(slug), sk: "HEAD" } }),
  );
  if (!head.Item) return undefined;
  const version = Number(head.Item.version);
  const item = (
    await table.doc.send(
      new GetCommand({ TableName: table.name, Key: { pk: mcdKey(slug), sk: mcdVersionKey(version) } }),
    )
  ).Item;
  if (!item) return undefined;
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
