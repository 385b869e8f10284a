// MCD storage: immutable version items (`pk=MCD#slug, sk=V#000001`) and a head item naming the latest version.
// Saves are optimistic: the next version item is put only if absent, then the head moves only if it still names
// the version the caller read (If-Match). dynalite has no transactions, so a loser cleans up what it wrote.
import { createHash, randomUUID } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  PreconditionRequiredError,
} from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { Platform } from "../platform.js";
import {
  decodeCursor,
  encodeCursor,
  isConditionalCheckFailed,
  putIfAbsent,
  queryAll,
} from "../store/table.js";
import { checkLinks } from "./links.js";
import { mcdKey, mcdVersionKey as versionKey } from "./read.js";
import {
  MAX_BODY_BYTES,
  type McdDocument,
  type McdFields,
  type McdListQuery,
  type McdSummary,
  type McdVersionMeta,
} from "./schema.js";

/** Bodies up to this size stay in the version item; larger ones go to the blob store (items max 400 KB). */
export const INLINE_BODY_BYTES = 100 * 1024;

interface VersionItem extends McdVersionMeta {
  pk: string;
  sk: string;
  body?: string;
  bodyKey?: string;
  /** Unique per write attempt, so a loser deletes only its own item. */
  writeId: string;
}

interface HeadItem extends McdSummary {
  pk: string;
  sk: "HEAD";
  gsi1pk: "MCDS";
  gsi1sk: string;
}

function meta(item: McdVersionMeta): McdVersionMeta {
  return {
    slug: item.slug,
    version: item.version,
    title: item.title,
    tags: item.tags,
    links: item.links,
    bodyBytes: item.bodyBytes,
    bodySha256: item.bodySha256,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
  };
}

function summary(head: HeadItem): McdSummary {
  return { ...meta(head), firstCreatedAt: head.firstCreatedAt };
}

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

/** Told after an MCD's store write succeeded; shared/compose.ts keeps search and reverse links in step with it. */
export interface McdListener {
  saved(mcd: McdVersionMeta): Promise<void>;
  deleted(slug: string): Promise<void>;
}

export interface McdServiceDeps {
  listener: McdListener;
  /** Link checks: workflows belong to another area, read without importing its service. */
  workflowExists(name: string): Promise<boolean>;
}

export class McdService {
  constructor(
    private readonly platform: Platform,
    private readonly deps: McdServiceDeps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get table() {
    return this.platform.table;
  }

  async create(fields: McdFields, caller: Caller): Promise<McdDocument> {
    await this.checkLinks(fields);
    const item = await this.prepareVersion(fields, 1, caller);
    if (!(await this.putVersion(item))) {
      throw new ConflictError(`An MCD with slug ${fields.slug} already exists.`, {
        issues: [{ field: "slug", rule: "must not be taken by another MCD" }],
      });
    }
    const head = this.headOf(item, item.createdAt);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: head,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      await this.discardVersion(item);
      if (isConditionalCheckFailed(error)) {
        throw new ConflictError(`An MCD with slug ${fields.slug} already exists.`, {
          issues: [{ field: "slug", rule: "must not be taken by another MCD" }],
          cause: error,
        });
      }
      throw error;
    }
    await this.afterSave(item);
    return { ...meta(item), body: fields.body };
  }

  async update(fields: McdFields, expected: number, caller: Caller): Promise<McdDocument> {
    const current = await this.getHead(fields.slug, true);
    if (!current) throw new NotFoundError(`No MCD with slug ${fields.slug}.`);
    if (current.version !== expected) throw this.stale(fields.slug, expected, current.version);
    await this.checkLinks(fields);
    const item = await this.prepareVersion(fields, expected + 1, caller);
    if (!(await this.putVersion(item))) {
      throw this.stale(fields.slug, expected, (await this.getHead(fields.slug, true))?.version);
    }
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: this.headOf(item, current.firstCreatedAt),
          ConditionExpression: "#version = :expected",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":expected": expected },
        }),
      );
    } catch (error) {
      await this.discardVersion(item);
      if (isConditionalCheckFailed(error)) {
        throw this.stale(fields.slug, expected, (await this.getHead(fields.slug, true))?.version);
      }
      throw error;
    }
    await this.afterSave(item);
    return { ...meta(item), body: fields.body };
  }

  async get(slug: string): Promise<McdDocument> {
    const head = await this.requireHead(slug);
    return this.getVersion(slug, head.version);
  }

  async exists(slug: string): Promise<boolean> {
    return (await this.getHead(slug)) !== undefined;
  }

  async getVersion(slug: string, version: number): Promise<McdDocument> {
    const [result, head] = await Promise.all([
      this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: { pk: mcdKey(slug), sk: versionKey(version) } }),
      ),
      this.getHead(slug),
    ]);
    const item = result.Item as VersionItem | undefined;
    // A version past the head is a save still in flight (or a loser being cleaned up); without a head, deleted.
    if (!item || !head || version > head.version) {
      throw new NotFoundError(`No version ${version} of MCD ${slug}.`);
    }
    return { ...meta(item), body: await this.bodyOf(item) };
  }

  async listVersions(slug: string): Promise<McdVersionMeta[]> {
    const head = await this.requireHead(slug);
    const items = await this.versionItems(slug);
    return items
      .filter((item) => item.version <= head.version)
      .sort((a, b) => b.version - a.version)
      .map(meta);
  }

  async list(query: McdListQuery): Promise<{ items: McdSummary[]; nextCursor?: string }> {
    const items: HeadItem[] = [];
    let start = decodeCursor(query.cursor);
    let last: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk",
          ...(query.tag
            ? { FilterExpression: "contains(#tags, :tag)", ExpressionAttributeNames: { "#tags": "tags" } }
            : {}),
          ExpressionAttributeValues: { ":pk": "MCDS", ...(query.tag ? { ":tag": query.tag } : {}) },
          ExclusiveStartKey: start,
          Limit: query.tag ? 100 : query.limit + 1,
        }),
      );
      items.push(...((page.Items ?? []) as HeadItem[]));
      last = page.LastEvaluatedKey;
      start = last;
    } while (start && items.length <= query.limit);
    const pageItems = items.slice(0, query.limit);
    const final = pageItems.at(-1);
    const more = items.length > query.limit || (last !== undefined && items.length === query.limit);
    return {
      items: pageItems.map(summary),
      ...(more && final
        ? {
            nextCursor: encodeCursor({
              pk: final.pk,
              sk: final.sk,
              gsi1pk: final.gsi1pk,
              gsi1sk: final.gsi1sk,
            }),
          }
        : {}),
    };
  }

  async delete(slug: string): Promise<void> {
    try {
      // The head goes first: from this moment the MCD is not found, and concurrent saves fail their condition.
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: { pk: mcdKey(slug), sk: "HEAD" },
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`No MCD with slug ${slug}.`);
      throw error;
    }
    await this.deps.listener.deleted(slug);
    for (const item of await this.versionItems(slug)) await this.discardVersion(item, false);
  }

  private stale(slug: string, expected: number, actual: number | undefined): PreconditionFailedError {
    return new PreconditionFailedError(
      actual === undefined
        ? `MCD ${slug} no longer exists.`
        : `MCD ${slug} is at version ${actual}; this edit was based on version ${expected}. Nothing was saved.`,
      {
        issues: [{ field: "if-match", rule: `must be the current version${actual ? ` (${actual})` : ""}` }],
        ...(actual ? { extra: { currentVersion: actual } } : {}),
      },
    );
  }

  private async checkLinks(fields: McdFields): Promise<void> {
    await checkLinks(this.platform, fields.links, {
      mcdExists: (slug) => (slug === fields.slug ? Promise.resolve(true) : this.exists(slug)),
      workflowExists: this.deps.workflowExists,
    });
  }

  private async prepareVersion(fields: McdFields, version: number, caller: Caller): Promise<VersionItem> {
    const bytes = Buffer.from(fields.body, "utf8");
    if (bytes.length > MAX_BODY_BYTES) {
      throw new PayloadTooLargeError(
        `The body is ${bytes.length} bytes; MCD bodies are at most ${MAX_BODY_BYTES}.`,
        {
          issues: [{ field: "body", rule: `must be at most ${MAX_BODY_BYTES} bytes of UTF-8` }],
        },
      );
    }
    const writeId = randomUUID();
    const item: VersionItem = {
      pk: mcdKey(fields.slug),
      sk: versionKey(version),
      slug: fields.slug,
      version,
      title: fields.title,
      tags: fields.tags,
      links: fields.links,
      bodyBytes: bytes.length,
      bodySha256: createHash("sha256").update(bytes).digest("hex"),
      createdAt: this.now().toISOString(),
      createdBy: caller.id,
      writeId,
    };
    if (bytes.length <= INLINE_BODY_BYTES) {
      item.body = fields.body;
    } else {
      // A key per write attempt: two racing saves of the same version never overwrite each other's blob.
      item.bodyKey = `mcds/${fields.slug}/${writeId}.md`;
      await this.platform.blobs.put(item.bodyKey, bytes, "text/markdown; charset=utf-8");
    }
    return item;
  }

  /** False when the version is taken (another save won, or the slug exists). */
  private async putVersion(item: VersionItem): Promise<boolean> {
    if (await putIfAbsent(this.table, { ...item })) return true;
    if (item.bodyKey) await this.platform.blobs.delete(item.bodyKey);
    return false;
  }

  private async discardVersion(item: VersionItem, onlyOurs = true): Promise<void> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: { pk: item.pk, sk: item.sk },
          ...(onlyOurs
            ? { ConditionExpression: "writeId = :id", ExpressionAttributeValues: { ":id": item.writeId } }
            : {}),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    if (item.bodyKey) await this.platform.blobs.delete(item.bodyKey);
  }

  private headOf(item: VersionItem, firstCreatedAt: string): HeadItem {
    return {
      ...meta(item),
      firstCreatedAt,
      pk: mcdKey(item.slug),
      sk: "HEAD",
      gsi1pk: "MCDS",
      gsi1sk: item.slug,
    };
  }

  private async afterSave(item: VersionItem): Promise<void> {
    await this.deps.listener.saved(meta(item));
  }

  /** Consistent by default: a GET right after a save must see it (on AWS a plain GetItem may not). */
  private async getHead(slug: string, consistent = true): Promise<HeadItem | undefined> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: mcdKey(slug), sk: "HEAD" },
        ConsistentRead: consistent,
      }),
    );
    return result.Item as HeadItem | undefined;
  }

  private async requireHead(slug: string): Promise<HeadItem> {
    const head = await this.getHead(slug);
    if (!head) throw new NotFoundError(`No MCD with slug ${slug}.`);
    return head;
  }

  private async versionItems(slug: string): Promise<VersionItem[]> {
    return queryAll<VersionItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": mcdKey(slug), ":v": "V#" },
      ConsistentRead: true,
    });
  }

  private async bodyOf(item: VersionItem): Promise<string> {
    if (item.body !== undefined) return item.body;
    if (!item.bodyKey) return "";
    const bytes = await this.platform.blobs.get(item.bodyKey);
    if (!bytes) throw new Error(`The body of ${item.slug} v${item.version} is missing from the blob store.`);
    return Buffer.from(bytes).toString("utf8");
  }
}
