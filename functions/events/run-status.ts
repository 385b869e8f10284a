// Lambda for EventBridge "Step Functions Execution Status Change" events: the execution's end becomes the run's
// end in the store (the execution is named after the run id), with what AWS measured of it (its cost), steps that
// never reported are settled, and the run's server tasks are stopped (decision 0008).
import { lazyClient } from "../../shared/aws/lazy-client.js";
import { measureAwsRun } from "../../shared/costs/aws-measure.js";
import { NotFoundError } from "../../shared/errors.js";
import { logger } from "../../shared/log.js";
import { getPlatform } from "../../shared/platform.js";
import { endRun, type RunEnd } from "../../shared/runs/lifecycle.js";
import { MAX_CAUSE_CHARS } from "../../shared/runs/limits.js";
import type { RunError } from "../../shared/runs/schema.js";
import { stopRunTasks } from "../../shared/tasks/run-tasks.js";
import * as z from "../../shared/zod.js";

export const ExecutionStatusChange = z.object({
  "detail-type": z.literal("Step Functions Execution Status Change"),
  detail: z.object({
    executionArn: z.string(),
    name: z.string().check(z.minLength(1)),
    status: z.string(),
    output: z.nullish(z.string()),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});
export type ExecutionStatusChange = z.infer<typeof ExecutionStatusChange>;

function parseOutput(raw: string | null | undefined): unknown {
  if (raw === undefined || raw === null || raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // Step Functions outputs are JSON; keep anything else as the string it is
  }
}

/** The run's end for an execution status, or undefined for statuses that are not an end (RUNNING, redrives). */
export function runEndOf(detail: ExecutionStatusChange["detail"]): RunEnd | undefined {
  const error = (fallback: string): RunError => ({
    error: detail.error || fallback,
    ...(detail.cause ? { cause: detail.cause.slice(0, MAX_CAUSE_CHARS) } : {}),
  });
  switch (detail.status) {
    case "SUCCEEDED": {
      const output = parseOutput(detail.output);
      return { status: "SUCCEEDED", ...(output !== undefined ? { output } : {}) };
    }
    case "FAILED":
      return { status: "FAILED", error: error("States.Failed") };
    case "TIMED_OUT":
      return { status: "TIMED_OUT", error: error("States.Timeout") };
    case "ABORTED":
      // StopExecution from a cancel says Run.Cancelled; a stop from the console says nothing.
      return { status: "CANCELLED", error: error("Run.Cancelled") };
    default:
      return undefined;
  }
}

const ecs = lazyClient(() => import("@aws-sdk/client-ecs").then((m) => new m.ECSClient({})));
const sfn = lazyClient(() => import("@aws-sdk/client-sfn").then((m) => new m.SFNClient({})));

export async function handler(event: unknown): Promise<{ runId?: string; updated: boolean }> {
  const parsed = ExecutionStatusChange.safeParse(event);
  if (!parsed.success) {
    // Not ours to retry: a malformed event will not become well-formed. Log the shape, not the payload.
    logger.warn("ignored an event that is not a Step Functions status change", {
      issues: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    });
    return { updated: false };
  }
  const { detail } = parsed.data;
  const runId = detail.name;
  const end = runEndOf(detail);
  if (!end) return { runId, updated: false };

  // EventBridge delivers at least once and may reorder: endRun keeps a run's first end, so a replay only settles
  // again. It settles even when a cancel ended the run first, as a cancel cannot wait for the tasks to stop.
  const cluster = process.env.MCPFLOW_CLUSTER_ARN;
  const platform = await getPlatform();
  // What AWS measured of the run (its cost), read before its tasks are stopped, so that each running task counts
  // until now (docs/costs.md). Only on AWS: the embedded platform's engine counts its runs itself.
  const measure =
    platform.mode === "aws"
      ? () =>
          measureAwsRun(
            { sfn, ecs, cluster, warn: (message, fields) => logger.warn(message, { runId, ...fields }) },
            { runId, executionArn: detail.executionArn },
          )
      : undefined;
  let updated: boolean;
  try {
    updated = await endRun(platform, runId, { ...end, ...(measure ? { measure } : {}) });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    // An execution the API did not start (a test run from the console): nothing to record.
    logger.warn("no run for this execution", { runId, executionArn: detail.executionArn });
    return { runId, updated: false };
  }
  logger.info("run ended", { runId, status: end.status, updated });
  // After the run's end is recorded: a failure here is retried with the event, and endRun changes nothing then.
  if (cluster) {
    const stopped = await stopRunTasks(ecs, cluster, runId);
    if (stopped.length > 0) logger.info("stopped the run's server tasks", { runId, tasks: stopped.length });
  }
  return { runId, updated };
}
