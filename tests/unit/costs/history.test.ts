// Counting an execution's history as Step Functions bills it, over histories recorded on the emulated AWS path
// (moto_server running the compiled ASL: tests/fixtures/step-functions-history, see "recorded" in each): every state
// entered (inside Parallel branches and Map iterations too) and every retry is a transition; each attempt of a Lambda
// Task is one invocation of the step executor, from its start to its last event.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { usageOfHistory } from "../../../shared/costs/history.js";
import { REPO_ROOT } from "../../helpers/examples.js";

function recorded(name: string): HistoryEvent[] {
  const file = join(REPO_ROOT, "tests/fixtures/step-functions-history", `${name}.json`);
  const { events } = JSON.parse(readFileSync(file, "utf8")) as { events: HistoryEvent[] };
  return events.map((event) => ({ ...event, timestamp: new Date(event.timestamp!) }));
}

describe("usageOfHistory", () => {
  it("everything-diamond: the states of a Parallel, a Map of two items and a Choice, five executor calls", () => {
    // Entered: Start servers, Start server 0, Start run, Call greet, Parallel 1, For each shout, Call sum,
    // Call shout (item 0), Call shout (item 1), Check report, Call report, Build output.
    expect(usageOfHistory(recorded("diamond"))).toEqual({
      stateTransitions: 12,
      functionInvocations: 5,
      // greet 29.421→29.751, sum 29.795→30.496, shout 30.431→31.014 and 30.432→31.064 (interleaved: each attempt
      // followed by its own previousEventId chain), report 31.165→31.377; not the ECS start (a task, not a function).
      functionSeconds: 0.33 + 0.701 + 0.583 + 0.632 + 0.212,
    });
  });

  it("a retry is one more transition and one more invocation, without a new StateEntered", () => {
    // Entered: Start servers, Start server 0, Start run, Call bad, Call after, Build output; Call bad scheduled
    // again after its TaskFailed.
    expect(usageOfHistory(recorded("retry"))).toEqual({
      stateTransitions: 6 + 1,
      functionInvocations: 3,
      functionSeconds: 0.347 + 0.381 + 0.211,
    });
  });

  it("a failure that ends the execution: the states entered until then", () => {
    expect(usageOfHistory(recorded("failure"))).toEqual({
      stateTransitions: 4,
      functionInvocations: 1,
      functionSeconds: 0.572,
    });
  });

  it("a timed-out attempt retried, a Lambda by ARN and a redrive", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s));
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, type: "ExecutionStarted", timestamp: at(0) },
      { id: 2, previousEventId: 1, type: "TaskStateEntered", timestamp: at(0) },
      {
        id: 3,
        previousEventId: 2,
        type: "TaskScheduled",
        timestamp: at(0),
        taskScheduledEventDetails: { resourceType: "lambda", resource: "invoke.waitForTaskToken" } as never,
      },
      { id: 4, previousEventId: 3, type: "TaskStarted", timestamp: at(1) },
      { id: 5, previousEventId: 4, type: "TaskSubmitted", timestamp: at(2) },
      { id: 6, previousEventId: 5, type: "TaskTimedOut", timestamp: at(9) },
      {
        id: 7,
        previousEventId: 6,
        type: "TaskScheduled",
        timestamp: at(10),
        taskScheduledEventDetails: { resourceType: "lambda", resource: "invoke.waitForTaskToken" } as never,
      },
      { id: 8, previousEventId: 7, type: "TaskStarted", timestamp: at(10) },
      // A synchronous Invoke: the function returned after it reported the outcome.
      { id: 9, previousEventId: 8, type: "TaskSucceeded", timestamp: at(12) },
      { id: 10, previousEventId: 9, type: "TaskStateExited", timestamp: at(12) },
      { id: 11, previousEventId: 10, type: "TaskStateEntered", timestamp: at(12) },
      { id: 12, previousEventId: 11, type: "LambdaFunctionScheduled", timestamp: at(12) },
      { id: 13, previousEventId: 12, type: "LambdaFunctionStarted", timestamp: at(13) },
      { id: 14, previousEventId: 13, type: "LambdaFunctionFailed", timestamp: at(14) },
      { id: 15, previousEventId: 14, type: "ExecutionFailed", timestamp: at(14) },
      { id: 16, previousEventId: 15, type: "ExecutionRedriven", timestamp: at(20) },
      { id: 17, previousEventId: 16, type: "TaskStateEntered", timestamp: at(20) },
      { id: 18, previousEventId: 17, type: "ExecutionSucceeded", timestamp: at(20) },
    ];
    expect(usageOfHistory(events)).toEqual({
      // Three states entered, one retry, one redrive.
      stateTransitions: 3 + 1 + 1,
      functionInvocations: 3,
      functionSeconds: 8 + 2 + 1,
    });
  });

  it("an empty history counts nothing", () => {
    expect(usageOfHistory([])).toEqual({ stateTransitions: 0, functionInvocations: 0, functionSeconds: 0 });
  });
});
