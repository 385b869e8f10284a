// Each server's head (its latest version, what deciding whether it may run needs, and its listing items) kept in
// line with its versions, approvals and grants, without transactions. A write that changes any of them first adds
// a pending token to the head, then commits (the version put, the status update, the approval or grant), then
// projects the head and its listing items and removes its token. Whoever reads a head whose token is older than
// any request runs (its write stopped), or whose listing lags its revision, projects it again from the items
// themselves and removes such tokens. So a crash at any point leaves the write's commit and, at worst, a head or a
// listing item behind it that the first read of the server or write to it after PENDING_GRACE_MS, or the next
// listing snapshot load (listing-snapshot.ts: at most every 5 minutes), brings in line.
import { randomUUID } from "node:crypto";
import { GetCommand, UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed, queryAll, type Table } from "../store/table.js";
import { backoff } from "../store/version-log.js";
import {
  bumpListingGeneration,
  type ListingItem,
  listingKeys,
  removeOwnItems,
  writeListingItems,
} from "./listing.js";
import { canonicalJson } from "./runtime-digest.js";
import {
  type ApprovalFacts,
  type GrantFacts,
  HEAD_LAYOUT,
  HEAD_SK,
  type HeadItem,
  isProjected,
  type LatestVersion,
  type ProjectedHead,
  type RunFacts,
  serverKey,
  toRecord,
  type VersionItem,
} from "./server-items.js";
import { pickLatest } from "./versions.js";

/** Longer than any request runs (API Gateway cuts one at 29 s): a token this old belongs to a write that stopped. */
export const PENDING_GRACE_MS = 30_000;
const ATTEMPTS = 50;

/** Told of every head whose listing items were brought in line (the process's listing snapshot follows it). */
export type ProjectionObserver = (head: ProjectedHead) => void;

const observers = new WeakMap<Table, ProjectionObserver>();

/** One per table and process: the listing snapshot (listing-snapshot.ts). */
export function observeProjections(table: Table, observer: ProjectionObserver): void {
  observers.set(table, observer);
}

/** The head item as stored (consistent). */
async function getHeadItem(table: Table, name: string): Promise<HeadItem | undefined> {
  const result = await table.doc.send(
    new GetCommand({
      TableName: table.name,
      Key: { pk: serverKey(name), sk: HEAD_SK },
      ConsistentRead: true,
    }),
  );
  return result.Item as HeadItem | undefined;
}

/** One UpdateItem of the head. */
function updateHead(table: Table, name: string, input: Omit<UpdateCommandInput, "TableName" | "Key">) {
  return table.doc.send(
    new UpdateCommand({ TableName: table.name, Key: { pk: serverKey(name), sk: HEAD_SK }, ...input }),
  );
}

/** Everything a head is projected from, read consistently: versions, approvals, grants, and the head itself. */
export interface ServerSources {
  head?: HeadItem;
  versions: VersionItem[];
  approvals: Map<string, ApprovalFacts>;
  grants: GrantFacts[];
}

/** Two queries side by side: `APPROVAL#…` to `HEAD` (approvals, grants, head) and `V#…` (versions); not the probes. */
export async function readSources(table: Table, name: string): Promise<ServerSources> {
  const [front, versions] = await Promise.all([
    queryAll<Record<string, unknown> & { sk: string }>(table, {
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": serverKey(name), ":from": "APPROVAL#", ":to": HEAD_SK },
      ConsistentRead: true,
    }),
    queryAll<VersionItem>(table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": serverKey(name), ":v": "V#" },
      ConsistentRead: true,
    }),
  ]);
  const sources: ServerSources = { versions, approvals: new Map(), grants: [] };
  for (const item of front) {
    if (item.sk === HEAD_SK) sources.head = item as unknown as HeadItem;
    else if (item.sk.startsWith("APPROVAL#")) {
      const { runtimeDigest, approvedBy, approvedAt } = item as unknown as ApprovalFacts;
      sources.approvals.set(item.sk.slice("APPROVAL#".length), { runtimeDigest, approvedBy, approvedAt });
    } else if (item.sk.startsWith("GRANT#")) {
      const { key, versions: granted } = item as unknown as GrantFacts;
      sources.grants.push({ key, versions: granted });
    }
  }
  sources.grants.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return sources;
}

interface HeadContent {
  latestVersion: string;
  latest: LatestVersion;
  allDeleted: boolean;
  runFacts: RunFacts;
}

/** The latest live version (semver; the latest deleted one when all are deleted) and its run facts. */
export function headContent(sources: ServerSources): HeadContent | undefined {
  const live = sources.versions.filter((v) => v.status !== "deleted");
  const latest = pickLatest(live.length > 0 ? live : sources.versions);
  if (!latest) return undefined;
  const { retiringAt: _r, retiringMark: _m, lastPinAt: _l, pinnedBy: _p, ...document } = latest;
  const approval = sources.approvals.get(latest.version);
  return {
    latestVersion: latest.version,
    latest: document,
    allDeleted: live.length === 0,
    runFacts: { ...(approval ? { approval } : {}), grants: sources.grants },
  };
}

const fingerprint = (content: HeadContent) =>
  canonicalJson({
    latestVersion: content.latestVersion,
    latest: content.latest,
    allDeleted: content.allDeleted,
    runFacts: content.runFacts,
  });

const tokenTime = (token: string) => Date.parse(token.slice(0, token.indexOf("#")));

/** Per table: the instant before which every pending token belongs to a process that is gone (sole writers only). */
const stoppedBefore = new WeakMap<Table, number>();

/**
 * Declares that no write begun before `since` is still under way on this table: the embedded platform, which holds
 * its home's lock and so is the store's only writer, calls it at start, and a previous instance's interrupted
 * writes are then repaired by the first read instead of after PENDING_GRACE_MS.
 */
export function writesBeforeAreStopped(table: Table, since = Date.now()): void {
  stoppedBefore.set(table, since);
}

/** A pending token of a write that stopped: older than any request runs, or older than this process's start. */
function isStopped(table: Table, token: string, now: number): boolean {
  const at = tokenTime(token);
  return now - at > PENDING_GRACE_MS || at < (stoppedBefore.get(table) ?? Number.NEGATIVE_INFINITY);
}

/**
 * Whether a head must be projected again before it is answered: a placeholder, an older layout, listing items
 * behind its revision, or a write that stopped (a pending token older than PENDING_GRACE_MS). A write under way
 * projects the head itself once it committed: until then the head answers what was acknowledged, and readers and
 * other writers do not contend with it.
 */
export function needsProjection(table: Table, head: HeadItem, now = Date.now()): boolean {
  return head.listedRevision !== head.revision || !projectedHere(table, head, now);
}

/** A head in this layout with no stopped write (its listing may still be under way by its own projector). */
function projectedHere(table: Table, head: HeadItem, now: number): head is ProjectedHead {
  if (!isProjected(head) || head.layout !== HEAD_LAYOUT) return false;
  return ![...(head.pending ?? [])].some((token) => isStopped(table, token, now));
}

/**
 * Projects the head and the listing items from the server's items; answers the head, or undefined when the
 * server has no version. Optimistic on the head's `revision`: a projector that loses reads again.
 */
export async function projectServer(
  table: Table,
  name: string,
  now: () => number = Date.now,
  unchangedIf?: (head: ProjectedHead) => boolean,
): Promise<ProjectedHead | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const sources = await readSources(table, name);
    const current = sources.head;
    // A write that cannot change the head stops as soon as another writer has brought it in line.
    if (current && unchangedIf && projectedHere(table, current, now()) && unchangedIf(current))
      return current;
    const content = headContent(sources);
    if (!content) {
      // A placeholder (a first publish that stopped before its version) is no server; its stale tokens go.
      if (current) await removeStoppedTokens(table, name, current.pending, now());
      return undefined;
    }
    const keys = listingKeys({
      name,
      status: content.latest.status,
      allDeleted: content.allDeleted,
      tags: content.latest.document.tags ?? [],
      ...(content.latest.document.category !== undefined
        ? { category: content.latest.document.category }
        : {}),
    });
    let head: ProjectedHead;
    if (
      isProjected(current) &&
      current.layout === HEAD_LAYOUT &&
      fingerprint(current as HeadContent) === fingerprint(content)
    ) {
      head = current;
    } else {
      const revision = (current?.revision ?? 0) + 1;
      const listedKeys = [...new Set([...(current?.listedKeys ?? []), ...keys])];
      try {
        await updateHead(table, name, {
          UpdateExpression:
            "SET gsi1pk = :gsi1pk, gsi1sk = :name, #name = :name, latestVersion = :latestVersion, latest = :latest, " +
            "allDeleted = :allDeleted, runFacts = :runFacts, layout = :layout, listedKeys = :listedKeys, revision = :revision",
          ConditionExpression:
            current?.revision !== undefined ? "revision = :current" : "attribute_not_exists(revision)",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: {
            ":gsi1pk": "SERVERS",
            ":name": name,
            ":latestVersion": content.latestVersion,
            ":latest": content.latest,
            ":allDeleted": content.allDeleted,
            ":runFacts": content.runFacts,
            ":layout": HEAD_LAYOUT,
            ":listedKeys": listedKeys,
            ":revision": revision,
            ...(current?.revision !== undefined ? { ":current": current.revision } : {}),
          },
        });
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        await backoff(attempt);
        continue;
      }
      head = {
        ...(current ?? { pk: serverKey(name), sk: HEAD_SK, gsi1pk: "SERVERS", gsi1sk: name, name }),
        ...content,
        gsi1pk: "SERVERS",
        layout: HEAD_LAYOUT,
        listedKeys,
        revision,
      } as ProjectedHead;
    }
    if (head.listedRevision !== head.revision) {
      if (!(await listHead(table, head, keys))) {
        await backoff(attempt);
        continue;
      }
    }
    await removeStoppedTokens(table, name, head.pending, now());
    return head;
  }
  // Contention beyond every attempt: the writes committed; the next read projects the head.
  return undefined;
}

/** Brings the listing items in line with `head`; false when a newer revision overtook it meanwhile. */
async function listHead(table: Table, head: ProjectedHead, keys: string[]): Promise<boolean> {
  const item: Omit<ListingItem, "pk" | "sk"> = {
    revision: head.revision,
    allDeleted: head.allDeleted,
    status: head.latest.status,
    ...(head.latest.document.category !== undefined ? { category: head.latest.document.category } : {}),
    record: toRecord(head.latest, head.latestVersion),
    runFacts: head.runFacts ?? { grants: [] },
  };
  const stale = (head.listedKeys ?? []).filter((key) => !keys.includes(key));
  await writeListingItems(table, item, head.name, keys, stale);
  try {
    await updateHead(table, head.name, {
      UpdateExpression: "SET listedRevision = :revision, listedKeys = :keys",
      ConditionExpression: "revision = :revision",
      ExpressionAttributeValues: { ":revision": head.revision, ":keys": keys },
    });
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // A newer revision's projector may have removed its stale items before these were written: take them back.
    await removeOwnItems(table, head.name, keys, head.revision);
    return false;
  }
  head.listedRevision = head.revision;
  head.listedKeys = keys;
  await bumpListingGeneration(table);
  observers.get(table)?.(head);
  return true;
}

async function removeStoppedTokens(
  table: Table,
  name: string,
  pending: Set<string> | undefined,
  now: number,
): Promise<void> {
  const stopped = [...(pending ?? [])].filter((token) => isStopped(table, token, now));
  if (stopped.length === 0) return;
  await updateHead(table, name, {
    UpdateExpression: "DELETE pending :stopped",
    ExpressionAttributeValues: { ":stopped": new Set(stopped) },
  });
}

/**
 * The head as its items say it is, without writing: one read, and when a write left it behind, the projection
 * computed in memory from the server's items (the functions that only read versions may not write heads).
 */
export async function peekHead(table: Table, name: string): Promise<ProjectedHead | undefined> {
  const head = await getHeadItem(table, name);
  if (!head || !needsProjection(table, head)) return head as ProjectedHead | undefined;
  const content = headContent(await readSources(table, name));
  return content && ({ ...head, ...content } as ProjectedHead);
}

/** The head as it is to be answered: one read, projected again first when it needs it. */
export async function readHead(table: Table, name: string): Promise<ProjectedHead | undefined> {
  const head = await getHeadItem(table, name);
  if (!head) return undefined;
  if (!needsProjection(table, head)) return head as ProjectedHead;
  return projectServer(table, name);
}

/**
 * Runs a write that changes what a server's head is projected from: a pending token on the head first (creating
 * a placeholder for a first publish), then the write, then the projection, then the token goes. `unchangedIf`
 * lets a write that cannot change the head (a version that is not the new latest, an approval of another version)
 * skip the projection when the head it finds is otherwise in line.
 */
export async function changeServer<T>(
  table: Table,
  name: string,
  write: () => Promise<T>,
  options: {
    unchangedIf?: (head: ProjectedHead) => boolean;
    /** The error when the server has no head; left out, the write may create the server (a publish). */
    absent?: () => Error;
    now?: () => number;
  } = {},
): Promise<{ result: T; head?: ProjectedHead }> {
  const now = options.now ?? Date.now;
  const token = `${new Date(now()).toISOString()}#${randomUUID()}`;
  try {
    await updateHead(table, name, {
      UpdateExpression:
        "SET gsi1pk = if_not_exists(gsi1pk, :gsi1pk), gsi1sk = if_not_exists(gsi1sk, :name), " +
        "#name = if_not_exists(#name, :name) ADD pending :token",
      ...(options.absent ? { ConditionExpression: "attribute_exists(pk)" } : {}),
      ExpressionAttributeNames: { "#name": "name" },
      ExpressionAttributeValues: { ":gsi1pk": "SERVERS", ":name": name, ":token": new Set([token]) },
    });
  } catch (error) {
    if (options.absent && isConditionalCheckFailed(error)) throw options.absent();
    throw error;
  }
  const settle = () =>
    updateHead(table, name, {
      UpdateExpression: "DELETE pending :token",
      ExpressionAttributeValues: { ":token": new Set([token]) },
    });
  let result: T;
  try {
    result = await write();
  } catch (error) {
    // Nothing was committed: the token goes.
    await settle();
    throw error;
  }
  let head: ProjectedHead | undefined;
  if (options.unchangedIf) {
    const found = await getHeadItem(table, name);
    if (found && projectedHere(table, found, now()) && options.unchangedIf(found)) head = found;
  }
  head ??= await projectServer(table, name, now, options.unchangedIf);
  await settle();
  return { result, ...(head ? { head } : {}) };
}
