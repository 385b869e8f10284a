// A run of a workflow version and the record of each of its steps, as the API returns them.
import { RunCost, RunUsage } from "../costs/schema.js";
import * as z from "../zod.js";

export const RunStatus = z.enum(["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const StepStatus = z.enum([
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "SKIPPED",
  "CANCELLED",
  "NOT_RUN",
]);
export type StepStatus = z.infer<typeof StepStatus>;

export const RunError = z.object({ error: z.string(), cause: z.optional(z.string()) });
export type RunError = z.infer<typeof RunError>;

export const BlobRef = z.object({ key: z.string(), bytes: z.int() });

export const StepItemRecord = z.object({
  index: z.int(),
  status: StepStatus,
  attempts: z.int(),
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  arguments: z.optional(z.unknown()),
  output: z.optional(z.unknown()),
  outputBlob: z.optional(BlobRef),
  error: z.optional(RunError),
});
export type StepItemRecord = z.infer<typeof StepItemRecord>;

export const StepRecord = z.object({
  stepId: z.string(),
  tool: z.string(),
  server: z.string(),
  status: StepStatus,
  attempts: z.int(),
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  arguments: z.optional(z.unknown()),
  output: z
    .optional(z.unknown())
    .check(z.meta({ description: "the normalised tool result {text, json, content}" })),
  outputBlob: z
    .optional(BlobRef)
    .check(z.meta({ description: "set instead of output when the output is large" })),
  error: z.optional(RunError),
  items: z
    .optional(z.array(StepItemRecord))
    .check(z.meta({ description: "for_each steps: one record per item" })),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const RunRecord = z.object({
  id: z.string(),
  workflow: z.string(),
  version: z.int(),
  status: RunStatus,
  input: z.unknown(),
  output: z.optional(z.unknown()),
  error: z.optional(RunError),
  startedAt: z.string(),
  endedAt: z.optional(z.string()),
  startedBy: z.string(),
  executionArn: z.optional(z.string()),
  consoleUrl: z.optional(z.string()),
  usage: z.optional(RunUsage).check(z.meta({ description: "what the run used; set when it ends" })),
  cost: z
    .optional(RunCost)
    .check(z.meta({ description: "its AWS list-price cost; set when it ends in a priced region" })),
  steps: z.optional(z.array(StepRecord)),
});
export type RunRecord = z.infer<typeof RunRecord>;
