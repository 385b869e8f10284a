// How a host on AWS carries a step's outcome to Step Functions: SendTaskSuccess with the Task's result, or
// SendTaskFailure with its Retry/Catch name and cause. The Fargate runner and the remote invoker both report here.
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { StepFailure, StepResult } from "../runs/step-execution.js";

/** Step Functions answers these when the token can no longer be used (the task timed out, was stopped); retrying cannot help. */
export const TASK_GONE = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);

export type TaskReport = { sent: true } | { sent: false; gone: boolean; error: unknown };

export const errorNameOf = (error: unknown): string =>
  (error as { name?: string } | undefined)?.name ?? "Error";

/** Sends the outcome with the task token; never throws, so that each host decides what an unsent report means. */
export async function reportToTask(
  sfn: Pick<SFNClient, "send">,
  taskToken: string,
  outcome: { status: "SUCCEEDED"; result: StepResult } | { status: "FAILED"; failure: StepFailure },
): Promise<TaskReport> {
  try {
    if (outcome.status === "SUCCEEDED") {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(outcome.result) }));
    } else {
      await sfn.send(
        new SendTaskFailureCommand({ taskToken, error: outcome.failure.error, cause: outcome.failure.cause }),
      );
    }
    return { sent: true };
  } catch (error) {
    return { sent: false, gone: TASK_GONE.has(errorNameOf(error)), error };
  }
}
