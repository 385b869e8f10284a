// The registry: immutable server versions, a head item per server that names its latest version, listing with
// facets, status changes, and server.json import/export. Writes that could race use conditional puts.
import { randomUUID } from "node:crypto";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, type FieldIssue, NotFoundError, PayloadTooLargeError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { ProbeResult } from "../mcp/probe-result.js";
import { decodeCursor, encodeCursor } from "../store/cursor.js";
import { isConditionalCheckFailed, putIfAbsent, queryAll, type Table } from "../store/table.js";
import { issuesFromZod } from "../validation.js";
import * as z from "../zod.js";
import { decideRunPermission, displayedRunPermission } from "./approval.js";
import { changeServer, readHead, readHeadAndVersion } from "./head-projection.js";
import { type ListingFilter, type ListingItem, readListingItems, readListingPage } from "./listing.js";
import { facetsOf, type ListingSummary, listingSnapshot, matchesFilter } from "./listing-snapshot.js";
import { displayedRuntimePolicy } from "./runtime-policy.js";
import {
  MCPFLOW_META_KEY,
  SERVER_SCHEMA_URL,
  ServerDocument,
  type ServerListQuery,
  type ServerVersionRecord,
  type StatusPatch,
} from "./schema.js";
import { type ProjectedHead, serverKey, toRecord, type VersionItem, versionKey } from "./server-items.js";
import { getProbe, saveProbe } from "./tools.js";
import { pickLatest, sortNewestFirst } from "./versions.js";

/** DynamoDB items hold 400 KB; a version item, the head and each listing item carry the whole document. */
export const MAX_DOCUMENT_BYTES = 350 * 1024;

/** How long a pin keeps a delete away, and a delete's mark keeps pins away: longer than any save or delete runs
 * (API Gateway cuts a request at 29 s), short enough that a crash in between blocks nothing for long. */
const PIN_WINDOW_MS = 30_000;

function pinnedError(name: string, version: string, pinning: string[]): ConflictError {
  return new ConflictError(`${name}@${version} is pinned by workflow(s) ${pinning.join(", ")}.`, {
    issues: [{ field: "status", rule: `cannot delete a version that workflows pin: ${pinning.join(", ")}` }],
    extra: { workflows: pinning },
  });
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
    // The version item is the commit: from here on the answer is 201, whatever the head's contention. A new
    // active version that is not the latest leaves the head as it is (only publishes that change it contend).
    const { head } = await changeServer(
      this.table,
      doc.name,
      async () => {
        if (!(await putIfAbsent(this.table, { ...item }))) {
          throw new ConflictError(
            `${doc.name} ${doc.version} is already published; versions are immutable.`,
            {
              issues: [{ field: "version", rule: "must be a version not yet published for this server" }],
            },
          );
        }
      },
      {
        now: () => this.now().getTime(),
        unchangedIf: (current) =>
          !current.allDeleted && pickLatest([current.latest, item]) === current.latest,
      },
    );
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

  private async listVersionItems(name: string): Promise<VersionItem[]> {
    return await queryAll<VersionItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": serverKey(name), ":v": "V#" },
      ConsistentRead: true,
    });
  }

  private async requireHead(name: string, includeDeleted = true): Promise<ProjectedHead> {
    const head = await readHead(this.table, name);
    if (!head) throw new NotFoundError(`No server named ${name}.`);
    if (head.allDeleted && !includeDeleted) throw new NotFoundError(`Every version of ${name} is deleted.`);
    return head;
  }

  /** The latest version: one read of the head (projected again first only when a write left it behind). */
  async getLatest(name: string, includeDeleted = false): Promise<ServerVersionRecord> {
    const head = await this.requireHead(name, includeDeleted);
    return toRecord(head.latest, head.latestVersion);
  }

  /** getLatest with whether it may run (`execution`), from the head's run facts: still one read. */
  async describeLatest(name: string, includeDeleted = false): Promise<ServerVersionRecord> {
    const head = await this.requireHead(name, includeDeleted);
    const record = toRecord(head.latest, head.latestVersion);
    const facts = head.runFacts ?? { grants: [] };
    return { ...record, execution: await displayedRunPermission(this.table, record, facts) };
  }

  /** One version, and whether it is the latest: the version and the head in one BatchGetItem. */
  async getVersion(name: string, version: string): Promise<ServerVersionRecord> {
    const { head, item } = await readHeadAndVersion(this.table, name, version);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    return toRecord(item, head?.latestVersion);
  }

  /** getVersion with `execution`: the version's approval comes in the same BatchGetItem, the grants on the head. */
  async describeVersion(name: string, version: string): Promise<ServerVersionRecord> {
    const { head, item, approval } = await readHeadAndVersion(this.table, name, version, true);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    const record = toRecord(item, head?.latestVersion);
    const facts = { ...(approval ? { approval } : {}), grants: head?.runFacts?.grants ?? [] };
    return { ...record, execution: await displayedRunPermission(this.table, record, facts) };
  }

  /**
   * One version as a run start or a step checks it (its document, runtime and status) in one GetItem: without the
   * head, so `isLatest` is false whatever the version, and never a projection, which writes (the step executors'
   * role may read and write step records only: infra/policies.ts stepRecordAccess). getVersion answers with the head.
   */
  async getVersionToRun(name: string, version: string): Promise<ServerVersionRecord> {
    const item = await this.getVersionItem(name, version);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    return toRecord(item, undefined);
  }

  async listVersions(name: string, includeDeleted: boolean): Promise<ServerVersionRecord[]> {
    const [head, items] = await Promise.all([this.requireHead(name), this.listVersionItems(name)]);
    return sortNewestFirst(items)
      .filter((item) => includeDeleted || item.status !== "deleted")
      .map((item) => toRecord(item, head.latestVersion));
  }

  /** Every version of a server, deleted ones included, newest first; empty when there is no such server. */
  async versionRecords(name: string): Promise<ServerVersionRecord[]> {
    const [head, items] = await Promise.all([readHead(this.table, name), this.listVersionItems(name)]);
    if (!head) return [];
    return sortNewestFirst(items).map((item) => toRecord(item, head.latestVersion));
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
    const update = async (): Promise<VersionItem> => {
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
        return result.Attributes as VersionItem;
      } catch (error) {
        if (isConditionalCheckFailed(error)) {
          if (mark === undefined) throw new NotFoundError(`No version ${version} of ${name}.`);
          throw new ConflictError(`${name}@${version} was pinned while it was being deleted; it stays.`, {
            issues: [{ field: "status", rule: "cannot delete a version while a workflow save pins it" }],
          });
        }
        throw error;
      }
    };
    const { result: updated, head } = await changeServer(this.table, name, update, {
      now: () => this.now().getTime(),
      absent: () => new NotFoundError(`No version ${version} of ${name}.`),
    });
    await this.listener?.serverChanged(name);
    return toRecord(updated, head?.latestVersion);
  }

  /**
   * A page of servers with facets. Without `search`, the page is one query of the listing partition the filters
   * name (listing.ts), from the cursor on, in name order; facets and total come from the process's listing
   * snapshot (listing-snapshot.ts: this process's writes at once, others' within seconds). With `search`, the
   * match is over the snapshot (ranked by the search index when one is given, else a substring of name, title,
   * description, tags or category), and the page's items are read by name.
   */
  async list(query: ServerListQuery, ranker?: ServerRanker): Promise<ServerList> {
    const snapshot = listingSnapshot(this.table);
    await snapshot.ready();
    const filter: ListingFilter = {
      includeDeleted: query.include_deleted === "true" || query.status === "deleted",
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.tag !== undefined ? { tag: query.tag } : {}),
      ...(query.category !== undefined ? { category: query.category } : {}),
    };
    const after = decodeCursor(query.cursor, ListPosition)?.after;
    if (query.search?.trim()) return this.searchList(query, filter, after, snapshot.all(), ranker);
    const [{ facets, total }, page] = [
      snapshot.count(filter),
      await readListingPage(this.table, filter, after, query.limit),
    ];
    const servers = await this.withExecution(page.items);
    const last = page.items.at(-1);
    return {
      servers,
      facets,
      total,
      ...(page.more && last ? { nextCursor: encodeCursor({ after: last.sk }) } : {}),
    };
  }

  private async searchList(
    query: ServerListQuery,
    filter: ListingFilter,
    after: string | undefined,
    summaries: Iterable<ListingSummary>,
    ranker: ServerRanker | undefined,
  ): Promise<ServerList> {
    const search = query.search!;
    const ranked = ranker ? await ranker.rankServers(search) : undefined;
    const needle = search.toLowerCase();
    const score = (summary: ListingSummary) => ranked?.get(summary.name) ?? 0;
    const matched = [...summaries]
      .filter((summary) => matchesFilter(summary, filter))
      .filter((summary) => (ranked ? ranked.has(summary.name) : substringMatch(summary, needle)))
      // Code-unit order, the same order the cursor's `>` compares in; localeCompare would skip or repeat names.
      .sort((a, b) => score(b) - score(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Ranked pages continue after the cursor's name in ranked order; name-ordered pages compare names.
    const rest = !after
      ? matched
      : ranked
        ? matched.slice(matched.findIndex((summary) => summary.name === after) + 1)
        : matched.filter((summary) => summary.name > after);
    const page = rest.slice(0, query.limit);
    const items = await readListingItems(
      this.table,
      page.map((summary) => summary.name),
    );
    const last = page.at(-1);
    return {
      servers: await this.withExecution(items),
      facets: facetsOf(matched),
      total: matched.length,
      ...(rest.length > page.length && last ? { nextCursor: encodeCursor({ after: last.name }) } : {}),
    };
  }

  /** List entries with `execution`, from the run facts each listing item carries and the displayed policy. */
  private async withExecution(items: ListingItem[]): Promise<ServerVersionRecord[]> {
    const policy = await displayedRuntimePolicy(this.table);
    return items.map((item) => ({
      ...item.record,
      execution: decideRunPermission(item.record, item.runFacts, policy),
    }));
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

function substringMatch(summary: ListingSummary, needle: string): boolean {
  return [summary.name, summary.title, summary.description, ...summary.tags, summary.category]
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
