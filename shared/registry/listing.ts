// The server listing as the store keeps it: one partition per filter value (`SERVER_LIST#LIVE`, `#ALL`,
// `#STATUS#<s>`, `#TAG#<t>`, `#CATEGORY#<c>`), each holding one item per server sorted by name, carrying the
// list entry as the API answers it. A page of GET /v1/servers is then one Query of the partition its filters
// name, whatever the registry's size. The items are a projection of the head (head-projection.ts writes them).
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { getMany, isConditionalCheckFailed, type Table } from "../store/table.js";
import type { ServerStatus, ServerVersionRecord } from "./schema.js";
import type { RunFacts } from "./server-items.js";

const PREFIX = "SERVER_LIST#";
const listPk = (key: string) => `${PREFIX}${key}`;

/** Counts every projection of the listing; a process's snapshot (listing-snapshot.ts) reloads when it moves. */
export const LISTING_STATE_KEY = { pk: `${PREFIX}META`, sk: "STATE" };

export interface ListingEntry {
  name: string;
  status: ServerStatus;
  allDeleted: boolean;
  tags: string[];
  category?: string;
}

export interface ListingItem {
  pk: string;
  sk: string;
  revision: number;
  allDeleted: boolean;
  status: ServerStatus;
  category?: string;
  record: ServerVersionRecord;
  runFacts: RunFacts;
}

/** The partitions a server's item belongs in. A server whose every version is deleted is in ALL, not LIVE. */
export function listingKeys(entry: ListingEntry): string[] {
  const keys = ["ALL", `STATUS#${entry.status}`];
  if (!entry.allDeleted) keys.push("LIVE");
  for (const tag of new Set(entry.tags)) keys.push(`TAG#${tag}`);
  if (entry.category !== undefined) keys.push(`CATEGORY#${entry.category}`);
  return keys;
}

export interface ListingFilter {
  status?: ServerStatus;
  tag?: string;
  category?: string;
  includeDeleted: boolean;
}

/**
 * Which partition serves a filter, and the condition left to check on its items: a tag or a category partition
 * holds deleted servers too, and a second filter (tag and category, or either with a status) has no partition of
 * its own.
 */
export function listingPlan(filter: ListingFilter): {
  key: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const { tag, category, status, includeDeleted } = filter;
  if (tag === undefined && category === undefined) {
    return {
      key: status ? `STATUS#${status}` : includeDeleted ? "ALL" : "LIVE",
      ExpressionAttributeValues: {},
    };
  }
  const terms: string[] = [];
  const values: Record<string, unknown> = {};
  if (!includeDeleted && status !== "deleted") {
    terms.push("allDeleted = :false");
    values[":false"] = false;
  }
  if (status !== undefined) {
    terms.push("#status = :status");
    values[":status"] = status;
  }
  if (tag !== undefined && category !== undefined) {
    terms.push("category = :category");
    values[":category"] = category;
  }
  return {
    key: tag !== undefined ? `TAG#${tag}` : `CATEGORY#${category}`,
    ...(terms.length > 0 ? { FilterExpression: terms.join(" AND ") } : {}),
    ...(status !== undefined ? { ExpressionAttributeNames: { "#status": "status" } } : {}),
    ExpressionAttributeValues: values,
  };
}

/**
 * Up to `limit` items after the name `after`, in name order, and whether more follow. One Query (of limit + 1
 * items, to know whether a next page exists); a second filter on a partition can make it read on until the page is
 * full, as a combination of filters has no partition of its own.
 */
export async function readListingPage(
  table: Table,
  filter: ListingFilter,
  after: string | undefined,
  limit: number,
): Promise<{ items: ListingItem[]; more: boolean }> {
  const { key, ...filtering } = listingPlan(filter);
  const items: ListingItem[] = [];
  let start: Record<string, unknown> | undefined = after ? { pk: listPk(key), sk: after } : undefined;
  do {
    const page = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: "pk = :pk",
        ...filtering,
        ExpressionAttributeValues: { ":pk": listPk(key), ...filtering.ExpressionAttributeValues },
        ExclusiveStartKey: start,
        Limit: limit + 1 - items.length,
      }),
    );
    items.push(...((page.Items ?? []) as ListingItem[]));
    start = page.LastEvaluatedKey;
  } while (start && items.length <= limit);
  return { items: items.slice(0, limit), more: items.length > limit || start !== undefined };
}

/** The listing items of named servers (at most 100), in the order given; a name without one is left out. */
export async function readListingItems(table: Table, names: string[]): Promise<ListingItem[]> {
  if (names.length === 0) return [];
  const items = await getMany<ListingItem>(
    table,
    names.map((name) => ({ pk: listPk("ALL"), sk: name })),
  );
  return items.filter((item): item is ListingItem => item !== undefined);
}

/**
 * Brings one server's listing items in line with its head at `revision`: puts the item in every partition it
 * belongs in (unless a newer revision's is there), then removes it from the partitions it left (unless a newer
 * revision put it back). A writer that a newer revision overtook meanwhile removes what it wrote (removeOwnItems),
 * since the newer writer may have removed those partitions before these puts landed.
 */
export async function writeListingItems(
  table: Table,
  item: Omit<ListingItem, "pk" | "sk">,
  name: string,
  keys: string[],
  stale: string[],
): Promise<void> {
  await Promise.all(
    keys.map((key) =>
      table.doc
        .send(
          new PutCommand({
            TableName: table.name,
            Item: { pk: listPk(key), sk: name, ...item },
            ConditionExpression: "attribute_not_exists(pk) OR revision <= :revision",
            ExpressionAttributeValues: { ":revision": item.revision },
          }),
        )
        .catch(ignoreConditionFailed),
    ),
  );
  await deleteListingItems(table, name, stale, "revision < :revision", item.revision);
}

/** Removes a server's items that `revision` wrote (and nothing a newer revision wrote over them). */
export async function removeOwnItems(
  table: Table,
  name: string,
  keys: string[],
  revision: number,
): Promise<void> {
  await deleteListingItems(table, name, keys, "revision = :revision", revision);
}

async function deleteListingItems(
  table: Table,
  name: string,
  keys: string[],
  condition: string,
  revision: number,
): Promise<void> {
  await Promise.all(
    keys.map((key) =>
      table.doc
        .send(
          new DeleteCommand({
            TableName: table.name,
            Key: { pk: listPk(key), sk: name },
            ConditionExpression: condition,
            ExpressionAttributeValues: { ":revision": revision },
          }),
        )
        .catch(ignoreConditionFailed),
    ),
  );
}

/** One more projection of the listing: what tells other processes' snapshots to reload. */
export async function bumpListingGeneration(table: Table): Promise<void> {
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: LISTING_STATE_KEY,
      UpdateExpression: "ADD generation :one",
      ExpressionAttributeValues: { ":one": 1 },
    }),
  );
}

function ignoreConditionFailed(error: unknown): void {
  if (!isConditionalCheckFailed(error)) throw error;
}
