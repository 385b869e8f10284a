// MCD storage on a version log (shared/store/version-log.ts): each save or delete claims the next slot
// (`pk=MCD#slug, sk=V#000001`) with a conditional put; the head item names the latest version for listing and is
// rolled forward by whoever finds it behind. An update names the version it edited (If-Match).
import { createHash, randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError, PayloadTooLargeError, PreconditionFailedError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { Platform } from "../platform.js";
import { decodeCursor, encodeCursor, indexPosition } from "../store/cursor.js";
import { putIfAbsent, queryAll } from "../store/table.js";
import { backoff, highestSlot, moveHeadForward, SLOT_ATTEMPTS, slotKey } from "../store/version-log.js";
import { checkLinks } from "./links.js";
import { mcdKey } from "./read.js";
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
  /** Unique per write attempt: names the blob, so two racing saves never overwrite each other's body. */
  writeId: string;
  /** The version slot (sk); `version` counts from 1 again after a delete. Missing on items written before. */
  slot?: number;
  /** The slot of this MCD's version 1: slots below it belong to an MCD of the same slug that was deleted. */
  since?: number;
  firstCreatedAt?: string;
}

/** A delete claims a slot too: the MCD is gone from that slot on; the versions below it are purged. */
interface Tombstone {
  pk: string;
  sk: string;
  slug: string;
  slot: number;
  version: number;
  deleted: true;
}

/** What a slot below a tombstone becomes: the slot stays taken, so no late writer can reuse it. */
interface PurgedSlot {
  pk: string;
  sk: string;
  slot: number;
  version: number;
  purged: true;
}

type SlotItem = VersionItem | Tombstone | PurgedSlot;

interface HeadItem extends McdSummary {
  pk: string;
  sk: "HEAD";
  gsi1pk: "MCDS";
  gsi1sk: string;
  slot?: number;
  since?: number;
}

/** The head of a deleted MCD: out of the listing index, it only remembers how far the slots went. */
interface TombstoneHead {
  pk: string;
  sk: "HEAD";
  slug: string;
  slot: number;
  deleted: true;
}

const slotOf = (item: { slot?: number; version?: number }) => item.slot ?? item.version ?? 0;
const isLive = (item: SlotItem | undefined): item is VersionItem =>
  item !== undefined && !("deleted" in item) && !("purged" in item);

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

export { etagOf, parseIfMatch } from "../store/precondition.js";

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
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      // A retry after losing a slot does not repair: the head it finds behind is the winner's, still completing.
      const latest = await this.current(fields.slug, attempt === 0);
      if (isLive(latest)) throw this.taken(fields.slug);
      const slot = (latest ? slotOf(latest) : 0) + 1;
      const at = this.now().toISOString();
      const item = await this.prepareVersion(
        fields,
        { slot, version: 1, since: slot, firstCreatedAt: at },
        caller,
      );
      if (await this.claim(item)) {
        await this.complete(item);
        return { ...meta(item), body: fields.body };
      }
      await backoff(attempt);
    }
    throw this.taken(fields.slug);
  }

  async update(fields: McdFields, expected: number, caller: Caller): Promise<McdDocument> {
    const current = await this.current(fields.slug);
    if (!isLive(current)) throw new NotFoundError(`No MCD with slug ${fields.slug}.`);
    if (current.version !== expected) throw this.stale(fields.slug, expected, current.version);
    // The same document again makes no version: `apply` is idempotent.
    if (
      current.title === fields.title &&
      isDeepStrictEqual(current.tags, fields.tags) &&
      isDeepStrictEqual(current.links, fields.links) &&
      current.bodySha256 === createHash("sha256").update(Buffer.from(fields.body, "utf8")).digest("hex")
    )
      return { ...meta(current), body: fields.body };
    await this.checkLinks(fields);
    const item = await this.prepareVersion(
      fields,
      {
        slot: slotOf(current) + 1,
        version: expected + 1,
        since: current.since ?? 1,
        firstCreatedAt: current.firstCreatedAt ?? (await this.legacyFirstCreatedAt(current)),
      },
      caller,
    );
    if (!(await this.claim(item))) {
      const now = await this.current(fields.slug, false);
      throw this.stale(fields.slug, expected, isLive(now) ? now.version : undefined);
    }
    await this.complete(item);
    return { ...meta(item), body: fields.body };
  }

  async get(slug: string): Promise<McdDocument> {
    const latest = await this.requireLive(slug);
    return { ...meta(latest), body: await this.bodyOf(latest) };
  }

  async exists(slug: string): Promise<boolean> {
    return isLive(await this.current(slug));
  }

  async getVersion(slug: string, version: number): Promise<McdDocument> {
    const latest = await this.requireLive(slug);
    if (version > latest.version) throw new NotFoundError(`No version ${version} of MCD ${slug}.`);
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: mcdKey(slug), sk: slotKey((latest.since ?? 1) + version - 1) },
        ConsistentRead: true,
      }),
    );
    const item = result.Item as SlotItem | undefined;
    if (!isLive(item)) throw new NotFoundError(`No version ${version} of MCD ${slug}.`);
    return { ...meta(item), body: await this.bodyOf(item) };
  }

  async listVersions(slug: string): Promise<McdVersionMeta[]> {
    const latest = await this.requireLive(slug);
    const items = await queryAll<SlotItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": mcdKey(slug),
        ":from": slotKey(latest.since ?? 1),
        ":to": slotKey(slotOf(latest)),
      },
      ConsistentRead: true,
      ScanIndexForward: false,
    });
    return items.filter(isLive).map(meta);
  }

  async list(query: McdListQuery): Promise<{ items: McdSummary[]; nextCursor?: string }> {
    const items: HeadItem[] = [];
    let start: Record<string, unknown> | undefined = decodeCursor(query.cursor, indexPosition("MCDS"));
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

  /** Claims the next slot with a tombstone; from that moment the MCD is not found and saves based on it fail. */
  async delete(slug: string): Promise<void> {
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      const latest = await this.current(slug, attempt === 0);
      if (!isLive(latest)) throw new NotFoundError(`No MCD with slug ${slug}.`);
      const slot = slotOf(latest) + 1;
      const tombstone: Tombstone = {
        pk: mcdKey(slug),
        sk: slotKey(slot),
        slug,
        slot,
        version: latest.version + 1,
        deleted: true,
      };
      if (await putIfAbsent(this.table, { ...tombstone })) {
        await this.complete(tombstone);
        return;
      }
      await backoff(attempt);
    }
    throw new ConflictError(`Too many concurrent changes to MCD ${slug}; nothing was deleted. Try again.`);
  }

  /**
   * The MCD's highest slot, with its head rolled forward to it first if a save or delete stopped between its two
   * writes (a crash, a timeout): the state every read and write starts from.
   */
  private async current(slug: string, repair = true): Promise<SlotItem | undefined> {
    const [latest, head] = await Promise.all([
      highestSlot<SlotItem>(this.table, mcdKey(slug)),
      this.getHead(slug),
    ]);
    if (repair && latest && (!head || slotOf(head) < slotOf(latest))) await this.complete(latest);
    return latest;
  }

  /**
   * Everything after the slot is claimed: follow-ups first (references, search; each idempotent), then the head.
   * A head that is behind therefore means "follow-ups may be missing", and whoever rolls it forward runs them.
   */
  private async complete(item: SlotItem): Promise<void> {
    if ("purged" in item) return;
    if ("deleted" in item) {
      await this.deps.listener.deleted(item.slug);
      await this.purgeBelow(item);
      const head: TombstoneHead = {
        pk: item.pk,
        sk: "HEAD",
        slug: item.slug,
        slot: item.slot,
        deleted: true,
      };
      await moveHeadForward(this.table, { ...head }, item.slot, "slot", "version");
      return;
    }
    await this.afterSave(item);
    await moveHeadForward(
      this.table,
      { ...this.headOf(item, item.firstCreatedAt ?? (await this.legacyFirstCreatedAt(item))) },
      slotOf(item),
      "slot",
      "version",
    );
  }

  /** Overwrites every slot below a tombstone with a marker and deletes its blob: the history goes, the slot stays. */
  private async purgeBelow(tombstone: Tombstone): Promise<void> {
    const items = await queryAll<SlotItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      FilterExpression: "attribute_not_exists(purged)",
      ExpressionAttributeValues: {
        ":pk": tombstone.pk,
        ":from": slotKey(0),
        ":to": slotKey(tombstone.slot - 1),
      },
      ConsistentRead: true,
    });
    for (const item of items) {
      // The blob goes first: a crash in between leaves a slot that the next purge still finds.
      if ("bodyKey" in item && item.bodyKey) await this.platform.blobs.delete(item.bodyKey);
      const marker: PurgedSlot = {
        pk: item.pk,
        sk: item.sk,
        slot: slotOf(item),
        version: item.version,
        purged: true,
      };
      await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: marker }));
    }
  }

  /** Heads written before slots existed carried `firstCreatedAt`; version 1 has it too. */
  private async legacyFirstCreatedAt(item: VersionItem): Promise<string> {
    const head = await this.getHead(item.slug);
    return head && "firstCreatedAt" in head ? head.firstCreatedAt : item.createdAt;
  }

  private taken(slug: string): ConflictError {
    return new ConflictError(`An MCD with slug ${slug} already exists.`, {
      issues: [{ field: "slug", rule: "must not be taken by another MCD" }],
    });
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

  private async prepareVersion(
    fields: McdFields,
    position: { slot: number; version: number; since: number; firstCreatedAt: string },
    caller: Caller,
  ): Promise<VersionItem> {
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
      sk: slotKey(position.slot),
      slug: fields.slug,
      version: position.version,
      slot: position.slot,
      since: position.since,
      firstCreatedAt: position.firstCreatedAt,
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
      // The blob is written before the slot is claimed, so a claimed slot is always complete.
      item.bodyKey = `mcds/${fields.slug}/${writeId}.md`;
      await this.platform.blobs.put(item.bodyKey, bytes, "text/markdown; charset=utf-8");
    }
    return item;
  }

  /** False when the slot is taken (another save or a delete won it); the loser's blob goes. */
  private async claim(item: VersionItem): Promise<boolean> {
    if (await putIfAbsent(this.table, { ...item })) return true;
    if (item.bodyKey) await this.platform.blobs.delete(item.bodyKey);
    return false;
  }

  private headOf(item: VersionItem, firstCreatedAt: string): HeadItem {
    return {
      ...meta(item),
      firstCreatedAt,
      slot: slotOf(item),
      since: item.since ?? 1,
      pk: mcdKey(item.slug),
      sk: "HEAD",
      gsi1pk: "MCDS",
      gsi1sk: item.slug,
    };
  }

  private async afterSave(item: VersionItem): Promise<void> {
    await this.deps.listener.saved(meta(item));
  }

  private async getHead(slug: string): Promise<HeadItem | TombstoneHead | undefined> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: mcdKey(slug), sk: "HEAD" },
        ConsistentRead: true,
      }),
    );
    return result.Item as HeadItem | TombstoneHead | undefined;
  }

  private async requireLive(slug: string): Promise<VersionItem> {
    const latest = await this.current(slug);
    if (!isLive(latest)) throw new NotFoundError(`No MCD with slug ${slug}.`);
    return latest;
  }

  private async bodyOf(item: VersionItem): Promise<string> {
    if (item.body !== undefined) return item.body;
    if (!item.bodyKey) return "";
    const bytes = await this.platform.blobs.get(item.bodyKey);
    if (!bytes) throw new Error(`The body of ${item.slug} v${item.version} is missing from the blob store.`);
    return Buffer.from(bytes).toString("utf8");
  }
}
