// The one contract between starting a run and its state machine: what an execution starts with. The compiled ASL's
// first states read `$.input` and `$.runId` ("Start run") and `$.hostKeySha256` ("Start servers",
// statemachines/compile.ts); every orchestrator adapter builds the execution input here, so the embedded engine and
// Step Functions cannot hand the ASL different `$`.
import * as z from "../zod.js";

export const ExecutionInput = z.object({
  /** The run input as the caller gave it (validated against the workflow's input schema before the start). */
  input: z.unknown(),
  /** Names the run's records; the step hosts receive it through the Task parameters. */
  runId: z.string().check(z.minLength(1)),
  /**
   * SHA-256 (hex) of the run's host key (shared/runs/host-key.ts): the run's server tasks get it, never the key,
   * which only the run's record holds (decision 0008).
   */
  hostKeySha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")),
});
export type ExecutionInput = z.infer<typeof ExecutionInput>;

/** What `Orchestrator.start` is given: the run, its compiled definition and its input as the run carries it. */
export interface RunStart {
  runId: string;
  workflow: string;
  version: number;
  aslJson: string;
  input: unknown;
  /** The digest of the key kept in the run's record (hostKeySha256 in shared/runs/host-key.ts). */
  hostKeySha256: string;
}

/** The execution input of a run; `input` absent is the empty object, as a run without input is stored. */
export function executionInputOf(run: Pick<RunStart, "runId" | "input" | "hostKeySha256">): ExecutionInput {
  return { input: run.input ?? {}, runId: run.runId, hostKeySha256: run.hostKeySha256 };
}
