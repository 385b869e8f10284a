// ECS task entrypoint: wires the runner to AWS (Step Functions, S3) and guarantees the process ends.
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { createS3BlobStore } from "../../shared/blobs/s3-store.js";
import type { Platform } from "../../shared/platform.js";
import { loadStepCall as loadStoredStepCall } from "../../shared/runs/step-call.js";
import { Runs } from "../../shared/runs/store.js";
import { createTable } from "../../shared/store/table.js";
import { type BlobWriter, folderBlobWriter, s3BlobWriter } from "./blobs.js";
import type { StepRefs } from "./config.js";
import { type LoadStepCall, type RunnerLogger, runFromEnv, StepCall, type StepRecorder } from "./runner.js";

function jsonLogger(base: Record<string, unknown>): RunnerLogger {
  const write = (level: string, message: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(
      `${JSON.stringify({ level, message, time: new Date().toISOString(), ...base, ...fields })}\n`,
    );
  return {
    info: (m, f) => write("INFO", m, f),
    warn: (m, f) => write("WARN", m, f),
    error: (m, f) => write("ERROR", m, f),
  };
}

function blobWriter(env: NodeJS.ProcessEnv): BlobWriter {
  if (env.MCPFLOW_BLOB_BUCKET) return s3BlobWriter(new S3Client({}), env.MCPFLOW_BLOB_BUCKET);
  if (env.MCPFLOW_BLOB_DIR) return folderBlobWriter(env.MCPFLOW_BLOB_DIR);
  return {
    put: async () => {
      throw new Error("no blob store configured (set MCPFLOW_BLOB_BUCKET)");
    },
  };
}

/**
 * The step call comes from the store: the workflow version's argument template resolved against the run's input
 * and earlier outputs (shared/runs/step-call.ts, the same code the embedded platform runs). MCPFLOW_STEP_CALL
 * (inline JSON) remains for smoke-testing the image by hand without a table.
 */
const loadStepCall: LoadStepCall = async (refs) => {
  const raw = process.env.MCPFLOW_STEP_CALL;
  if (raw) return StepCall.parse(JSON.parse(raw));
  const tableName = process.env.MCPFLOW_TABLE;
  const bucket = process.env.MCPFLOW_BUCKET ?? process.env.MCPFLOW_BLOB_BUCKET;
  if (!tableName || !bucket)
    throw new Error("MCPFLOW_TABLE and MCPFLOW_BUCKET must be set to load the step call");
  const platform = {
    table: createTable({ name: tableName }),
    blobs: createS3BlobStore(bucket),
  } as unknown as Platform;
  const call = await loadStoredStepCall(platform, {
    runId: refs.runId,
    stepId: refs.stepId,
    ...(refs.itemIndex !== undefined ? { itemIndex: refs.itemIndex } : {}),
    workflow: refs.workflow,
    workflowVersion: Number(refs.workflowVersion),
  });
  return { tool: call.tool, arguments: call.arguments, timeoutSeconds: call.timeoutSeconds };
};

/** Step records in the run's item collection, as the embedded platform keeps them. */
function storeRecorder(): StepRecorder | undefined {
  const tableName = process.env.MCPFLOW_TABLE;
  const bucket = process.env.MCPFLOW_BUCKET ?? process.env.MCPFLOW_BLOB_BUCKET;
  if (!tableName || !bucket) return undefined;
  const runs = new Runs({
    table: createTable({ name: tableName }),
    blobs: createS3BlobStore(bucket),
  } as unknown as Platform);
  const step = (refs: StepRefs) => ({
    stepId: refs.stepId,
    ...(refs.itemIndex !== undefined ? { index: refs.itemIndex } : {}),
  });
  return {
    started: (refs, call) =>
      runs.stepStarted(refs.runId, {
        ...step(refs),
        tool: call.tool,
        server: process.env.MCPFLOW_SERVER_KEY ?? "unknown",
        arguments: call.arguments,
      }),
    ended: async (refs, end, attempt) => {
      await runs.stepEnded(refs.runId, step(refs), end, attempt === undefined ? {} : { attempt });
    },
  };
}

/** Loading the call happens before its timeout is known; this bounds it. */
const LOAD_BUDGET_MS = 5 * 60_000;

async function main(): Promise<void> {
  const env = process.env;
  const log = jsonLogger({
    runId: env.MCPFLOW_RUN_ID,
    stepId: env.MCPFLOW_STEP_ID,
    itemIndex: env.MCPFLOW_ITEM_INDEX,
  });
  // Whatever hangs (a child that keeps the loop alive, an SDK call that never settles), the task must end. The
  // timer is unref'd: it fires only while something else keeps the process alive, which is the case it is for.
  let watchdog: NodeJS.Timeout | undefined;
  const armWatchdog = (budgetMs: number) => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      log.error("watchdog: the runner overran its budget; exiting without a report", { budgetMs });
      process.exit(1);
    }, budgetMs).unref();
  };
  armWatchdog(LOAD_BUDGET_MS);
  const code = await runFromEnv(env, {
    sfn: new SFNClient({ maxAttempts: 5 }),
    blobs: blobWriter(env),
    loadStepCall,
    record: storeRecorder(),
    log,
    armWatchdog,
  });
  log.info("runner exiting", { exitCode: code });
  // Exit now rather than wait for stray handles (an orphaned grandchild's pipes, keep-alive sockets).
  process.exit(code);
}

main().catch((error: unknown) => {
  process.stderr.write(`runner crashed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
