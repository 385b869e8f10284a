// What an execution's history says it used, counted as AWS bills it: pure, over the events GetExecutionHistory
// returns (shared/costs/aws-measure.ts reads them). docs/costs.md gives the rules and where they come from.
import type { HistoryEvent } from "@aws-sdk/client-sfn";

export interface HistoryUsage {
  /**
   * Step Functions Standard bills a transition "each time a step of your workflow is executed", each retry as one
   * more, and a redrive as one: every `…StateEntered` event (the states of each Map iteration and Parallel branch
   * too), every task attempt scheduled again after its previous attempt failed or timed out, every
   * ExecutionRedriven.
   */
  stateTransitions: number;
  /** Attempts of Task states that invoke a Lambda function (the step executor): one invocation each. */
  functionInvocations: number;
  /**
   * Their seconds, each from its start (TaskStarted, else TaskScheduled) to the last event of the attempt (its
   * TaskSubmitted — a synchronous Invoke returns when the function does — or its end, whichever is later), rounded
   * up to the millisecond as Lambda bills.
   */
  functionSeconds: number;
}

/** The events that schedule one attempt of a Task state (service integrations, Lambda by ARN, activities). */
const SCHEDULED = new Set(["TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"]);
/** An attempt that ended this way is followed by a retry when the state's Retry matches. */
const ATTEMPT_FAILED = new Set([
  "TaskFailed",
  "TaskTimedOut",
  "TaskStartFailed",
  "TaskSubmitFailed",
  "LambdaFunctionFailed",
  "LambdaFunctionTimedOut",
  "LambdaFunctionStartFailed",
  "LambdaFunctionScheduleFailed",
  "ActivityFailed",
  "ActivityTimedOut",
  "ActivityScheduleFailed",
]);
/** The events of one attempt after its scheduling, each chained to the one before by previousEventId. */
const ATTEMPT_EVENTS = new Set([
  ...ATTEMPT_FAILED,
  "TaskStarted",
  "TaskSubmitted",
  "TaskSucceeded",
  "LambdaFunctionStarted",
  "LambdaFunctionSucceeded",
  "ActivityStarted",
  "ActivitySucceeded",
]);
const STARTED = new Set(["TaskStarted", "LambdaFunctionStarted"]);

export function usageOfHistory(events: readonly HistoryEvent[]): HistoryUsage {
  const byId = new Map<number, HistoryEvent>();
  // Events of parallel branches and Map iterations interleave; previousEventId chains each thread's events.
  const next = new Map<number, HistoryEvent[]>();
  for (const event of events) {
    if (event.id === undefined) continue;
    byId.set(event.id, event);
    const previous = event.previousEventId ?? 0;
    next.set(previous, [...(next.get(previous) ?? []), event]);
  }
  let stateTransitions = 0;
  let functionInvocations = 0;
  let functionSeconds = 0;
  for (const event of events) {
    const type = event.type ?? "";
    if (type.endsWith("StateEntered") || type === "ExecutionRedriven") stateTransitions++;
    if (!SCHEDULED.has(type)) continue;
    const previous = byId.get(event.previousEventId ?? 0);
    if (previous && ATTEMPT_FAILED.has(previous.type ?? "")) stateTransitions++;
    if (!invokesFunction(event)) continue;
    functionInvocations++;
    functionSeconds += attemptSeconds(event, next);
  }
  return {
    stateTransitions,
    functionInvocations,
    functionSeconds: Math.round(functionSeconds * 1000) / 1000,
  };
}

function invokesFunction(scheduled: HistoryEvent): boolean {
  if (scheduled.type === "LambdaFunctionScheduled") return true;
  return scheduled.type === "TaskScheduled" && scheduled.taskScheduledEventDetails?.resourceType === "lambda";
}

/** From the attempt's start to its last event, following its chain; billed by the millisecond, 1 ms at least. */
function attemptSeconds(scheduled: HistoryEvent, next: Map<number, HistoryEvent[]>): number {
  let start = time(scheduled);
  let last = start;
  let event: HistoryEvent | undefined = scheduled;
  while (event) {
    event = next.get(event.id ?? -1)?.find((e) => ATTEMPT_EVENTS.has(e.type ?? ""));
    if (!event) break;
    if (STARTED.has(event.type ?? "")) start = time(event);
    last = Math.max(last, time(event));
  }
  return Math.max(1, Math.ceil(last - start)) / 1000;
}

const time = (event: HistoryEvent) => new Date(event.timestamp ?? 0).getTime();
