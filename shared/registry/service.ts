// The registry: immutable server versions, a head item per server that names its latest version, listing with
// facets, status changes, and server.json import/export. Writes that could race use conditional puts.
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, type FieldIssue, NotFoundError, PayloadTooLargeError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { ProbeResult } from "../mcp/probe-result.js";
import { decodeCursor, encodeCursor } from "../store/cursor.js";
import { isConditionalCheckFailed, putIfAbsent, queryAll, type Table } from "../store/table.js";
import { backoff } from "../store/version-log.js";
import { issuesFromZod } from "../validation.js";
import * as z from "../zod.js";
import { listServerHeads } from "./heads.js";
import { deriveRuntime } from "./runtime.js";
import {
  MCPFLOW_META_KEY,
  SERVER_SCHEMA_URL,
  ServerDocument,
  type ServerListQuery,
  type ServerStatus,
  type ServerVersionRecord,
  type StatusPatch,
} from "./schema.js";
import { getProbe, saveProbe } from "./tools.js";
import { pickLatest, sortNewestFirst } from "./versions.js";

/** DynamoDB items hold 400 KB; a version item and the head item each carry the whole document, plus bookkeeping. */
export const MAX_DOCUMENT_BYTES = 350 * 1024;

const serverKey = (name: string) => `SERVER#${name}`;

const versionKey = (version: string) => `V#${version}`;

interface VersionItem {
  pk: string;
  sk: string;
  name: string;
  version: string;
  document: ServerDocument;
  status: ServerStatus;
  statusMessage?: string;
  publishedAt: string;
  updatedAt: string;
  publishedBy: string;
  /** Delete-versus-pin bookkeeping (deleteVersion, pinVersions); never part of a record. */
  retiringAt?: string;
  retiringMark?: string;
  lastPinAt?: string;
  pinnedBy?: Set<string>;
}

interface HeadItem {
  pk: string;
  sk: "HEAD";
  gsi1pk: "SERVERS";
  gsi1sk: string;
  name: string;
  latestVersion: string;
  latest: VersionItem;
  allDeleted: boolean;
  revision: number;
}

/** How long a pin keeps a delete away, and a delete's mark keeps pins away: longer than any save or delete runs
 * (API Gateway cuts a request at 29 s), short enough that a crash in between blocks nothing for long. */
const PIN_WINDOW_MS = 30_000;
const HEAD_ATTEMPTS = 50;

function headFrom(
  name: string,
  versions: VersionItem[],
  current: HeadItem | undefined,
): HeadItem | undefined {
  const live = versions.filter((v) => v.status !== "deleted");
  const latest = pickLatest(live.length > 0 ? live : versions);
  if (!latest) return undefined;
  const { retiringAt: _r, retiringMark: _m, lastPinAt: _l, pinnedBy: _p, ...document } = latest;
  return {
    pk: serverKey(name),
    sk: "HEAD",
    gsi1pk: "SERVERS",
    gsi1sk: name,
    name,
    latestVersion: latest.version,
    latest: document,
    allDeleted: live.length === 0,
    revision: (current?.revision ?? 0) + 1,
  };
}

function pinnedError(name: string, version: string, pinning: string[]): ConflictError {
  return new ConflictError(`${name}@${version} is pinned by workflow(s) ${pinning.join(", ")}.`, {
    issues: [{ field: "status", rule: `cannot delete a version that workflows pin: ${pinning.join(", ")}` }],
    extra: { workflows: pinning },
  });
}

function sameHead(a: HeadItem, b: HeadItem): boolean {
  return (
    a.latestVersion === b.latestVersion &&
    a.allDeleted === b.allDeleted &&
    a.latest?.status === b.latest.status &&
    a.latest?.statusMessage === b.latest.statusMessage &&
    a.latest?.updatedAt === b.latest.updatedAt
  );
}

function toRecord(item: VersionItem, latestVersion: string | undefined): ServerVersionRecord {
  const { runtime, source } = deriveRuntime(item.document);
  return {
    server: item.document,
    ...(runtime ? { runtime } : {}),
    runtimeSource: source,
    status: item.status,
    ...(item.statusMessage ? { statusMessage: item.statusMessage } : {}),
    isLatest: item.version === latestVersion,
    publishedAt: item.publishedAt,
    updatedAt: item.updatedAt,
    publishedBy: item.publishedBy,
  };
}

/**
 * Told after a server's versions or probed tools changed, once the write succeeded. shared/compose.ts passes the
 * one that keeps search in step; a Registry built without one (readers, store tests) changes nothing else.
 */
export interface RegistryListener {
  serverChanged(name: string): Promise<void>;
}

export class Registry {
  constructor(
    private readonly table: Table,
    private readonly listener?: RegistryListener,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async publish(doc: ServerDocument, caller: Caller): Promise<ServerVersionRecord> {
    const bytes = Buffer.byteLength(JSON.stringify(doc));
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw new PayloadTooLargeError(
        `The server document is ${bytes} bytes; a stored version holds at most ${MAX_DOCUMENT_BYTES}.`,
        { issues: [{ field: "body", rule: `must serialise to at most ${MAX_DOCUMENT_BYTES} bytes` }] },
      );
    }
    const at = this.now().toISOString();
    const item: VersionItem = {
      pk: serverKey(doc.name),
      sk: versionKey(doc.version),
      name: doc.name,
      version: doc.version,
      document: doc,
      status: "active",
      publishedAt: at,
      updatedAt: at,
      publishedBy: caller.id,
    };
    if (!(await putIfAbsent(this.table, { ...item }))) {
      throw new ConflictError(`${doc.name} ${doc.version} is already published; versions are immutable.`, {
        issues: [{ field: "version", rule: "must be a version not yet published for this server" }],
      });
    }
    // The version item is the commit: from here on the answer is 201, whatever the head's contention.
    const head = await this.refreshHead(doc.name, item);
    await this.listener?.serverChanged(doc.name);
    return toRecord(item, head?.latestVersion);
  }

  /** What the last probe of a version found; a version never probed is a 404 that says how to probe it. */
  async probed(name: string, version: string): Promise<ProbeResult> {
    await this.getVersion(name, version);
    const probe = await getProbe(this.table, name, version);
    if (!probe) throw new NotFoundError(`${name}@${version} has not been probed; POST .../probe first.`);
    return probe;
  }

  /** Keeps what a probe found next to the version; its tools become searchable. */
  async saveProbe(name: string, version: string, probe: ProbeResult): Promise<void> {
    await saveProbe(this.table, name, version, probe);
    await this.listener?.serverChanged(name);
  }

  /**
   * Recomputes the head item from a consistent read of all versions; optimistic locking on `revision`. A write that
   * loses the race reads again: a head already equal to what the versions say is left alone, so only writers that
   * change the answer contend. The head is a projection of the version items, which are the commit, so this never
   * fails a write that stored its item: after the last attempt the next reader repairs the head (currentHead).
   */
  private async refreshHead(name: string, published?: VersionItem): Promise<HeadItem | undefined> {
    let computed: HeadItem | undefined;
    for (let attempt = 0; attempt < HEAD_ATTEMPTS; attempt++) {
      const current = await this.getHead(name, true);
      // A new active version that is not the latest leaves the head as it is: only the publishes that change the
      // answer contend for it.
      if (
        published &&
        current &&
        !current.allDeleted &&
        pickLatest([current.latest, published]) === current.latest
      )
        return current;
      computed = headFrom(name, await this.listVersionItems(name), current);
      if (!computed) return undefined;
      if (current && sameHead(current, computed)) return current;
      try {
        await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: computed,
            ConditionExpression: current ? "revision = :revision" : "attribute_not_exists(pk)",
            ...(current ? { ExpressionAttributeValues: { ":revision": current.revision } } : {}),
          }),
        );
        return computed;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      await backoff(attempt);
    }
    return computed;
  }

  /**
   * The head as the version items say it is, repaired first when a write stopped between storing its version and
   * refreshing the head (a crash, a timeout, contention it gave up on).
   */
  private async currentHead(name: string): Promise<HeadItem | undefined> {
    const [current, versions] = await Promise.all([this.getHead(name, true), this.listVersionItems(name)]);
    const computed = headFrom(name, versions, current);
    if (!computed) return undefined;
    if (current && sameHead(current, computed)) return current;
    return (await this.refreshHead(name)) ?? computed;
  }

  /**
   * Deleting a version that a workflow save may be pinning at the same moment: the delete first marks the version
   * retiring, which fails while a pin is recent and makes later pins fail; only then does it look for workflows
   * that pin it, and only a delete still holding its mark may set the status. Saves pin (pinVersions) before they
   * claim their slot, so of a save and a delete that overlap, at most one succeeds.
   */
  async deleteVersion(
    name: string,
    version: string,
    pinnedBy: (pinners: string[]) => Promise<string[]>,
    statusMessage?: string,
  ): Promise<ServerVersionRecord> {
    const mark = randomUUID();
    const now = this.now();
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: serverKey(name), sk: versionKey(version) },
          UpdateExpression: "SET retiringAt = :now, retiringMark = :mark",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(lastPinAt) OR lastPinAt < :recent) AND " +
            "(attribute_not_exists(retiringAt) OR retiringAt < :recent)",
          ExpressionAttributeValues: {
            ":now": now.toISOString(),
            ":mark": mark,
            ":recent": new Date(now.getTime() - PIN_WINDOW_MS).toISOString(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const item = await this.getVersionItem(name, version);
      if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
      const pinning = await pinnedBy([...(item.pinnedBy ?? [])]);
      if (pinning.length > 0) throw pinnedError(name, version, pinning);
      throw new ConflictError(
        item.retiringAt && item.retiringAt >= new Date(now.getTime() - PIN_WINDOW_MS).toISOString()
          ? `${name}@${version} is being deleted by another request.`
          : `A workflow that pins ${name}@${version} is being saved; try again in a few seconds.`,
        { issues: [{ field: "status", rule: "cannot delete a version while a workflow save pins it" }] },
      );
    }
    const item = await this.getVersionItem(name, version);
    const pinning = await pinnedBy([...(item?.pinnedBy ?? [])]);
    if (pinning.length > 0) {
      await this.table.doc
        .send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: serverKey(name), sk: versionKey(version) },
            UpdateExpression: "REMOVE retiringAt, retiringMark",
            ConditionExpression: "retiringMark = :mark",
            ExpressionAttributeValues: { ":mark": mark },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionalCheckFailed(error)) throw error;
        });
      throw pinnedError(name, version, pinning);
    }
    return this.setStatus(
      name,
      version,
      { status: "deleted", ...(statusMessage !== undefined ? { statusMessage } : {}) },
      mark,
    );
  }

  /**
   * Marks `workflow` as pinning each version, refused when a version is deleted or being deleted. Answers the
   * issues (field `steps[i].server`) of the versions that could not be pinned; none means all are pinned.
   */
  async pinVersions(
    workflow: string,
    pins: { name: string; version: string; field: string }[],
  ): Promise<FieldIssue[]> {
    const issues: FieldIssue[] = [];
    const now = this.now();
    for (const pin of pins) {
      try {
        await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: serverKey(pin.name), sk: versionKey(pin.version) },
            UpdateExpression: "SET lastPinAt = :now ADD pinnedBy :workflow",
            ConditionExpression:
              "attribute_exists(pk) AND #status <> :deleted AND " +
              "(attribute_not_exists(retiringAt) OR retiringAt < :recent)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":now": now.toISOString(),
              ":workflow": new Set([workflow]),
              ":deleted": "deleted",
              ":recent": new Date(now.getTime() - PIN_WINDOW_MS).toISOString(),
            },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        issues.push({ field: pin.field, rule: `${pin.name}@${pin.version} is deleted or being deleted` });
      }
    }
    return issues;
  }

  private async getVersionItem(name: string, version: string): Promise<VersionItem | undefined> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: serverKey(name), sk: versionKey(version) },
        ConsistentRead: true,
      }),
    );
    return result.Item as VersionItem | undefined;
  }

  private async getHead(name: string, consistent = false): Promise<HeadItem | undefined> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: serverKey(name), sk: "HEAD" },
        ConsistentRead: consistent,
      }),
    );
    return result.Item as HeadItem | undefined;
  }

  private async listVersionItems(name: string): Promise<VersionItem[]> {
    return await queryAll<VersionItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": serverKey(name), ":v": "V#" },
      ConsistentRead: true,
    });
  }

  private async requireHead(name: string): Promise<HeadItem> {
    const head = await this.currentHead(name);
    if (!head) throw new NotFoundError(`No server named ${name}.`);
    return head;
  }

  async getLatest(name: string, includeDeleted = false): Promise<ServerVersionRecord> {
    const head = await this.requireHead(name);
    if (head.allDeleted && !includeDeleted) throw new NotFoundError(`Every version of ${name} is deleted.`);
    return toRecord(head.latest, head.latestVersion);
  }

  async getVersion(name: string, version: string): Promise<ServerVersionRecord> {
    const [item, head] = await Promise.all([this.getVersionItem(name, version), this.currentHead(name)]);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    return toRecord(item, head?.latestVersion);
  }

  /**
   * One version as a run start checks it (its document, runtime and status) in one read: without the head, so
   * `isLatest` is false whatever the version. getVersion answers it with the head.
   */
  async getVersionToRun(name: string, version: string): Promise<ServerVersionRecord> {
    const item = await this.getVersionItem(name, version);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    return toRecord(item, undefined);
  }

  async listVersions(name: string, includeDeleted: boolean): Promise<ServerVersionRecord[]> {
    const head = await this.requireHead(name);
    const items = await this.listVersionItems(name);
    return sortNewestFirst(items)
      .filter((item) => includeDeleted || item.status !== "deleted")
      .map((item) => toRecord(item, head.latestVersion));
  }

  /** Every version of a server, deleted ones included, newest first; empty when there is no such server. */
  async versionRecords(name: string): Promise<ServerVersionRecord[]> {
    const head = await this.getHead(name);
    if (!head) return [];
    return sortNewestFirst(await this.listVersionItems(name)).map((item) =>
      toRecord(item, head.latestVersion),
    );
  }

  /** `mark`: the retiring mark a delete holds (deleteVersion); the status changes only while it still holds it. */
  async setStatus(
    name: string,
    version: string,
    patch: StatusPatch,
    mark?: string,
  ): Promise<ServerVersionRecord> {
    if (patch.status === "deleted" && mark === undefined) {
      return this.deleteVersion(name, version, async () => [], patch.statusMessage);
    }
    const sets = ["updatedAt = :at"];
    const values: Record<string, unknown> = { ":at": this.now().toISOString() };
    if (patch.status) {
      sets.push("#status = :status");
      values[":status"] = patch.status;
    }
    if (patch.statusMessage !== undefined) {
      sets.push("statusMessage = :message");
      values[":message"] = patch.statusMessage;
    }
    if (mark !== undefined) values[":mark"] = mark;
    let updated: VersionItem;
    try {
      const result = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: serverKey(name), sk: versionKey(version) },
          UpdateExpression: `SET ${sets.join(", ")}${mark !== undefined ? " REMOVE retiringAt, retiringMark" : ""}`,
          ConditionExpression: mark !== undefined ? "retiringMark = :mark" : "attribute_exists(pk)",
          ExpressionAttributeNames: patch.status ? { "#status": "status" } : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      updated = result.Attributes as VersionItem;
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        if (mark === undefined) throw new NotFoundError(`No version ${version} of ${name}.`);
        throw new ConflictError(`${name}@${version} was pinned while it was being deleted; it stays.`, {
          issues: [{ field: "status", rule: "cannot delete a version while a workflow save pins it" }],
        });
      }
      throw error;
    }
    const head = await this.refreshHead(name);
    await this.listener?.serverChanged(name);
    return toRecord(updated, head?.latestVersion);
  }

  /** Every server's head; the registry is read as a whole for facets, which suits thousands of servers. */
  async listHeads(): Promise<HeadItem[]> {
    return listServerHeads<HeadItem>(this.table);
  }

  /** `score`, when given, orders by relevance (highest first) instead of by name; pages then follow that order. */
  /**
   * A page of servers with facets. With `search` and a ranker (the search index), matching and order come from
   * the search engine (prefix, typo tolerance, field weights); without a ranker, a substring match by name.
   */
  async list(query: ServerListQuery, ranker?: ServerRanker): Promise<ServerList> {
    const ranked = ranker && query.search?.trim() ? await ranker.rankServers(query.search) : undefined;
    const matches = ranked && ((record: ServerVersionRecord) => ranked.has(record.server.name));
    const score = ranked && ((record: ServerVersionRecord) => ranked.get(record.server.name) ?? 0);
    const includeDeleted = query.include_deleted === "true" || query.status === "deleted";
    const after = decodeCursor(query.cursor, ListPosition)?.after;
    const needle = query.search?.toLowerCase();
    const matched = (await this.listHeads())
      .filter((head) => includeDeleted || !head.allDeleted)
      .map((head) => toRecord(head.latest, head.latestVersion))
      .filter((record) => !query.status || record.status === query.status)
      .filter((record) => !query.tag || (record.server.tags ?? []).includes(query.tag))
      .filter((record) => !query.category || record.server.category === query.category)
      .filter((record) => (matches ? matches(record) : !needle || substringMatch(record, needle)))
      // Code-unit order, the same order the cursor's `>` compares in; localeCompare would skip or repeat names.
      .sort(
        (a, b) =>
          (score ? score(b) - score(a) : 0) ||
          (a.server.name < b.server.name ? -1 : a.server.name > b.server.name ? 1 : 0),
      );

    const facets = { tags: {} as Record<string, number>, categories: {} as Record<string, number> };
    for (const record of matched) {
      for (const tag of record.server.tags ?? []) facets.tags[tag] = (facets.tags[tag] ?? 0) + 1;
      const category = record.server.category;
      if (category) facets.categories[category] = (facets.categories[category] ?? 0) + 1;
    }
    // Ranked pages continue after the cursor's name in ranked order; name-ordered pages compare names.
    const rest = !after
      ? matched
      : score
        ? matched.slice(matched.findIndex((record) => record.server.name === after) + 1)
        : matched.filter((record) => record.server.name > after);
    const page = rest.slice(0, query.limit);
    const last = page.at(-1);
    return {
      servers: page,
      facets,
      total: matched.length,
      ...(rest.length > page.length && last ? { nextCursor: encodeCursor({ after: last.server.name }) } : {}),
    };
  }
}

/** Relevance of the servers matching `q`, keyed by name (SearchIndex.rankServers). */
export interface ServerRanker {
  rankServers(q: string): Promise<Map<string, number>>;
}

export interface ServerList {
  servers: ServerVersionRecord[];
  facets: { tags: Record<string, number>; categories: Record<string, number> };
  total: number;
  nextCursor?: string;
}

function substringMatch(record: ServerVersionRecord, needle: string): boolean {
  const doc = record.server;
  return [doc.name, doc.title, doc.description, ...(doc.tags ?? []), doc.category]
    .filter((value): value is string => typeof value === "string")
    .some((value) => value.toLowerCase().includes(needle));
}

/** Where a page of the server listing ended: the last name on it. */
const ListPosition = z.strictObject({ after: z.string() });

/** server.json as the official registry knows it: mcpflow's fields move under `_meta["dev.mcpflow/registry"]`. */
export function exportServerJson(doc: ServerDocument): Record<string, unknown> {
  const { tags, category, runtime, ...official } = doc;
  const ours = {
    ...(tags ? { tags } : {}),
    ...(category ? { category } : {}),
    ...(runtime ? { runtime } : {}),
  };
  const meta = {
    ...(official._meta ?? {}),
    ...(Object.keys(ours).length > 0 ? { [MCPFLOW_META_KEY]: ours } : {}),
  };
  return {
    $schema: official.$schema ?? SERVER_SCHEMA_URL,
    ...official,
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
}

/** The inverse of exportServerJson: lifts mcpflow's fields out of `_meta` and validates the whole document. */
export function importServerJson(
  value: unknown,
): { ok: true; doc: ServerDocument } | { ok: false; issues: FieldIssue[] } {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, issues: [{ field: "server", rule: "must be a server.json object" }] };
  }
  const { _meta, ...rest } = value as Record<string, unknown>;
  let candidate: Record<string, unknown> = rest;
  if (_meta && typeof _meta === "object" && !Array.isArray(_meta)) {
    const { [MCPFLOW_META_KEY]: ours, ...others } = _meta as Record<string, unknown>;
    if (ours !== undefined && (typeof ours !== "object" || ours === null || Array.isArray(ours))) {
      return { ok: false, issues: [{ field: `_meta.${MCPFLOW_META_KEY}`, rule: "must be an object" }] };
    }
    candidate = { ...rest, ...((ours as Record<string, unknown>) ?? {}) };
    if (Object.keys(others).length > 0) candidate._meta = others;
  } else if (_meta !== undefined) {
    candidate._meta = _meta;
  }
  const parsed = ServerDocument.safeParse(candidate);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error as z.core.$ZodError, "") };
  return { ok: true, doc: parsed.data };
}
