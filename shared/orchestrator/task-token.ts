// How a host on AWS carries a step's outcome to Step Functions: heartbeats while the call runs, then SendTaskSuccess
// with the Task's result, or SendTaskFailure with its Retry/Catch name and cause. The Fargate runner and the remote
// invoker both beat and report here.
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import type { StepFailure, StepResult } from "../runs/step-execution.js";

/** Step Functions answers these when the token can no longer be used (the task timed out, was stopped); retrying cannot help. */
export const TASK_GONE = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);

export type TaskReport = { sent: true } | { sent: false; gone: boolean; error: unknown };

export const errorNameOf = (error: unknown): string =>
  (error as { name?: string } | undefined)?.name ?? "Error";

/** Sends a Task's result (a step's, or a run server's address); never throws, as reportToTask. */
export async function sendTaskResult(
  sfn: Pick<SFNClient, "send">,
  taskToken: string,
  result: unknown,
): Promise<TaskReport> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(result) }));
    return { sent: true };
  } catch (error) {
    return { sent: false, gone: TASK_GONE.has(errorNameOf(error)), error };
  }
}

/** Sends the outcome with the task token; never throws, so that each host decides what an unsent report means. */
export async function reportToTask(
  sfn: Pick<SFNClient, "send">,
  taskToken: string,
  outcome: { status: "SUCCEEDED"; result: StepResult } | { status: "FAILED"; failure: StepFailure },
): Promise<TaskReport> {
  if (outcome.status === "SUCCEEDED") return sendTaskResult(sfn, taskToken, outcome.result);
  try {
    await sfn.send(
      new SendTaskFailureCommand({ taskToken, error: outcome.failure.error, cause: outcome.failure.cause }),
    );
    return { sent: true };
  } catch (error) {
    return { sent: false, gone: TASK_GONE.has(errorNameOf(error)), error };
  }
}

/** Between two heartbeats unless configured (MCPFLOW_HEARTBEAT_SECONDS); below every compiled HeartbeatSeconds. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 20_000;

export interface Heartbeat {
  /** Stops beating; call it before the report, as a beat after SendTaskSuccess is answered with an error. */
  stop(): void;
}

/**
 * Beats for `taskToken` every `intervalMs` until stopped. Step Functions fails a task whose beat is later than its
 * HeartbeatSeconds; a beat answered "gone" (the run was stopped, the state timed out) calls `onGone` once and stops.
 */
export function beatWhileRunning(
  sfn: Pick<SFNClient, "send">,
  taskToken: string,
  options: {
    intervalMs: number;
    onGone(errorName: string): void;
    onError?(errorName: string): void;
    onBeat?(): void;
  },
): Heartbeat {
  const timer = setInterval(() => {
    sfn.send(new SendTaskHeartbeatCommand({ taskToken })).then(
      () => options.onBeat?.(),
      (error: unknown) => {
        const name = errorNameOf(error);
        if (TASK_GONE.has(name)) {
          clearInterval(timer);
          options.onGone(name);
        } else options.onError?.(name);
      },
    );
  }, options.intervalMs);
  return { stop: () => clearInterval(timer) };
}

/** MCPFLOW_HEARTBEAT_SECONDS as milliseconds, or the default. */
export function heartbeatIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.MCPFLOW_HEARTBEAT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_HEARTBEAT_INTERVAL_MS;
}
