// What AWS measured of a run, for its cost (run-status, at the run's end): the execution's history counted as Step
// Functions bills it (history.ts) and the seconds Fargate bills for the run's server tasks (ECS DescribeTasks). A
// figure that cannot be read whole is left out, and the cost model gives it instead (usage.ts).
import type { ECSClient, Task } from "@aws-sdk/client-ecs";
import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { runTasksOf } from "../tasks/run-tasks.js";
import { billedTaskSeconds } from "./estimate.js";
import { usageOfHistory } from "./history.js";
import type { MeasuredUsage } from "./usage.js";

/**
 * GetExecutionHistory pages read at most (1,000 events each): 25,000 events, the most a Standard execution's history
 * holds, so a whole history is always read. Past it (a quota raised since), the history's figures are left out.
 */
export const MAX_HISTORY_PAGES = 25;

export interface AwsMeasureDeps {
  sfn: Pick<SFNClient, "send">;
  ecs: Pick<ECSClient, "send">;
  /** The stage's cluster; without one no task is measured. */
  cluster?: string;
  /** Told why a figure was left out. */
  warn(message: string, fields: Record<string, unknown>): void;
  now?: () => Date;
}

export async function measureAwsRun(
  deps: AwsMeasureDeps,
  run: { runId: string; executionArn: string },
): Promise<MeasuredUsage> {
  const [history, tasks] = await Promise.all([
    executionHistory(deps.sfn, run.executionArn).catch((error: unknown) => {
      deps.warn("the execution's history could not be read; its transitions come from the cost model", {
        error: describe(error),
      });
      return undefined;
    }),
    deps.cluster
      ? taskSeconds(deps.ecs, deps.cluster, run.runId, (deps.now ?? (() => new Date()))()).catch(
          (error: unknown) => {
            deps.warn("the run's tasks could not be read; their seconds come from the cost model", {
              error: describe(error),
            });
            return undefined;
          },
        )
      : undefined,
  ]);
  const measured: MeasuredUsage = {};
  if (history && !history.complete) {
    deps.warn("the execution's history is longer than mcpflow reads; its figures come from the cost model", {
      events: history.events.length,
    });
  } else if (history) {
    const usage = usageOfHistory(history.events);
    measured.stateTransitions = usage.stateTransitions;
    measured.executorInvocations = usage.functionInvocations;
    measured.executorSeconds = usage.functionSeconds;
  }
  if (tasks) Object.assign(measured, tasks);
  return measured;
}

/** The whole history, oldest first, without inputs and outputs (up to 256 KB each, and nothing here reads them). */
export async function executionHistory(
  sfn: Pick<SFNClient, "send">,
  executionArn: string,
  maxPages = MAX_HISTORY_PAGES,
): Promise<{ events: HistoryEvent[]; complete: boolean }> {
  const { GetExecutionHistoryCommand } = await import("@aws-sdk/client-sfn");
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const answer = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        includeExecutionData: false,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    events.push(...(answer.events ?? []));
    nextToken = answer.nextToken;
    if (!nextToken) return { events, complete: true };
  }
  return { events, complete: false };
}

/**
 * Fargate bills a task from the start of its image pull to its end, per second, a minute at least. The run's tasks
 * are still running when run-status measures them (it stops them right after): each is counted until `now`, which
 * leaves out the seconds its stop takes (SIGTERM to exit, a few seconds). Undefined when a task's start is not known
 * or the cluster has more tasks than are read.
 */
async function taskSeconds(
  ecs: Pick<ECSClient, "send">,
  cluster: string,
  runId: string,
  now: Date,
): Promise<Pick<MeasuredUsage, "tasks" | "taskSeconds"> | undefined> {
  const [running, stopped] = await Promise.all([
    runTasksOf(ecs, cluster, runId, "RUNNING"),
    runTasksOf(ecs, cluster, runId, "STOPPED"),
  ]);
  if (!running.complete || !stopped.complete) return undefined;
  const byArn = new Map<string, Task>();
  for (const task of [...stopped.tasks, ...running.tasks]) byArn.set(task.taskArn!, task);
  let seconds = 0;
  for (const task of byArn.values()) {
    const start = task.pullStartedAt ?? task.startedAt ?? task.createdAt;
    if (!start) return undefined;
    const end = new Date(task.stoppedAt ?? task.executionStoppedAt ?? now);
    seconds += billedTaskSeconds(Math.max(0, (end.getTime() - new Date(start).getTime()) / 1000));
  }
  return { tasks: byArn.size, taskSeconds: seconds };
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
