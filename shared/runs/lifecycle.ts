// Starting, ending and cancelling runs: the rules (input schema, idempotency keys, the start-failure record, the
// order in which a run ends) in one place, whichever orchestrator executes the run.

import { createWorkflows } from "../compose.js";
import { spendOf } from "../costs/run-cost.js";
import type { MeasuredUsage } from "../costs/usage.js";
import { NotFoundError, UnprocessableError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import { logger } from "../log.js";
import type { Platform } from "../platform.js";
import { assertMayRunRequest } from "../registry/approval.js";
import { isConditionalCheckFailed } from "../store/table.js";
import type { WorkflowDefinition } from "../workflows/definition.js";
import { checkRunInput } from "../workflows/input-schema.js";
import { hostKeySha256, newHostKey } from "./host-key.js";
import type { RunError, RunRecord, RunStatus } from "./schema.js";
import { type IdempotentRun, newRunId, Runs } from "./store.js";
import { TOOL_CALL_WORKFLOW } from "./tool-call-step.js";
import { serverVersion, workflowVersionToRun } from "./version-cache.js";

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** `created` is false when an Idempotency-Key named a run that already exists: that run is answered instead. */
export async function startRun(
  platform: Platform,
  request: { workflow: string; version?: number; input?: unknown; idempotencyKey?: string; caller: Caller },
): Promise<{ run: RunRecord; created: boolean }> {
  const workflows = createWorkflows(platform);
  const runs = new Runs(platform);
  // A start reads what it must and no more (the latest slot carries the definition and ASL; server versions are
  // read without their heads): 50 starts at once share one event loop with the store and the running executions.
  const { version, definition, aslJson } = await workflows.forRun(request.workflow, request.version);
  const input = request.input ?? {};
  checkRunInput(definition.input, input);
  await assertServersMayRun(platform, definition);

  const runId = newRunId();
  if (request.idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(request.idempotencyKey)) {
      throw new UnprocessableError("The Idempotency-Key header is not usable.", {
        issues: [{ field: "idempotency-key", rule: "must be 1-128 letters, digits, `_`, `.`, `:` or `-`" }],
      });
    }
    const claimed = await runs.claimIdempotencyKey(request.workflow, request.idempotencyKey, {
      runId,
      version,
      input,
      startedBy: request.caller.id,
    });
    if (claimed.runId !== runId) return claimedRun(platform, runs, request.workflow, claimed);
  }
  const run = await createAndStart(platform, runs, {
    runId,
    workflow: request.workflow,
    version,
    input,
    aslJson,
    startedBy: request.caller.id,
  });
  // Undefined: a later request with the same key found no run and created it from the key; that one is the run.
  return run ? { run, created: true } : { run: await runs.get(runId), created: false };
}

/**
 * Creates the run record, then hands it to the orchestrator, which executes it from its queue; undefined when the
 * record exists (someone else created it). Once the record exists the run is answered, never an error: a start that
 * failed has ended the run FAILED (Run.StartFailed), and that is what the caller reads.
 */
async function createAndStart(
  platform: Platform,
  runs: Runs,
  run: {
    runId: string;
    workflow: string;
    version: number;
    input: unknown;
    aslJson: string;
    startedBy: string;
  },
): Promise<RunRecord | undefined> {
  // The run's host key (decision 0008): kept in the record for the step executor; the execution gets its hash.
  const hostKey = newHostKey();
  const planned = platform.orchestrator.executionOf?.(run);
  let created: RunRecord;
  try {
    created = await runs.create({
      id: run.runId,
      workflow: run.workflow,
      version: run.version,
      input: run.input,
      startedBy: run.startedBy,
      execution: planned,
      hostKey,
    });
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
  try {
    const started = await platform.orchestrator.start({
      runId: run.runId,
      workflow: run.workflow,
      version: run.version,
      aslJson: run.aslJson,
      input: run.input,
      hostKeySha256: hostKeySha256(hostKey),
    });
    if (!planned) await runs.setExecution(run.runId, started.executionArn, started.consoleUrl);
    return {
      ...created,
      executionArn: started.executionArn,
      ...(started.consoleUrl ? { consoleUrl: started.consoleUrl } : {}),
    };
  } catch (error) {
    logger.error("a created run could not start", { runId: run.runId, error });
    await endRun(platform, run.runId, {
      status: "FAILED",
      error: { error: "Run.StartFailed", cause: error instanceof Error ? error.message : String(error) },
    });
    return runs.get(run.runId);
  }
}

/**
 * The run an earlier request with the same Idempotency-Key claimed. If it is not there, that request stopped
 * between claiming the key and creating the run (a crash), or is about to create it: create it from what the key
 * carries — the record's conditional put lets exactly one of them create and start it.
 */
async function claimedRun(
  platform: Platform,
  runs: Runs,
  workflow: string,
  claimed: IdempotentRun,
): Promise<{ run: RunRecord; created: boolean }> {
  const existing = await runs.get(claimed.runId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (existing) return { run: existing, created: false };
  if (claimed.version === undefined || claimed.startedBy === undefined) {
    return { run: await existingRun(runs, claimed.runId), created: false };
  }
  const { aslJson } = await createWorkflows(platform).versionForRun(workflow, claimed.version);
  const created = await createAndStart(platform, runs, {
    runId: claimed.runId,
    workflow,
    version: claimed.version,
    input: claimed.input ?? {},
    aslJson,
    startedBy: claimed.startedBy,
  });
  return created ? { run: created, created: true } : { run: await runs.get(claimed.runId), created: false };
}

/** Keys claimed before they carried their run: the request that claimed one may still be writing its run. */
async function existingRun(runs: Runs, id: string): Promise<RunRecord> {
  for (let i = 0; i < 50; i++) {
    try {
      return await runs.get(id);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return runs.get(id);
}

/**
 * Every server version the workflow pins must be allowed to run, with its secrets granted, before a run starts:
 * refused here with the reason instead of failing at the first step that reaches it.
 */
async function assertServersMayRun(platform: Platform, definition: WorkflowDefinition): Promise<void> {
  const pinned = new Map<string, { name: string; version: string }>();
  for (const step of definition.steps) {
    if (step.server.version === undefined) continue;
    pinned.set(`${step.server.name}@${step.server.version}`, {
      name: step.server.name,
      version: step.server.version,
    });
  }
  for (const server of pinned.values()) {
    const record = await serverVersion(platform, server.name, server.version);
    await assertMayRunRequest(platform.table, record, `${server.name}@${server.version}`);
  }
}

export type RunEnd = {
  status: Exclude<RunStatus, "RUNNING">;
  output?: unknown;
  error?: RunError;
  /** What the host that ran it counted (the embedded engine); the rest of its usage comes from the cost model. */
  measured?: MeasuredUsage;
  /**
   * Reads what AWS measured of it (run-status: the execution's history, the tasks' times), called only by the end
   * that moves the run out of RUNNING, so that a replayed event reads nothing.
   */
  measure?: () => Promise<MeasuredUsage>;
};

/**
 * The one way a run ends, whoever saw it end (the embedded engine, the run-status function on AWS, a cancel, a failed
 * start, recovery after a restart). Steps are settled first and the run is finished after, so whoever sees the run
 * ended sees its steps final: a step still RUNNING is ended (FAILED, or CANCELLED for a cancelled run) and a step
 * that never started gets a record (SKIPPED after a success, NOT_RUN otherwise). A run that has already ended keeps
 * its first end and is settled again by that end's status: on AWS a cancel ends the run before its tasks have
 * stopped, and the execution's status event then settles what they left RUNNING. EventBridge replays settle again
 * and change nothing. Answers whether this call moved the run out of RUNNING.
 */
export async function endRun(platform: Platform, runId: string, end: RunEnd): Promise<boolean> {
  const runs = new Runs(platform);
  const run = await runs.get(runId);
  const status = run.status === "RUNNING" ? end.status : run.status;
  const declared = await stepsOf(platform, run);
  const steps = await runs.settleSteps(runId, declared, status);
  if (run.status !== "RUNNING") return false;
  // Its usage and cost (docs/costs.md), from the records as the run ends and what its host counted.
  const measured = end.measured ?? (await end.measure?.());
  const endedAt = new Date();
  const spend = await spendOf(
    platform,
    {
      startedAt: run.startedAt,
      endedAt,
      servers: declared.map((step) => step.server),
      steps,
      toolCall: run.workflow === TOOL_CALL_WORKFLOW,
      ...(measured ? { measured } : {}),
    },
    platform.mode,
  );
  const { measured: _measured, measure: _measure, ...outcome } = end;
  return runs.finish(runId, { ...outcome, endedAt, ...spend });
}

/** The steps a run's workflow version declares; none when the version is gone, so that the run still ends. */
async function stepsOf(platform: Platform, run: { workflow: string; version: number }) {
  // A tool call's one step is recorded before its call starts.
  if (run.workflow === TOOL_CALL_WORKFLOW) return [];
  try {
    // Kept by this process since the run started (a workflow version never changes once saved).
    const { definition } = await workflowVersionToRun(platform, run.workflow, run.version);
    return definition.steps.map((s) => ({
      stepId: s.id,
      tool: s.tool,
      server: `${s.server.name}@${s.server.version}`,
    }));
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

export async function cancelRun(platform: Platform, id: string): Promise<RunRecord> {
  const runs = new Runs(platform);
  const run = await runs.requireRunning(id);
  if (run.executionArn) {
    await platform.orchestrator.stop(
      { runId: run.id, executionArn: run.executionArn },
      "cancelled by a caller",
    );
  }
  // The orchestrator records the end once its execution stops; a run it no longer knows is ended here.
  await endRun(platform, run.id, {
    status: "CANCELLED",
    error: { error: "Run.Cancelled", cause: "cancelled by a caller" },
  });
  return runs.get(run.id, { steps: true });
}
