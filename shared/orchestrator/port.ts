// Where compiled workflows run: Step Functions on AWS, aws-local-stepfunctions in the embedded platform.
import type { RunStart } from "./execution-input.js";

export interface ExecutionEvent {
  id: number;
  timestamp: string;
  type: string;
  stateName?: string;
  detail?: Record<string, unknown>;
}

export interface Orchestrator {
  /** Called when a workflow version is saved: creates or updates its state machine. */
  deploy(workflow: { name: string; version: number; aslJson: string }): Promise<{ stateMachineArn?: string }>;
  /**
   * Starts an execution named after the run id, with the input executionInputOf(run) builds; resolves once it has
   * started, not when it ends.
   */
  start(run: RunStart): Promise<{
    executionArn: string;
    consoleUrl?: string;
  }>;
  /**
   * The execution a run will have, where the orchestrator names it before it starts (the embedded engine): the run
   * is recorded with it in its first write instead of a second one after the start, and start() answers the same.
   */
  executionOf?(run: { runId: string; workflow: string }): { executionArn: string; consoleUrl?: string };
  /** Stops the execution and whatever it runs (processes, tasks). */
  stop(run: { runId: string; executionArn: string }, cause: string): Promise<void>;
  events(run: { runId: string; executionArn: string }): Promise<ExecutionEvent[]>;
}
