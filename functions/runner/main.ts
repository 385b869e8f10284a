// ECS task entrypoint: wires the runner to AWS (Step Functions, the run table, the payload bucket) and guarantees
// the process ends.
import { SFNClient } from "@aws-sdk/client-sfn";
import { createS3BlobStore } from "../../shared/blobs/s3-store.js";
import type { RunStore } from "../../shared/runs/step-call.js";
import { createTable } from "../../shared/store/table.js";
import { serveFromEnv } from "./host.js";
import { type RunnerLogger, runFromEnv } from "./runner.js";

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

/**
 * The run store the step call is loaded from (the workflow version's argument template resolved against the run's
 * input and earlier outputs) and where the attempt and large outputs are recorded, as on every host.
 */
function storeFromEnv(env: NodeJS.ProcessEnv): RunStore | undefined {
  const tableName = env.MCPFLOW_TABLE;
  const bucket = env.MCPFLOW_BUCKET ?? env.MCPFLOW_BLOB_BUCKET;
  if (!tableName || !bucket) return undefined;
  return { table: createTable({ name: tableName }), blobs: createS3BlobStore(bucket) };
}

/** Loading the call happens before its timeout is known; this bounds it. */
const LOAD_BUDGET_MS = 5 * 60_000;

/** MCPFLOW_RUNNER_MODE=host: the run's server for all its steps, until the run ends (./host.ts). */
async function host(env: NodeJS.ProcessEnv): Promise<void> {
  const log = jsonLogger({ runId: env.MCPFLOW_RUN_ID, mode: "host" });
  const stop = new AbortController();
  // ECS StopTask (the run's end, seen by the run-status function) sends SIGTERM, then SIGKILL 30 s later.
  process.once("SIGTERM", () => stop.abort());
  const code = await serveFromEnv(env, { sfn: new SFNClient({ maxAttempts: 5 }), log, stop: stop.signal });
  log.info("host exiting", { exitCode: code });
  process.exit(code);
}

async function main(): Promise<void> {
  const env = process.env;
  if (env.MCPFLOW_RUNNER_MODE === "host") return host(env);
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
    store: storeFromEnv(env),
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
