// The registry: immutable server versions, a head item per server that names its latest version, listing with
// facets, status changes, and server.json import/export. Writes that could race use conditional puts.
import { randomUUID } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError, PayloadTooLargeError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { ProbeResult } from "../mcp/probe-result.js";
import { isConditionalCheckFailed, putIfAbsent, type Table } from "../store/table.js";
import { changeServer, readHead } from "./head-projection.js";
import type { ServerDocument, ServerVersionRecord, StatusPatch } from "./schema.js";
import { type ProjectedHead, serverKey, toRecord, type VersionItem, versionKey } from "./server-items.js";
import { PIN_WINDOW_MS, ServerVersions } from "./server-versions.js";
import { getProbe, saveProbe } from "./tools.js";
import { pickLatest } from "./versions.js";

/** DynamoDB items hold 400 KB; a version item, the head and each listing item carry the whole document. */
export const MAX_DOCUMENT_BYTES = 350 * 1024;

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

export class Registry extends ServerVersions {
  constructor(
    table: Table,
    private readonly listener?: RegistryListener,
    now: () => Date = () => new Date(),
  ) {
    super(table, now);
  }

  /** The head, projected again first when a write left it behind (the registry's own reads repair). */
  protected override head(name: string): Promise<ProjectedHead | undefined> {
    return readHead(this.table, name);
  }

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
}
