// The registry: immutable server versions, a head item per server that names its latest version, listing with
// facets, status changes, and server.json import/export. Writes that could race use conditional puts.
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  BadRequestError,
  ConflictError,
  type FieldIssue,
  NotFoundError,
  PayloadTooLargeError,
} from "../errors.js";
import { issuesFromZod } from "../http/problem.js";
import type { Caller } from "../identity/roles.js";
import type { ProbeResult } from "../mcp/probe-result.js";
import { isConditionalCheckFailed, putIfAbsent, queryAll, type Table } from "../store/table.js";
import type * as z from "../zod.js";
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
import { saveProbe } from "./tools.js";
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
    const head = await this.refreshHead(doc.name);
    await this.listener?.serverChanged(doc.name);
    return toRecord(item, head?.latestVersion);
  }

  /** Keeps what a probe found next to the version; its tools become searchable. */
  async saveProbe(name: string, version: string, probe: ProbeResult): Promise<void> {
    await saveProbe(this.table, name, version, probe);
    await this.listener?.serverChanged(name);
  }

  /** Recomputes the head item from a consistent read of all versions; optimistic locking on `revision`. */
  private async refreshHead(name: string): Promise<HeadItem | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.getHead(name, true);
      const versions = await this.listVersionItems(name);
      const live = versions.filter((v) => v.status !== "deleted");
      const latest = pickLatest(live.length > 0 ? live : versions);
      if (!latest) return undefined;
      const head: HeadItem = {
        pk: serverKey(name),
        sk: "HEAD",
        gsi1pk: "SERVERS",
        gsi1sk: name,
        name,
        latestVersion: latest.version,
        latest,
        allDeleted: live.length === 0,
        revision: (current?.revision ?? 0) + 1,
      };
      try {
        await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: head,
            ConditionExpression: current ? "revision = :revision" : "attribute_not_exists(pk)",
            ...(current ? { ExpressionAttributeValues: { ":revision": current.revision } } : {}),
          }),
        );
        return head;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new ConflictError(`Too many concurrent changes to ${name}; try again.`);
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
    const head = await this.getHead(name);
    if (!head) throw new NotFoundError(`No server named ${name}.`);
    return head;
  }

  async getLatest(name: string, includeDeleted = false): Promise<ServerVersionRecord> {
    const head = await this.requireHead(name);
    if (head.allDeleted && !includeDeleted) throw new NotFoundError(`Every version of ${name} is deleted.`);
    return toRecord(head.latest, head.latestVersion);
  }

  async getVersion(name: string, version: string): Promise<ServerVersionRecord> {
    const result = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: serverKey(name), sk: versionKey(version) } }),
    );
    if (!result.Item) throw new NotFoundError(`No version ${version} of ${name}.`);
    const head = await this.getHead(name);
    return toRecord(result.Item as VersionItem, head?.latestVersion);
  }

  async listVersions(name: string, includeDeleted: boolean): Promise<ServerVersionRecord[]> {
    const head = await this.requireHead(name);
    const items = await this.listVersionItems(name);
    return sortNewestFirst(items)
      .filter((item) => includeDeleted || item.status !== "deleted")
      .map((item) => toRecord(item, head.latestVersion));
  }

  async setStatus(name: string, version: string, patch: StatusPatch): Promise<ServerVersionRecord> {
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
    let updated: VersionItem;
    try {
      const result = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: serverKey(name), sk: versionKey(version) },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: patch.status ? { "#status": "status" } : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      updated = result.Attributes as VersionItem;
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`No version ${version} of ${name}.`);
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
  async list(
    query: ServerListQuery,
    matches?: (record: ServerVersionRecord) => boolean,
    score?: (record: ServerVersionRecord) => number,
  ): Promise<ServerList> {
    const includeDeleted = query.include_deleted === "true" || query.status === "deleted";
    const after = query.cursor ? decodeListCursor(query.cursor) : undefined;
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
      ...(rest.length > page.length && last ? { nextCursor: encodeListCursor(last.server.name) } : {}),
    };
  }
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

function encodeListCursor(name: string): string {
  return Buffer.from(JSON.stringify({ after: name })).toString("base64url");
}

function decodeListCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof value.after === "string") return value.after;
  } catch {
    // reported below
  }
  throw new BadRequestError("The cursor is not one this API returned.", {
    issues: [{ field: "cursor", rule: "must be a nextCursor value returned by a previous page" }],
  });
}

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
