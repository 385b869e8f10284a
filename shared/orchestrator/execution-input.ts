// The one contract between starting a run and its state machine: what an execution starts with. The compiled ASL's
// first state reads `$.input` and `$.runId` (statemachines/compile.ts, "Start run"); every orchestrator adapter
// builds the execution input here, so the embedded engine and Step Functions cannot hand the ASL different `$`.
import * as z from "../zod.js";

export const ExecutionInput = z.object({
  /** The run input as the caller gave it (validated against the workflow's input schema before the start). */
  input: z.unknown(),
  /** Names the run's records; the runner and the invoker receive it through the Task parameters. */
  runId: z.string().check(z.minLength(1)),
});
export type ExecutionInput = z.infer<typeof ExecutionInput>;

/** What `Orchestrator.start` is given: the run, its compiled definition and its input as the run carries it. */
export interface RunStart {
  runId: string;
  workflow: string;
  version: number;
  aslJson: string;
  input: unknown;
}

/** The execution input of a run; `input` absent is the empty object, as a run without input is stored. */
export function executionInputOf(run: Pick<RunStart, "runId" | "input">): ExecutionInput {
  return { input: run.input ?? {}, runId: run.runId };
}
