// Saved workflows: numbered, immutable versions with server versions pinned and the compiled ASL kept beside
// them, on a version log (shared/store/version-log.ts): a save or a delete claims the next version slot with a
// conditional put, and the head item that names the latest for listing is rolled forward by whoever finds it behind.
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError, UnprocessableError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { Platform } from "../platform.js";
import type { ServerVersions } from "../registry/server-versions.js";
import { decodeCursor, encodeCursor, indexPosition } from "../store/cursor.js";
import { SoleWriterMemo } from "../store/sole-writer-memo.js";
import { putIfAbsent, queryAll, type Table } from "../store/table.js";
import { backoff, highestSlot, moveHeadForward, SLOT_ATTEMPTS } from "../store/version-log.js";
import { taskFamily } from "../tasks/family.js";
import * as z from "../zod.js";
import { WorkflowDefinition } from "./definition.js";
import { versionKey, workflowKey } from "./keys.js";
import type { PreparedWorkflow, PrepareWorkflow } from "./prepare.js";
import { type SourceFormat, WorkflowSource } from "./source.js";

/**
 * A save's pins hold deletes off for 30 s (Registry.pinVersions); a save still retrying its claim after this long
 * pins again, so its pins are fresh when the claim lands.
 */
const PIN_REFRESH_MS = 10_000;

/** ASL larger than this goes to the blob store: a DynamoDB item holds at most 400 KB. */
const INLINE_ASL_BYTES = 300 * 1024;

/**
 * A saved text larger than this goes to the blob store too: the item already holds the definition parsed from it
 * (about as large) and up to INLINE_ASL_BYTES of ASL, and a body may be 1 MiB.
 */
const INLINE_SOURCE_BYTES = 32 * 1024;

/**
 * What a run of a workflow's latest version starts from, kept where this process makes every save and delete (the
 * embedded platform, shared/store/sole-writer-memo.ts): 50 concurrent starts of one workflow read its highest slot
 * and its head 50 times, on the event loop that answers them, for an answer only a save or a delete changes.
 */
const latestForRun = new SoleWriterMemo(256);

/** Declares that every save and delete of workflows on `table` goes through this process (at start). */
export function workflowsHaveSoleWriter(table: Table): void {
  latestForRun.soleWriter(table);
}

/** The text a save came from, as the request carried it. */
export interface SavedText {
  text: string;
  format: SourceFormat;
}

export const WorkflowVersionRecord = z.object({
  name: z.string(),
  version: z.number().check(z.int()),
  definition: WorkflowDefinition,
  /** The text this version was saved from, beside the definition parsed (and pinned) from it. */
  source: WorkflowSource,
  aslBytes: z.number().check(z.int()),
  savedAt: z.string(),
  savedBy: z.string(),
  stateMachineArn: z.optional(z.string()),
  isLatest: z.boolean(),
});
export type WorkflowVersionRecord = z.infer<typeof WorkflowVersionRecord>;

export const WorkflowSummary = z.object({
  name: z.string(),
  description: z.optional(z.string()),
  latestVersion: z.number().check(z.int()),
  steps: z.number().check(z.int()),
  updatedAt: z.string(),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummary>;

interface VersionItem {
  pk: string;
  sk: string;
  name: string;
  version: number;
  definition: WorkflowDefinition;
  asl?: string;
  aslBlob?: string;
  aslBytes: number;
  /** The saved text (inline, or a blob when larger than INLINE_SOURCE_BYTES); neither on older versions. */
  source?: string;
  sourceBlob?: string;
  sourceFormat?: SourceFormat;
  savedAt: string;
  savedBy: string;
  stateMachineArn?: string;
  /** The version this workflow was (re)created at; versions below belong to a deleted workflow of that name. */
  since?: number;
}

/** A delete's slot: the workflow is gone from this version on; the versions below stay for the runs that used them. */
interface Tombstone {
  pk: string;
  sk: string;
  name: string;
  version: number;
  savedAt: string;
  deleted: true;
}

type SlotItem = VersionItem | Tombstone;

interface HeadItem {
  pk: string;
  sk: "HEAD";
  gsi1pk: "WORKFLOWS";
  gsi1sk: string;
  name: string;
  description?: string;
  latestVersion: number;
  steps: number;
  updatedAt: string;
  deleted?: boolean;
  since?: number;
  /** Server names this workflow's latest version pins, for reference lookups. */
  servers: string[];
}

export { taskFamily };

function toRecord(item: VersionItem, latest: number, source: WorkflowSource): WorkflowVersionRecord {
  return {
    name: item.name,
    version: item.version,
    definition: item.definition,
    source,
    aslBytes: item.aslBytes,
    savedAt: item.savedAt,
    savedBy: item.savedBy,
    ...(item.stateMachineArn ? { stateMachineArn: item.stateMachineArn } : {}),
    isLatest: item.version === latest,
  };
}

/** Each server version the definition pins, once, with the field of the first step that names it. */
function pinsOf(definition: WorkflowDefinition): { name: string; version: string; field: string }[] {
  const pins = new Map<string, { name: string; version: string; field: string }>();
  for (const [index, step] of definition.steps.entries()) {
    const key = `${step.server.name}@${step.server.version}`;
    if (!pins.has(key) && step.server.version) {
      pins.set(key, {
        name: step.server.name,
        version: step.server.version,
        field: `steps[${index}].server`,
      });
    }
  }
  return [...pins.values()];
}

export type { PreparedWorkflow, PrepareWorkflow } from "./prepare.js";

/** Told after a workflow's store write succeeded; shared/compose.ts keeps search and reverse links in step with it. */
export interface WorkflowListener {
  saved(definition: WorkflowDefinition): Promise<void>;
  deleted(name: string): Promise<void>;
}

export interface WorkflowsDeps {
  registry: ServerVersions;
  listener: WorkflowListener;
  /**
   * Checks and compiles a definition (shared/workflows/prepare.ts). Only hosts that save or validate workflows
   * pass it, so the compiler stays out of the bundles of those that only read them (runs, run status).
   */
  prepare?: PrepareWorkflow;
}

export class Workflows {
  constructor(
    private readonly platform: Platform,
    private readonly deps: WorkflowsDeps,
  ) {}

  /**
   * Checks the input schema, pins server versions, checks tools and arguments against probes, compiles. Throws 422
   * naming the field or step. Every save and `POST /v1/workflows/validate` go through here.
   */
  async prepare(definition: WorkflowDefinition, version: number): Promise<PreparedWorkflow> {
    if (!this.deps.prepare) {
      throw new Error(
        "This host was composed without the workflow compiler: createWorkflows(platform, { prepareWorkflow }).",
      );
    }
    return this.deps.prepare(this.platform, this.deps.registry, definition, version);
  }

  async create(
    definition: WorkflowDefinition,
    caller: Caller,
    text?: SavedText,
  ): Promise<WorkflowVersionRecord> {
    return this.save(definition, caller, "create", text);
  }

  async update(
    name: string,
    definition: WorkflowDefinition,
    caller: Caller,
    text?: SavedText,
  ): Promise<WorkflowVersionRecord> {
    if (definition.name !== name) {
      throw new UnprocessableError("The body names another workflow.", {
        issues: [{ field: "name", rule: `must be ${name}, the workflow in the path` }],
      });
    }
    return this.save(definition, caller, "update", text);
  }

  /**
   * Claims the next version slot; a save that lost the slot to a concurrent save claims the next one, so concurrent
   * saves all land, one version each. Only the claim is retried: the definition is checked and its servers pinned
   * once (the pins again only when older than PIN_REFRESH_MS), and only its ASL is compiled again for the new number.
   * Preparing again on every lost slot cost contention n² prepares, and under load a save ran past the handler's
   * 29 s and answered 500 although it was stored.
   */
  private async save(
    definition: WorkflowDefinition,
    caller: Caller,
    mode: "create" | "update",
    text: SavedText | undefined,
  ): Promise<WorkflowVersionRecord> {
    const name = definition.name;
    let prepared: (PreparedWorkflow & { version: number }) | undefined;
    let pinnedAt = Number.NEGATIVE_INFINITY;
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      // A retry after losing a slot does not repair: the head it finds behind is the winner's, still completing.
      const { latest, live } = await this.current(name, attempt === 0);
      if (mode === "create" && live) {
        throw new ConflictError(
          `A workflow named ${name} exists; PUT /v1/workflows/${name} saves a new version.`,
          { issues: [{ field: "name", rule: "must not be the name of an existing workflow" }] },
        );
      }
      if (mode === "update" && !live) {
        throw new NotFoundError(`No workflow named ${name}; POST /v1/workflows creates it.`);
      }
      const version = (latest?.version ?? 0) + 1;
      prepared ??= { ...(await this.prepare(definition, version)), version };
      // Saving what the latest version already is (servers pinned alike, and the same text) makes no version:
      // `apply` is idempotent. A change of the text alone (a comment, the order of keys) is a new version: the
      // text is what the user saved (docs/workflows.md).
      if (
        mode === "update" &&
        latest &&
        !("deleted" in latest) &&
        isDeepStrictEqual(prepared.definition, latest.definition) &&
        (await this.sameText(latest, text))
      )
        return this.record(latest, latest.version);
      // Pinned before the slot is claimed: a delete of a pinned version that overlaps this save then fails, or
      // this save does (Registry.deleteVersion).
      if (Date.now() - pinnedAt > PIN_REFRESH_MS) {
        pinnedAt = Date.now();
        const refused = await this.deps.registry.pinVersions(name, pinsOf(prepared.definition));
        if (refused.length > 0)
          throw new UnprocessableError("The workflow does not fit together.", { issues: refused });
      }
      const item = await this.versionItem(
        version === prepared.version ? prepared : { ...prepared, aslJson: prepared.aslFor(version) },
        version,
        live && latest && !("deleted" in latest) ? (latest.since ?? 1) : version,
        caller,
        text,
      );
      if (
        await latestForRun.change(this.platform.table, () => putIfAbsent(this.platform.table, { ...item }))
      ) {
        await this.complete(item);
        return this.record(item, version, text);
      }
      if (item.aslBlob) await this.platform.blobs.delete(item.aslBlob);
      if (item.sourceBlob) await this.platform.blobs.delete(item.sourceBlob);
      await backoff(attempt);
    }
    throw new ConflictError(`Too many concurrent saves of ${name}; nothing was saved. Try again.`);
  }

  private async versionItem(
    prepared: PreparedWorkflow,
    version: number,
    since: number,
    caller: Caller,
    text: SavedText | undefined,
  ): Promise<VersionItem> {
    const aslBytes = Buffer.byteLength(prepared.aslJson);
    const item: VersionItem = {
      pk: workflowKey(prepared.definition.name),
      sk: versionKey(version),
      name: prepared.definition.name,
      version,
      since,
      definition: prepared.definition,
      aslBytes,
      savedAt: new Date().toISOString(),
      savedBy: caller.id,
    };
    if (aslBytes > INLINE_ASL_BYTES) {
      // A key per attempt: a save that loses the slot deletes only its own blob.
      item.aslBlob = `workflows/${item.name}/${version}-${randomUUID()}.asl.json`;
      await this.platform.blobs.put(item.aslBlob, prepared.aslJson, "application/json");
    } else {
      item.asl = prepared.aslJson;
    }
    if (text) {
      item.sourceFormat = text.format;
      if (Buffer.byteLength(text.text) > INLINE_SOURCE_BYTES) {
        item.sourceBlob = `workflows/${item.name}/${version}-${randomUUID()}.source`;
        await this.platform.blobs.put(
          item.sourceBlob,
          text.text,
          text.format === "json" ? "application/json" : "application/yaml",
        );
      } else {
        item.source = text.text;
      }
    }
    return item;
  }

  /** The text a version was saved from, or (saved before texts were kept) its definition written out. */
  private async sourceOf(item: VersionItem): Promise<WorkflowSource> {
    const text = item.source ?? (item.sourceBlob && (await this.blobText(item, item.sourceBlob, "text")));
    if (text !== undefined) return { text, format: item.sourceFormat ?? "yaml", origin: "saved" };
    // JSON, exact and without a YAML writer in the bundle (the workflows function is near its 300 KB budget).
    return { text: `${JSON.stringify(item.definition, null, 2)}\n`, format: "json", origin: "derived" };
  }

  /** A save without a text (in-process callers) leaves the latest's text alone; older versions have none to compare. */
  private async sameText(latest: VersionItem, text: SavedText | undefined): Promise<boolean> {
    if (!text || (latest.source === undefined && !latest.sourceBlob)) return true;
    const kept = await this.sourceOf(latest);
    return kept.text === text.text && kept.format === text.format;
  }

  private async record(item: VersionItem, latest: number, text?: SavedText): Promise<WorkflowVersionRecord> {
    const source = text ? { ...text, origin: "saved" as const } : await this.sourceOf(item);
    return toRecord(item, latest, source);
  }

  /**
   * The workflow's highest slot, with its head rolled forward first if a save or delete stopped between claiming
   * the slot and moving the head. A head marked deleted at or past the highest slot is a delete from before
   * tombstone slots existed.
   */
  private async current(
    name: string,
    repair = true,
  ): Promise<{ latest: SlotItem | undefined; live: boolean }> {
    const [latest, head] = await Promise.all([
      highestSlot<SlotItem>(this.platform.table, workflowKey(name)),
      this.getHead(name),
    ]);
    if (repair && latest && (!head || head.latestVersion < latest.version)) await this.complete(latest);
    const legacyDeleted =
      head?.deleted === true && latest !== undefined && head.latestVersion >= latest.version;
    return { latest, live: latest !== undefined && !("deleted" in latest) && !legacyDeleted };
  }

  /**
   * Everything after the slot is claimed, each step idempotent: deploy the state machine if the item has none yet,
   * tell the follow-ups (search, references), then move the head. Whoever finds the head behind runs this.
   */
  private async complete(item: SlotItem): Promise<void> {
    if ("deleted" in item) {
      await this.deps.listener.deleted(item.name);
      const head: HeadItem = {
        pk: item.pk,
        sk: "HEAD",
        gsi1pk: "WORKFLOWS",
        gsi1sk: item.name,
        name: item.name,
        latestVersion: item.version,
        steps: 0,
        updatedAt: item.savedAt,
        deleted: true,
        servers: [],
      };
      await moveHeadForward(this.platform.table, { ...head }, item.version, "latestVersion", "latestVersion");
      return;
    }
    if (!item.stateMachineArn) {
      const aslJson = item.asl ?? (await this.aslOf(item));
      const deployed = await this.platform.orchestrator.deploy({
        name: item.name,
        version: item.version,
        aslJson,
      });
      if (deployed.stateMachineArn) {
        item.stateMachineArn = deployed.stateMachineArn;
        await this.platform.table.doc.send(
          new UpdateCommand({
            TableName: this.platform.table.name,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: "SET stateMachineArn = :arn",
            ExpressionAttributeValues: { ":arn": deployed.stateMachineArn },
          }),
        );
      }
    }
    await this.deps.listener.saved(item.definition);
    const head: HeadItem = {
      pk: item.pk,
      sk: "HEAD",
      gsi1pk: "WORKFLOWS",
      gsi1sk: item.name,
      name: item.name,
      ...(item.definition.description ? { description: item.definition.description } : {}),
      latestVersion: item.version,
      since: item.since ?? 1,
      steps: item.definition.steps.length,
      updatedAt: item.savedAt,
      servers: [...new Set(item.definition.steps.map((step) => step.server.name))].sort(),
    };
    await moveHeadForward(this.platform.table, { ...head }, item.version, "latestVersion", "latestVersion");
  }

  private async getHead(name: string): Promise<HeadItem | undefined> {
    const result = await this.platform.table.doc.send(
      new GetCommand({
        TableName: this.platform.table.name,
        Key: { pk: workflowKey(name), sk: "HEAD" },
        ConsistentRead: true,
      }),
    );
    return result.Item as HeadItem | undefined;
  }

  private async requireLive(name: string): Promise<VersionItem> {
    const { latest, live } = await this.current(name);
    if (!live || !latest || "deleted" in latest) throw new NotFoundError(`No workflow named ${name}.`);
    return latest;
  }

  async get(name: string, version?: number): Promise<WorkflowVersionRecord> {
    const latest = await this.requireLive(name);
    const item = version === undefined ? latest : await this.getVersionItem(name, version);
    return this.record(item, latest.version);
  }

  private async getVersionItem(name: string, version: number): Promise<VersionItem> {
    const result = await this.platform.table.doc.send(
      new GetCommand({
        TableName: this.platform.table.name,
        Key: { pk: workflowKey(name), sk: versionKey(version) },
      }),
    );
    const item = result.Item as SlotItem | undefined;
    if (!item || "deleted" in item) throw new NotFoundError(`No version ${version} of workflow ${name}.`);
    return item;
  }

  private async aslOf(item: VersionItem): Promise<string> {
    return item.asl ?? this.blobText(item, item.aslBlob, "state machine");
  }

  private async blobText(item: VersionItem, key: string | undefined, what: string): Promise<string> {
    const blob = key ? await this.platform.blobs.get(key) : undefined;
    if (!blob)
      throw new NotFoundError(
        `The ${what} of ${item.name} version ${item.version} is missing from the blob store.`,
      );
    return Buffer.from(blob).toString("utf8");
  }

  async asl(name: string, version: number): Promise<string> {
    await this.requireLive(name);
    return this.aslOf(await this.getVersionItem(name, version));
  }

  /** The version a run uses, even if the workflow was deleted since the run started. */
  async versionForRun(
    name: string,
    version: number,
  ): Promise<{ definition: WorkflowDefinition; aslJson: string }> {
    const item = await this.getVersionItem(name, version);
    return { definition: item.definition, aslJson: await this.aslOf(item) };
  }

  async latestVersion(name: string): Promise<number> {
    return (await this.requireLive(name)).version;
  }

  /**
   * What a run of `version` (the latest when not given) starts from, in as few reads as a run start can afford:
   * the latest's slot already carries its definition and ASL, and a sole writer keeps it (latestForRun).
   */
  async forRun(
    name: string,
    version?: number,
  ): Promise<{ version: number; definition: WorkflowDefinition; aslJson: string }> {
    const ofItem = async (item: VersionItem) => ({
      version: item.version,
      definition: item.definition,
      aslJson: await this.aslOf(item),
    });
    if (version !== undefined) return ofItem(await this.getVersionItem(name, version));
    return latestForRun.read(this.platform.table, name, async () => ofItem(await this.requireLive(name)));
  }

  /** The versions since the workflow was (re)created, newest first. */
  async versions(name: string): Promise<WorkflowVersionRecord[]> {
    const latest = await this.requireLive(name);
    const items = await queryAll<SlotItem>(this.platform.table, {
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": workflowKey(name),
        ":from": versionKey(latest.since ?? 1),
        ":to": versionKey(latest.version),
      },
      ScanIndexForward: false,
    });
    return Promise.all(
      items
        .filter((item): item is VersionItem => !("deleted" in item))
        .map((item) => this.record(item, latest.version)),
    );
  }

  async list(page: {
    limit: number;
    cursor?: string;
  }): Promise<{ workflows: WorkflowSummary[]; nextCursor?: string }> {
    const result = await this.platform.table.doc.send(
      new QueryCommand({
        TableName: this.platform.table.name,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        FilterExpression: "attribute_not_exists(deleted) OR deleted = :false",
        ExpressionAttributeValues: { ":pk": "WORKFLOWS", ":false": false },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, indexPosition("WORKFLOWS")),
      }),
    );
    const workflows = ((result.Items ?? []) as HeadItem[]).map((head) => ({
      name: head.name,
      ...(head.description ? { description: head.description } : {}),
      latestVersion: head.latestVersion,
      steps: head.steps,
      updatedAt: head.updatedAt,
    }));
    return { workflows, nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  /** Claims the next slot with a tombstone: saves based on the last version fail from then on; runs stay readable. */
  async remove(name: string): Promise<void> {
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      const { latest, live } = await this.current(name, attempt === 0);
      if (!live || !latest) throw new NotFoundError(`No workflow named ${name}.`);
      const version = latest.version + 1;
      const tombstone: Tombstone = {
        pk: workflowKey(name),
        sk: versionKey(version),
        name,
        version,
        savedAt: new Date().toISOString(),
        deleted: true,
      };
      if (
        await latestForRun.change(this.platform.table, () =>
          putIfAbsent(this.platform.table, { ...tombstone }),
        )
      ) {
        await this.complete(tombstone);
        return;
      }
      await backoff(attempt);
    }
    throw new ConflictError(`Too many concurrent changes to ${name}; nothing was deleted. Try again.`);
  }
}
