// Run and step records. A run is one item collection (`RUN#<id>`): the run item, one item per step call (per item
// for for_each steps) and, locally, the execution's events. Step items are written by whoever runs the step.
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { RunCost, RunUsage } from "../costs/schema.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Platform } from "../platform.js";
import { decodeCursor, encodeCursor, indexPosition } from "../store/cursor.js";
import { isConditionalCheckFailed, putIfAbsent, putMany, queryAll } from "../store/table.js";
import { OFFLOAD_BYTES } from "./limits.js";
import type { RunError, RunRecord, RunStatus, StepItemRecord, StepRecord, StepStatus } from "./schema.js";
import type { StepRecordBatch } from "./step-record-batch.js";

/**
 * What the run records are kept in: the table and the blob store (all a Fargate runner has of a platform) and, for a
 * host that runs all of one run's steps itself, that run's group commit of step records (step-record-batch.ts).
 */
export type RunStore = Pick<Platform, "table" | "blobs"> & { stepRecords?: StepRecordBatch };

const runKey = (id: string) => `RUN#${id}`;
const stepSk = (stepId: string, index?: number) =>
  index === undefined ? `STEP#${stepId}` : `STEP#${stepId}#ITEM#${String(index).padStart(6, "0")}`;

interface RunItem {
  pk: string;
  sk: "RUN";
  gsi1pk: "RUNS";
  gsi1sk: string;
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  input?: unknown;
  inputBlob?: { key: string; bytes: number };
  output?: unknown;
  outputBlob?: { key: string; bytes: number };
  error?: RunError;
  startedAt: string;
  endedAt?: string;
  startedBy: string;
  executionArn?: string;
  consoleUrl?: string;
  usage?: RunUsage;
  cost?: RunCost;
  /** The run's host key (decision 0008): read by the step executor only, never part of a RunRecord. */
  hostKey?: string;
}

interface StepItem {
  pk: string;
  sk: string;
  stepId: string;
  index?: number;
  tool: string;
  server: string;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  arguments?: unknown;
  output?: unknown;
  outputBlob?: { key: string; bytes: number };
  error?: RunError;
}

/** What an idempotency key remembers: enough to create its run if the request that claimed it did not. */
export interface IdempotentRun {
  runId: string;
  version?: number;
  input?: unknown;
  startedBy?: string;
}

export function newRunId(): string {
  // Step Functions execution names allow 80 characters of [A-Za-z0-9-_]; a time prefix keeps them sortable.
  return `${Date.now().toString(36)}-${randomUUID()}`;
}

export class Runs {
  constructor(private readonly platform: RunStore) {}

  private get table() {
    return this.platform.table;
  }

  /** Stores `value` inline or, when large, as a blob; returns the attributes to put on the item. */
  private async keep(value: unknown, key: string, field: string): Promise<Record<string, unknown>> {
    if (value === undefined) return {};
    const json = JSON.stringify(value);
    const bytes = Buffer.byteLength(json);
    if (bytes <= OFFLOAD_BYTES) return { [field]: value };
    await this.platform.blobs.put(key, json, "application/json");
    return { [`${field}Blob`]: { key, bytes } };
  }

  async create(run: {
    id: string;
    workflow: string;
    version: number;
    input: unknown;
    startedBy: string;
    /** Known before the start where the orchestrator names its executions (Orchestrator.executionOf). */
    execution?: { executionArn: string; consoleUrl?: string } | undefined;
    hostKey?: string;
  }): Promise<RunRecord> {
    const startedAt = new Date().toISOString();
    const item = {
      pk: runKey(run.id),
      sk: "RUN",
      gsi1pk: "RUNS",
      gsi1sk: `${startedAt}#${run.id}`,
      id: run.id,
      workflow: run.workflow,
      version: run.version,
      status: "RUNNING",
      startedAt,
      startedBy: run.startedBy,
      ...run.execution,
      ...(run.hostKey ? { hostKey: run.hostKey } : {}),
      ...(await this.keep(run.input, `runs/${run.id}/input.json`, "input")),
    };
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    // What get() would read back, without reading it: a run start answers with it.
    return {
      id: run.id,
      workflow: run.workflow,
      version: run.version,
      status: "RUNNING",
      input: "inputBlob" in item ? { blob: item.inputBlob } : run.input,
      startedAt,
      startedBy: run.startedBy,
    };
  }

  /**
   * Remembers which run an idempotency key starts; the first caller wins, later callers get what the winner
   * claimed. The key carries everything needed to create that run (workflow version, input, caller), so a winner
   * that stopped before creating it (a crash) leaves a key the next caller can finish, not one that answers 404.
   */
  async claimIdempotencyKey(workflow: string, key: string, claim: IdempotentRun): Promise<IdempotentRun> {
    const pk = `IDEMPOTENCY#${workflow}#${key}`;
    const json = JSON.stringify(claim.input ?? {});
    let input: Record<string, unknown> = { input: claim.input };
    if (Buffer.byteLength(json) > OFFLOAD_BYTES) {
      const blobKey = `runs/${claim.runId}/claimed-input.json`;
      await this.platform.blobs.put(blobKey, json, "application/json");
      input = { inputBlob: blobKey };
    }
    const item = {
      pk,
      sk: "KEY",
      runId: claim.runId,
      version: claim.version,
      startedBy: claim.startedBy,
      ...input,
      createdAt: new Date().toISOString(),
    };
    if (await putIfAbsent(this.table, item)) return claim;
    const existing = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk, sk: "KEY" }, ConsistentRead: true }),
    );
    const found = existing.Item ?? {};
    const blob =
      typeof found.inputBlob === "string" ? await this.platform.blobs.get(found.inputBlob) : undefined;
    return {
      runId: String(found.runId),
      // Keys claimed before they carried the run: the version and input are unknown, the run may still appear.
      version: typeof found.version === "number" ? found.version : undefined,
      input: blob ? JSON.parse(Buffer.from(blob).toString("utf8")) : found.input,
      startedBy: typeof found.startedBy === "string" ? found.startedBy : undefined,
    };
  }

  async setExecution(id: string, executionArn: string, consoleUrl?: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: runKey(id), sk: "RUN" },
        UpdateExpression: consoleUrl
          ? "SET executionArn = :arn, consoleUrl = :url"
          : "SET executionArn = :arn",
        ExpressionAttributeValues: { ":arn": executionArn, ...(consoleUrl ? { ":url": consoleUrl } : {}) },
      }),
    );
  }

  /** Moves a RUNNING run to its end state; a run that already ended keeps its first end (cancel vs finish race). */
  async finish(
    id: string,
    end: {
      status: Exclude<RunStatus, "RUNNING">;
      output?: unknown;
      error?: RunError;
      endedAt?: Date;
      usage?: RunUsage;
      cost?: RunCost;
    },
  ): Promise<boolean> {
    const kept = await this.keep(end.output, `runs/${id}/output.json`, "output");
    const sets = ["#status = :status", "endedAt = :at"];
    const values: Record<string, unknown> = {
      ":status": end.status,
      ":at": (end.endedAt ?? new Date()).toISOString(),
      ":running": "RUNNING",
    };
    const names: Record<string, string> = { "#status": "status" };
    const extra = {
      ...kept,
      ...(end.error ? { error: end.error } : {}),
      ...(end.usage ? { usage: end.usage } : {}),
      ...(end.cost ? { cost: end.cost } : {}),
    };
    for (const [field, value] of Object.entries(extra)) {
      // `output` and `error` are DynamoDB reserved words: always go through attribute names.
      names[`#${field}`] = field;
      sets.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: runKey(id), sk: "RUN" },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "#status = :running",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private async getRunItem(id: string): Promise<RunItem> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: runKey(id), sk: "RUN" },
        ConsistentRead: true,
      }),
    );
    if (!result.Item) throw new NotFoundError(`No run with id ${id}.`);
    return result.Item as RunItem;
  }

  private async loadValue(inline: unknown, blob: { key: string } | undefined): Promise<unknown> {
    if (!blob) return inline;
    const bytes = await this.platform.blobs.get(blob.key);
    return bytes ? JSON.parse(Buffer.from(bytes).toString("utf8")) : undefined;
  }

  async stepItems(id: string): Promise<StepItem[]> {
    await this.platform.stepRecords?.flush();
    return await queryAll<StepItem>(this.table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :step)",
      ExpressionAttributeValues: { ":pk": runKey(id), ":step": "STEP#" },
      ConsistentRead: true,
    });
  }

  private async stepItemsOf(id: string, stepIds: string[]): Promise<StepItem[]> {
    // The run's own group commit has the records it wrote (not a for_each step's items: how many there are is not
    // known to it); the store has them once its queue is written.
    const kept = this.platform.stepRecords?.records(stepIds.map((stepId) => stepSk(stepId)));
    if (kept) return kept as unknown as StepItem[];
    if (stepIds.length > 0) await this.platform.stepRecords?.flush();
    const pages = await Promise.all(
      stepIds.map((stepId) =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.name,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :step)",
            ExpressionAttributeValues: { ":pk": runKey(id), ":step": `STEP#${stepId}` },
            ConsistentRead: true,
          }),
        ),
      ),
    );
    // `STEP#a` is also a prefix of `STEP#ab`: keep only the steps asked for.
    const wanted = new Set(stepIds);
    return pages
      .flatMap((page) => (page.Items ?? []) as StepItem[])
      .filter((item) => wanted.has(item.stepId));
  }

  /** The run as a summary (no steps) or with every step record; large values stay references unless `resolve`. */
  async get(id: string, options: { steps?: boolean; resolveInput?: boolean } = {}): Promise<RunRecord> {
    const item = await this.getRunItem(id);
    const record: RunRecord = {
      id: item.id,
      workflow: item.workflow,
      version: item.version,
      status: item.status,
      input:
        options.resolveInput || !item.inputBlob
          ? await this.loadValue(item.input, item.inputBlob)
          : { blob: item.inputBlob },
      ...(item.output !== undefined ? { output: item.output } : {}),
      ...(item.outputBlob ? { output: { blob: item.outputBlob } } : {}),
      ...(item.error ? { error: item.error } : {}),
      startedAt: item.startedAt,
      ...(item.endedAt ? { endedAt: item.endedAt } : {}),
      startedBy: item.startedBy,
      ...(item.executionArn ? { executionArn: item.executionArn } : {}),
      ...(item.consoleUrl ? { consoleUrl: item.consoleUrl } : {}),
      ...(item.usage ? { usage: item.usage } : {}),
      ...(item.cost ? { cost: item.cost } : {}),
    };
    if (options.steps) record.steps = groupSteps(await this.stepItems(id));
    return record;
  }

  async list(filter: { workflow?: string; status?: RunStatus; limit: number; cursor?: string }) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":pk": "RUNS" };
    const conditions: string[] = [];
    if (filter.workflow) {
      conditions.push("workflow = :workflow");
      values[":workflow"] = filter.workflow;
    }
    if (filter.status) {
      conditions.push("#status = :status");
      names["#status"] = "status";
      values[":status"] = filter.status;
    }
    const runs: RunRecord[] = [];
    let start: Record<string, unknown> | undefined = decodeCursor(filter.cursor, indexPosition("RUNS"));
    // A filter applies after the page is read, so keep reading until the page is full or the index ends.
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk",
          ...(conditions.length > 0 ? { FilterExpression: conditions.join(" AND ") } : {}),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: filter.limit - runs.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as RunItem[]) {
        runs.push({
          id: item.id,
          workflow: item.workflow,
          version: item.version,
          status: item.status,
          input: item.inputBlob ? { blob: item.inputBlob } : item.input,
          ...(item.error ? { error: item.error } : {}),
          startedAt: item.startedAt,
          ...(item.endedAt ? { endedAt: item.endedAt } : {}),
          startedBy: item.startedBy,
        });
      }
      start = page.LastEvaluatedKey;
    } while (start && runs.length < filter.limit);
    return { runs, nextCursor: encodeCursor(start) };
  }

  /** The key a run's server tasks admit (decision 0008); undefined for a run started without one. */
  async hostKeyOf(id: string): Promise<string | undefined> {
    const result = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: { pk: runKey(id), sk: "RUN" },
        ProjectionExpression: "hostKey",
        ConsistentRead: true,
      }),
    );
    if (!result.Item) throw new NotFoundError(`No run with id ${id}.`);
    return typeof result.Item.hostKey === "string" ? result.Item.hostKey : undefined;
  }

  async inputOf(id: string): Promise<unknown> {
    const item = await this.getRunItem(id);
    return this.loadValue(item.input, item.inputBlob);
  }

  /** Outputs of every finished step so far, as a template context sees them. */
  async stepResults(
    id: string,
    /** Only these steps: a step's arguments usually read a few ancestors, not the whole run. */
    only?: string[],
  ): Promise<
    Record<string, { status: "SUCCEEDED" | "FAILED" | "SKIPPED"; output?: unknown; error?: unknown }>
  > {
    const results: Record<
      string,
      { status: "SUCCEEDED" | "FAILED" | "SKIPPED"; output?: unknown; error?: unknown }
    > = {};
    const items = only ? await this.stepItemsOf(id, only) : await this.stepItems(id);
    for (const step of groupSteps(items)) {
      if (step.status !== "SUCCEEDED" && step.status !== "FAILED") continue;
      if (step.items) {
        const outputs = await Promise.all(
          step.items.map((item) => this.loadValue(item.output, item.outputBlob)),
        );
        results[step.stepId] = { status: step.status, output: outputs };
      } else {
        results[step.stepId] = {
          status: step.status,
          output: await this.loadValue(step.output, step.outputBlob),
          ...(step.error ? { error: step.error } : {}),
        };
      }
    }
    return results;
  }

  /** Records an attempt's start (`at`: when its call began, now by default); answers its attempt number. */
  async stepStarted(
    run: string,
    step: { stepId: string; index?: number; tool: string; server: string; arguments: unknown },
    at: Date = new Date(),
  ): Promise<number> {
    const now = at.toISOString();
    // Counted in the store from now on: what the run's group commit holds is stored first.
    await this.platform.stepRecords?.elsewhere(stepSk(step.stepId, step.index));
    const kept = await this.keep(
      step.arguments,
      `runs/${run}/steps/${step.stepId}${step.index === undefined ? "" : `.${step.index}`}.args.json`,
      "arguments",
    );
    const updated = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: runKey(run), sk: stepSk(step.stepId, step.index) },
        UpdateExpression:
          "SET stepId = :id, tool = :tool, #server = :server, #status = :running, startedAt = if_not_exists(startedAt, :now)" +
          `${step.index === undefined ? "" : ", #index = :index"}${"arguments" in kept ? ", arguments = :args" : ", argumentsBlob = :args"}` +
          " REMOVE #error ADD attempts :one",
        ExpressionAttributeNames: {
          "#server": "server",
          "#status": "status",
          "#error": "error",
          ...(step.index === undefined ? {} : { "#index": "index" }),
        },
        ExpressionAttributeValues: {
          ":id": step.stepId,
          ":tool": step.tool,
          ":server": step.server,
          ":running": "RUNNING",
          ":now": now,
          ":one": 1,
          ":args": kept.arguments ?? kept.argumentsBlob ?? null,
          ...(step.index === undefined ? {} : { ":index": step.index }),
        },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(updated.Attributes?.attempts ?? 1);
  }

  /**
   * Records how a call ended. With `attempt` (what stepStarted answered), an attempt that a retry has already
   * replaced writes nothing: a timed-out call that finishes late must not overwrite the attempt after it. Nor does
   * an attempt that the run's end has already settled (a task still reporting after a cancel).
   */
  async stepEnded(
    run: string,
    step: { stepId: string; index?: number },
    end: { status: "SUCCEEDED"; output: unknown } | { status: "FAILED" | "CANCELLED"; error: RunError },
    /** `settled`: the run's end writes it, and no attempt recorded in one write (stepCompleted) may follow. */
    options: { attempt?: number; settled?: boolean } = {},
  ): Promise<{ outputBlob?: { key: string; bytes: number }; superseded?: boolean }> {
    await this.platform.stepRecords?.elsewhere(stepSk(step.stepId, step.index));
    const attemptSuffix = options.attempt === undefined ? "" : `.a${options.attempt}`;
    const kept =
      end.status === "SUCCEEDED"
        ? await this.keep(
            end.output,
            `runs/${run}/steps/${step.stepId}${step.index === undefined ? "" : `.${step.index}`}${attemptSuffix}.json`,
            "output",
          )
        : { error: end.error };
    const sets = ["#status = :status", "endedAt = :at"];
    if (options.settled) sets.push("settledAt = :at");
    const values: Record<string, unknown> = { ":status": end.status, ":at": new Date().toISOString() };
    const names: Record<string, string> = { "#status": "status" };
    for (const [field, value] of Object.entries(kept)) {
      names[`#${field}`] = field;
      sets.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
    if (options.attempt !== undefined) {
      values[":attempt"] = options.attempt;
      values[":running"] = "RUNNING";
    }
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: runKey(run), sk: stepSk(step.stepId, step.index) },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ...(options.attempt !== undefined
            ? { ConditionExpression: "attempts = :attempt AND #status = :running" }
            : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (options.attempt !== undefined && isConditionalCheckFailed(error)) return { superseded: true };
      throw error;
    }
    return "outputBlob" in kept ? { outputBlob: kept.outputBlob as { key: string; bytes: number } } : {};
  }

  /**
   * Records a whole attempt in one write, its start and its end: for a call that ended before its start was worth
   * recording (executeStep). Counts the attempt as stepStarted does; an attempt still running from before (a timed-out
   * call) is superseded by it and its own end writes nothing. Writes nothing once the run's end settled the step.
   */
  async stepCompleted(
    run: string,
    step: { stepId: string; index?: number; tool: string; server: string; arguments: unknown },
    startedAt: Date,
    end: { status: "SUCCEEDED"; output: unknown } | { status: "FAILED" | "CANCELLED"; error: RunError },
  ): Promise<{ outputBlob?: { key: string; bytes: number }; superseded?: boolean }> {
    const path = `runs/${run}/steps/${step.stepId}${step.index === undefined ? "" : `.${step.index}`}`;
    const args = await this.keep(step.arguments, `${path}.args.json`, "arguments");
    // No attempt number is known before the write: the blob's name only has to differ from other attempts'.
    const kept =
      end.status === "SUCCEEDED"
        ? await this.keep(
            end.output,
            `${path}.t${startedAt.getTime()}-${randomUUID().slice(0, 8)}.json`,
            "output",
          )
        : { error: end.error };
    const batch = this.platform.stepRecords;
    const sk = stepSk(step.stepId, step.index);
    if (batch?.takes(sk)) {
      // The run's group commit counts the attempts it put; the run's end, which settles steps, waits for it.
      await batch.put({
        pk: runKey(run),
        sk,
        stepId: step.stepId,
        tool: step.tool,
        server: step.server,
        status: end.status,
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        ...(step.index !== undefined ? { index: step.index } : {}),
        ...args,
        ...kept,
      });
      return "outputBlob" in kept ? { outputBlob: kept.outputBlob as { key: string; bytes: number } } : {};
    }
    const names: Record<string, string> = { "#server": "server", "#status": "status" };
    const values: Record<string, unknown> = {
      ":id": step.stepId,
      ":tool": step.tool,
      ":server": step.server,
      ":status": end.status,
      ":start": startedAt.toISOString(),
      ":at": new Date().toISOString(),
      ":one": 1,
    };
    const sets = [
      "stepId = :id",
      "tool = :tool",
      "#server = :server",
      "#status = :status",
      "startedAt = if_not_exists(startedAt, :start)",
      "endedAt = :at",
    ];
    if (step.index !== undefined) {
      names["#index"] = "index";
      values[":index"] = step.index;
      sets.push("#index = :index");
    }
    for (const [field, value] of Object.entries({ ...args, ...kept })) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    // A success clears the error an earlier attempt left.
    let remove = "";
    if (!("error" in kept)) {
      names["#error"] = "error";
      remove = " REMOVE #error";
    }
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: runKey(run), sk },
          UpdateExpression: `SET ${sets.join(", ")}${remove} ADD attempts :one`,
          ConditionExpression: "attribute_not_exists(settledAt)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { superseded: true };
      throw error;
    }
    return "outputBlob" in kept ? { outputBlob: kept.outputBlob as { key: string; bytes: number } } : {};
  }

  /**
   * Steps that never produced a record get one, so a finished run names every step of its workflow. Answers the
   * steps' records as they were found, before settling.
   */
  async settleSteps(
    run: string,
    steps: { stepId: string; tool: string; server: string }[],
    runStatus: RunStatus,
  ): Promise<StepRecord[]> {
    const existing = groupSteps(await this.stepItems(run));
    const known = new Set(existing.map((s) => s.stepId));
    const now = new Date().toISOString();
    const writes: Record<string, unknown>[] = [];
    for (const step of steps) {
      if (known.has(step.stepId)) continue;
      writes.push({
        pk: runKey(run),
        sk: stepSk(step.stepId),
        ...step,
        status: runStatus === "SUCCEEDED" ? "SKIPPED" : "NOT_RUN",
        attempts: 0,
        endedAt: now,
        settledAt: now,
      });
    }
    for (const step of existing) {
      if (step.status !== "RUNNING" && step.status !== "PENDING") continue;
      const status: StepStatus = runStatus === "CANCELLED" ? "CANCELLED" : "FAILED";
      for (const index of step.items
        ? step.items.filter((i) => i.status === "RUNNING").map((i) => i.index)
        : [undefined]) {
        await this.stepEnded(
          run,
          { stepId: step.stepId, ...(index === undefined ? {} : { index }) },
          {
            status: status === "CANCELLED" ? "CANCELLED" : "FAILED",
            error: {
              error: runStatus === "CANCELLED" ? "Run.Cancelled" : "Run.Interrupted",
              cause: `the run ended ${runStatus}`,
            },
          },
          { settled: true },
        );
      }
    }
    await putMany(this.table, writes);
    return existing;
  }

  /**
   * Appends events of the run's history. An event's detail (the state's input and output) is kept as its JSON text,
   * `detailJson`: written as one string attribute rather than a nested map, which the SDK converted attribute by
   * attribute for every event (a few hundred per hundred steps, bench/workflow.ts). Events written with a `detail`
   * map before read the same.
   */
  async appendEvents(
    run: string,
    events: {
      id: number;
      timestamp: string;
      type: string;
      stateName?: string;
      detailJson?: string;
    }[],
  ) {
    await putMany(
      this.table,
      events.map((event) => ({
        pk: runKey(run),
        sk: `EVENT#${String(event.id).padStart(8, "0")}`,
        ...event,
      })),
    );
  }

  async events(run: string) {
    const events: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :e)",
          ExpressionAttributeValues: { ":pk": runKey(run), ":e": "EVENT#" },
          ExclusiveStartKey: start,
        }),
      );
      events.push(
        ...(page.Items ?? []).map(({ pk: _pk, sk: _sk, detailJson, ...event }) =>
          typeof detailJson === "string" ? { ...event, detail: JSON.parse(detailJson) } : event,
        ),
      );
      start = page.LastEvaluatedKey;
    } while (start);
    return events;
  }

  /** Runs still marked RUNNING: after a restart of the embedded platform none of them can still be running. */
  async running(): Promise<RunRecord[]> {
    const found: RunRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list({ status: "RUNNING", limit: 100, cursor });
      found.push(...page.runs);
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }

  async requireRunning(id: string): Promise<RunRecord> {
    const run = await this.get(id);
    if (run.status !== "RUNNING") throw new ConflictError(`Run ${id} already ended ${run.status}.`);
    return run;
  }
}

/** What one call of a step (or of one for_each item) recorded, without the keys. */
function callFields(item: StepItem): Omit<StepItemRecord, "index"> {
  return {
    status: item.status,
    attempts: item.attempts ?? 0,
    ...(item.startedAt ? { startedAt: item.startedAt } : {}),
    ...(item.endedAt ? { endedAt: item.endedAt } : {}),
    ...(item.arguments !== undefined ? { arguments: item.arguments } : {}),
    ...(item.output !== undefined ? { output: item.output } : {}),
    ...(item.outputBlob ? { outputBlob: item.outputBlob } : {}),
    ...(item.error ? { error: item.error } : {}),
  };
}

/**
 * Folds per-item step items into one record per step, in run order: by start time, steps that never started
 * (SKIPPED, NOT_RUN) after them in the order they were settled, ties by step id. A for_each step's `attempts` is the
 * most any of its items took (each item keeps its own), so two items called once each read 1, not 2.
 */
export function groupSteps(items: StepItem[]): StepRecord[] {
  const steps = new Map<string, StepRecord>();
  const sorted = [...items].sort((a, b) => a.sk.localeCompare(b.sk));
  for (const item of sorted) {
    if (item.index === undefined) {
      steps.set(item.stepId, {
        stepId: item.stepId,
        tool: item.tool,
        server: item.server,
        ...callFields(item),
      });
      continue;
    }
    const step = steps.get(item.stepId) ?? {
      stepId: item.stepId,
      tool: item.tool,
      server: item.server,
      status: "RUNNING" as StepStatus,
      attempts: 0,
      items: [] as StepItemRecord[],
    };
    step.items ??= [];
    step.items.push({ index: item.index, ...callFields(item) });
    steps.set(item.stepId, step);
  }
  for (const step of steps.values()) {
    if (!step.items) continue;
    const statuses = step.items.map((i) => i.status);
    step.attempts = Math.max(0, ...step.items.map((i) => i.attempts));
    step.status = statuses.includes("RUNNING")
      ? "RUNNING"
      : statuses.includes("FAILED")
        ? "FAILED"
        : statuses.includes("CANCELLED")
          ? "CANCELLED"
          : "SUCCEEDED";
    const starts = step.items
      .map((i) => i.startedAt)
      .filter(Boolean)
      .sort();
    const ends = step.items
      .map((i) => i.endedAt)
      .filter(Boolean)
      .sort();
    if (starts[0]) step.startedAt = starts[0];
    if (step.status !== "RUNNING" && ends.at(-1)) step.endedAt = ends.at(-1);
  }
  return [...steps.values()].sort(inRunOrder);
}

function inRunOrder(a: StepRecord, b: StepRecord): number {
  const started = Number(a.startedAt === undefined) - Number(b.startedAt === undefined);
  if (started !== 0) return started;
  const at = (a.startedAt ?? a.endedAt ?? "").localeCompare(b.startedAt ?? b.endedAt ?? "");
  return at !== 0 ? at : a.stepId.localeCompare(b.stepId);
}
