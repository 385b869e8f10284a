// Registry sync sources as items (pk `REGISTRY_SOURCE`, sk the id): the source an admin created, where its sync
// stands (the unfinished run's cursor, the watermark) and who holds it. Every change is one conditional write:
// a page's cursor is committed only by the sync that holds the source's lease, so two syncs never interleave and a
// sync that died leaves the last committed cursor, nothing half-written.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError } from "../errors.js";
import { isConditionalCheckFailed, queryAll, type Table } from "../store/table.js";
import type { SyncCounts, SyncSource } from "./upstream-schema.js";

const PK = "REGISTRY_SOURCE" as const;

export interface SyncRun {
  /** The `updated_since` of the whole run: a resumed run asks the same question from its cursor. */
  since?: string;
  cursor?: string;
  /** The newest upstream `updatedAt` seen so far; the watermark once the run completes. */
  newest?: string;
  startedAt: string;
  pages: number;
  counts: SyncCounts;
}

interface SourceItem {
  pk: typeof PK;
  sk: string;
  id: string;
  url: string;
  names?: string[];
  namePrefix?: string;
  createdAt: string;
  createdBy: string;
  watermark?: string;
  run?: SyncRun;
  lastSync?: SyncSource["lastSync"];
  leaseOwner?: string;
  leaseUntil?: string;
}

/** A source as the sync works with it: the public view plus its unfinished run. */
export interface StoredSource extends SyncSource {
  run?: SyncRun;
}

const key = (id: string) => ({ pk: PK, sk: id });

function fromItem(item: SourceItem): StoredSource {
  const { pk: _pk, sk: _sk, leaseOwner: _owner, leaseUntil: _until, run, ...source } = item;
  return {
    ...source,
    ...(run
      ? {
          run,
          ...(run.cursor
            ? {
                resumes: {
                  ...(run.since ? { since: run.since } : {}),
                  cursor: run.cursor,
                  startedAt: run.startedAt,
                  pages: run.pages,
                },
              }
            : {}),
        }
      : {}),
  };
}

/** The public view: no lease, no run internals. */
export function publicSource(source: StoredSource): SyncSource {
  const { run: _run, ...rest } = source;
  return rest;
}

export class SyncSources {
  constructor(private readonly table: Table) {}

  async create(source: Omit<SyncSource, "resumes" | "lastSync">): Promise<StoredSource> {
    const item: SourceItem = { ...key(source.id), ...source };
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return fromItem(item);
  }

  async list(): Promise<StoredSource[]> {
    const items = await queryAll<SourceItem>(this.table, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": PK },
      ConsistentRead: true,
    });
    return items.map(fromItem);
  }

  async get(id: string): Promise<StoredSource> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: key(id), ConsistentRead: true }),
    );
    if (!Item) throw new NotFoundError(`No registry source ${id}.`);
    return fromItem(Item as SourceItem);
  }

  /** Deleting stops a sync in progress at its next commit (it no longer holds the lease). */
  async delete(id: string): Promise<void> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: key(id),
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`No registry source ${id}.`);
      throw error;
    }
  }

  /** Takes the source for one sync until `until`; refused while another sync holds an unexpired lease. */
  async claim(id: string, owner: string, now: Date, until: Date): Promise<StoredSource> {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(id),
          UpdateExpression: "SET leaseOwner = :owner, leaseUntil = :until",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
          ExpressionAttributeValues: {
            ":owner": owner,
            ":until": until.toISOString(),
            ":now": now.toISOString(),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return fromItem(Attributes as SourceItem);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const source = await this.get(id);
      throw new ConflictError(
        `A sync of registry source ${source.id} is under way; try again when it has finished.`,
        { issues: [{ field: "id", rule: "must not be syncing already" }] },
      );
    }
  }

  /** Commits a page: the run's new cursor, and a longer lease. False when the lease was lost (deleted, expired). */
  async commitPage(id: string, owner: string, run: SyncRun, until: Date): Promise<boolean> {
    return this.write(id, owner, "SET run = :run, leaseUntil = :until", {
      ":run": run,
      ":until": until.toISOString(),
    });
  }

  /** Ends a sync: the watermark and the summary, the run kept (to resume) or cleared, the lease given back. */
  async release(
    id: string,
    owner: string,
    end: { lastSync: NonNullable<SyncSource["lastSync"]>; run?: SyncRun; watermark?: string },
  ): Promise<boolean> {
    const set = ["lastSync = :last"];
    const remove = ["leaseOwner", "leaseUntil"];
    const values: Record<string, unknown> = { ":last": end.lastSync };
    if (end.run) {
      set.push("run = :run");
      values[":run"] = end.run;
    } else remove.push("run");
    if (end.watermark) {
      set.push("watermark = :watermark");
      values[":watermark"] = end.watermark;
    }
    return this.write(id, owner, `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`, values);
  }

  /** The embedded platform's start: no sync can be running in a home only this process opened. */
  async releaseAll(): Promise<number> {
    let released = 0;
    for (const source of await this.list()) {
      try {
        await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: key(source.id),
            UpdateExpression: "REMOVE leaseOwner, leaseUntil",
            ConditionExpression: "attribute_exists(leaseOwner)",
          }),
        );
        released++;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    return released;
  }

  private async write(
    id: string,
    owner: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(id),
          UpdateExpression: update,
          ConditionExpression: "leaseOwner = :owner",
          ExpressionAttributeValues: { ...values, ":owner": owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
