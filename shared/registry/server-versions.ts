// A server's versions as the functions that pin and run them read them (workflows, runs): the latest version, one
// version, and the pins that hold a delete off. The Registry service (service.ts) extends it with the writes; it
// is apart so that those functions carry neither the writes nor the listing's projection (decision 0003's bundle
// budget), and its reads never write: a head that a write left behind is read through in memory (peekHead).
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type FieldIssue, NotFoundError } from "../errors.js";
import { isConditionalCheckFailed, queryAll, type Table } from "../store/table.js";
import { peekHead } from "./head-projection.js";
import type { ServerVersionRecord } from "./schema.js";
import { type ProjectedHead, serverKey, toRecord, type VersionItem, versionKey } from "./server-items.js";
import { sortNewestFirst } from "./versions.js";

/** How long a pin keeps a delete away, and a delete's mark keeps pins away: longer than any save or delete runs
 * (API Gateway cuts a request at 29 s), short enough that a crash in between blocks nothing for long. */
export const PIN_WINDOW_MS = 30_000;

export class ServerVersions {
  constructor(
    protected readonly table: Table,
    protected readonly now: () => Date = () => new Date(),
  ) {}

  /** The head as its items say it is, without writing. */
  protected head(name: string): Promise<ProjectedHead | undefined> {
    return peekHead(this.table, name);
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

  protected async getVersionItem(name: string, version: string): Promise<VersionItem | undefined> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: serverKey(name), sk: versionKey(version) },
        ConsistentRead: true,
      }),
    );
    return result.Item as VersionItem | undefined;
  }

  protected async listVersionItems(name: string): Promise<VersionItem[]> {
    return await queryAll<VersionItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": serverKey(name), ":v": "V#" },
      ConsistentRead: true,
    });
  }

  protected async requireHead(name: string, includeDeleted = true): Promise<ProjectedHead> {
    const head = await this.head(name);
    if (!head) throw new NotFoundError(`No server named ${name}.`);
    if (head.allDeleted && !includeDeleted) throw new NotFoundError(`Every version of ${name} is deleted.`);
    return head;
  }

  /** The latest version: one read of the head (projected again first only when a write left it behind). */
  async getLatest(name: string, includeDeleted = false): Promise<ServerVersionRecord> {
    const head = await this.requireHead(name, includeDeleted);
    return toRecord(head.latest, head.latestVersion);
  }

  /** One version, and whether it is the latest: the version and the head, read side by side. */
  async getVersion(name: string, version: string): Promise<ServerVersionRecord> {
    const [head, item] = await Promise.all([this.head(name), this.getVersionItem(name, version)]);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    return toRecord(item, head?.latestVersion);
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

  /** Every version of a server, deleted ones included, newest first; empty when there is no such server. */
  async versionRecords(name: string): Promise<ServerVersionRecord[]> {
    const [head, items] = await Promise.all([this.head(name), this.listVersionItems(name)]);
    if (!head) return [];
    return sortNewestFirst(items).map((item) => toRecord(item, head.latestVersion));
  }

  async listVersions(name: string, includeDeleted: boolean): Promise<ServerVersionRecord[]> {
    const [head, items] = await Promise.all([this.requireHead(name), this.listVersionItems(name)]);
    return sortNewestFirst(items)
      .filter((item) => includeDeleted || item.status !== "deleted")
      .map((item) => toRecord(item, head.latestVersion));
  }
}
