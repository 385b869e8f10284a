// The server listing as the store keeps it: one partition per filter value (`SERVER_LIST#LIVE`, `#ALL`,
// `#STATUS#<s>`, `#TAG#<t>`, `#CATEGORY#<c>`), each holding one item per server sorted by name, carrying the
// list entry as the API answers it. A page of GET /v1/servers is then one Query of the partition its filters
// name, whatever the registry's size. The items are a projection of the head (head-projection.ts writes them).
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed, type Table } from "../store/table.js";
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
 * Which partition serves a filter, and what is left to check on its items: a tag or a category partition holds
 * deleted servers too, and a second filter (tag and category, or with a status) is checked on the items read.
 */
export function listingPlan(filter: ListingFilter): { key: string; rest: Partial<ListingFilter> } {
  const live = filter.includeDeleted || filter.status === "deleted" ? {} : { includeDeleted: false };
  if (filter.tag !== undefined) {
    const { tag, ...rest } = filter;
    return { key: `TAG#${tag}`, rest: { ...pick(rest), ...live } };
  }
  if (filter.category !== undefined) {
    const { category, ...rest } = filter;
    return { key: `CATEGORY#${category}`, rest: { ...pick(rest), ...live } };
  }
  if (filter.status !== undefined) return { key: `STATUS#${filter.status}`, rest: {} };
  return { key: filter.includeDeleted ? "ALL" : "LIVE", rest: {} };
}

function pick(rest: Partial<ListingFilter>): Partial<ListingFilter> {
  return {
    ...(rest.status !== undefined ? { status: rest.status } : {}),
    ...(rest.category !== undefined ? { category: rest.category } : {}),
  };
}

function filterExpression(rest: Partial<ListingFilter>): {
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  const terms: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (rest.includeDeleted === false) {
    terms.push("allDeleted = :false");
    values[":false"] = false;
  }
  if (rest.status !== undefined) {
    terms.push("#status = :status");
    names["#status"] = "status";
    values[":status"] = rest.status;
  }
  if (rest.category !== undefined) {
    terms.push("category = :category");
    values[":category"] = rest.category;
  }
  if (terms.length === 0) return {};
  return {
    FilterExpression: terms.join(" AND "),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
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
  const { key, rest } = listingPlan(filter);
  const filtering = filterExpression(rest);
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
  const found = new Map<string, ListingItem>();
  let keys: Record<string, unknown>[] | undefined = names.map((name) => ({ pk: listPk("ALL"), sk: name }));
  for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
    const result = await table.doc.send(
      new BatchGetCommand({ RequestItems: { [table.name]: { Keys: keys } } }),
    );
    for (const item of (result.Responses?.[table.name] ?? []) as ListingItem[]) found.set(item.sk, item);
    keys = result.UnprocessedKeys?.[table.name]?.Keys as Record<string, unknown>[] | undefined;
  }
  return names.flatMap((name) => found.get(name) ?? []);
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

/** The names in one listing partition from `from` on (inclusive), in name order, read a page at a time. */
export async function* listedNames(table: Table, key: string, from?: string): AsyncGenerator<string[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: from !== undefined ? "pk = :pk AND sk >= :from" : "pk = :pk",
        ExpressionAttributeValues: { ":pk": listPk(key), ...(from !== undefined ? { ":from": from } : {}) },
        ProjectionExpression: "sk",
        ExclusiveStartKey: start,
        Limit: 100,
      }),
    );
    yield (page.Items ?? []).map((item) => item.sk as string);
    start = page.LastEvaluatedKey;
  } while (start);
}
