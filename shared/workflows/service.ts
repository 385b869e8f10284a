// Saved workflows: numbered, immutable versions with server versions pinned and the compiled ASL kept beside
// them; a head item per workflow names the latest. Concurrent saves race on a conditional put of the next number.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError, UnprocessableError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { Platform } from "../platform.js";
import type { Registry } from "../registry/service.js";
import { decodeCursor, encodeCursor, isConditionalCheckFailed, putIfAbsent } from "../store/table.js";
import { taskFamily } from "../tasks/family.js";
import * as z from "../zod.js";
import { WorkflowDefinition } from "./definition.js";
import { versionKey, workflowKey } from "./keys.js";
import type { PreparedWorkflow, PrepareWorkflow } from "./prepare.js";

/** ASL larger than this goes to the blob store: a DynamoDB item holds at most 400 KB. */
const INLINE_ASL_BYTES = 300 * 1024;

export const WorkflowVersionRecord = z.object({
  name: z.string(),
  version: z.number().check(z.int()),
  definition: WorkflowDefinition,
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
  savedAt: string;
  savedBy: string;
  stateMachineArn?: string;
}

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
  /** Server names this workflow's latest version pins, for reference lookups. */
  servers: string[];
}

export { taskFamily };

function toRecord(item: VersionItem, latest: number): WorkflowVersionRecord {
  return {
    name: item.name,
    version: item.version,
    definition: item.definition,
    aslBytes: item.aslBytes,
    savedAt: item.savedAt,
    savedBy: item.savedBy,
    ...(item.stateMachineArn ? { stateMachineArn: item.stateMachineArn } : {}),
    isLatest: item.version === latest,
  };
}

export type { PreparedWorkflow, PrepareWorkflow } from "./prepare.js";

/** Told after a workflow's store write succeeded; shared/compose.ts keeps search and reverse links in step with it. */
export interface WorkflowListener {
  saved(definition: WorkflowDefinition): Promise<void>;
  deleted(name: string): Promise<void>;
}

export interface WorkflowsDeps {
  registry: Registry;
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

  async create(definition: WorkflowDefinition, caller: Caller): Promise<WorkflowVersionRecord> {
    const head = await this.getHead(definition.name);
    if (head && !head.deleted) {
      throw new ConflictError(
        `A workflow named ${definition.name} exists; PUT /v1/workflows/${definition.name} saves a new version.`,
        {
          issues: [{ field: "name", rule: "must not be the name of an existing workflow" }],
        },
      );
    }
    return this.save(definition, caller, head?.latestVersion ?? 0);
  }

  async update(name: string, definition: WorkflowDefinition, caller: Caller): Promise<WorkflowVersionRecord> {
    if (definition.name !== name) {
      throw new UnprocessableError("The body names another workflow.", {
        issues: [{ field: "name", rule: `must be ${name}, the workflow in the path` }],
      });
    }
    const head = await this.getHead(name);
    if (!head || head.deleted)
      throw new NotFoundError(`No workflow named ${name}; POST /v1/workflows creates it.`);
    return this.save(definition, caller, head.latestVersion);
  }

  private async save(
    definition: WorkflowDefinition,
    caller: Caller,
    previous: number,
  ): Promise<WorkflowVersionRecord> {
    const version = previous + 1;
    const prepared = await this.prepare(definition, version);
    const at = new Date().toISOString();
    const aslBytes = Buffer.byteLength(prepared.aslJson);
    const item: VersionItem = {
      pk: workflowKey(definition.name),
      sk: versionKey(version),
      name: definition.name,
      version,
      definition: prepared.definition,
      aslBytes,
      savedAt: at,
      savedBy: caller.id,
    };
    if (aslBytes > INLINE_ASL_BYTES) {
      item.aslBlob = `workflows/${definition.name}/${version}.asl.json`;
      await this.platform.blobs.put(item.aslBlob, prepared.aslJson, "application/json");
    } else {
      item.asl = prepared.aslJson;
    }
    if (!(await putIfAbsent(this.platform.table, { ...item }))) {
      throw new ConflictError(
        `Version ${version} of ${definition.name} was saved by someone else meanwhile; fetch it and retry.`,
      );
    }
    const deployed = await this.platform.orchestrator.deploy({
      name: definition.name,
      version,
      aslJson: prepared.aslJson,
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
    const head: HeadItem = {
      pk: workflowKey(definition.name),
      sk: "HEAD",
      gsi1pk: "WORKFLOWS",
      gsi1sk: definition.name,
      name: definition.name,
      ...(definition.description ? { description: definition.description } : {}),
      latestVersion: version,
      steps: definition.steps.length,
      updatedAt: at,
      servers: [...new Set(prepared.servers.map((s) => s.server.name))].sort(),
    };
    // The version number was won by the conditional put above, so the head only ever moves forward.
    await this.platform.table.doc
      .send(
        new PutCommand({
          TableName: this.platform.table.name,
          Item: head,
          ConditionExpression: "attribute_not_exists(pk) OR latestVersion < :v",
          ExpressionAttributeValues: { ":v": version },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
    await this.deps.listener.saved(prepared.definition);
    return toRecord(item, version);
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

  private async requireHead(name: string): Promise<HeadItem> {
    const head = await this.getHead(name);
    if (!head || head.deleted) throw new NotFoundError(`No workflow named ${name}.`);
    return head;
  }

  async get(name: string, version?: number): Promise<WorkflowVersionRecord> {
    const head = await this.requireHead(name);
    const item = await this.getVersionItem(name, version ?? head.latestVersion);
    return toRecord(item, head.latestVersion);
  }

  private async getVersionItem(name: string, version: number): Promise<VersionItem> {
    const result = await this.platform.table.doc.send(
      new GetCommand({
        TableName: this.platform.table.name,
        Key: { pk: workflowKey(name), sk: versionKey(version) },
      }),
    );
    if (!result.Item) throw new NotFoundError(`No version ${version} of workflow ${name}.`);
    return result.Item as VersionItem;
  }

  async asl(name: string, version: number): Promise<string> {
    await this.requireHead(name);
    const item = await this.getVersionItem(name, version);
    if (item.asl) return item.asl;
    const blob = item.aslBlob ? await this.platform.blobs.get(item.aslBlob) : undefined;
    if (!blob)
      throw new NotFoundError(
        `The state machine of ${name} version ${version} is missing from the blob store.`,
      );
    return Buffer.from(blob).toString("utf8");
  }

  /** The version a run uses, even if the workflow was deleted since the run started. */
  async versionForRun(
    name: string,
    version: number,
  ): Promise<{ definition: WorkflowDefinition; aslJson: string }> {
    const item = await this.getVersionItem(name, version);
    const aslJson =
      item.asl ?? Buffer.from((await this.platform.blobs.get(item.aslBlob ?? "")) ?? []).toString("utf8");
    return { definition: item.definition, aslJson };
  }

  async latestVersion(name: string): Promise<number> {
    return (await this.requireHead(name)).latestVersion;
  }

  async versions(name: string): Promise<WorkflowVersionRecord[]> {
    const head = await this.requireHead(name);
    const result = await this.platform.table.doc.send(
      new QueryCommand({
        TableName: this.platform.table.name,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
        ExpressionAttributeValues: { ":pk": workflowKey(name), ":v": "V#" },
        ScanIndexForward: false,
      }),
    );
    return ((result.Items ?? []) as VersionItem[]).map((item) => toRecord(item, head.latestVersion));
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
        ExclusiveStartKey: decodeCursor(page.cursor),
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

  async remove(name: string): Promise<void> {
    try {
      await this.platform.table.doc.send(
        new UpdateCommand({
          TableName: this.platform.table.name,
          Key: { pk: workflowKey(name), sk: "HEAD" },
          UpdateExpression: "SET deleted = :true",
          ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(deleted) OR deleted = :false)",
          ExpressionAttributeValues: { ":true": true, ":false": false },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`No workflow named ${name}.`);
      throw error;
    }
    await this.deps.listener.deleted(name);
  }
}
