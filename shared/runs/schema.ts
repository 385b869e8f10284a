// A run of a workflow version and the record of each of its steps, as the API returns them.
import * as z from "zod";

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

export const RunError = z.object({ error: z.string(), cause: z.string().optional() });
export type RunError = z.infer<typeof RunError>;

export const BlobRef = z.object({ key: z.string(), bytes: z.number().int() });

export const StepItemRecord = z.object({
  index: z.number().int(),
  status: StepStatus,
  attempts: z.number().int(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  arguments: z.unknown().optional(),
  output: z.unknown().optional(),
  outputBlob: BlobRef.optional(),
  error: RunError.optional(),
});
export type StepItemRecord = z.infer<typeof StepItemRecord>;

export const StepRecord = z.object({
  stepId: z.string(),
  tool: z.string(),
  server: z.string(),
  status: StepStatus,
  attempts: z.number().int(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  arguments: z.unknown().optional(),
  output: z.unknown().optional().meta({ description: "the normalised tool result {text, json, content}" }),
  outputBlob: BlobRef.optional().meta({ description: "set instead of output when the output is large" }),
  error: RunError.optional(),
  items: z.array(StepItemRecord).optional().meta({ description: "for_each steps: one record per item" }),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const RunRecord = z.object({
  id: z.string(),
  workflow: z.string(),
  version: z.number().int(),
  status: RunStatus,
  input: z.unknown(),
  output: z.unknown().optional(),
  error: RunError.optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  startedBy: z.string(),
  executionArn: z.string().optional(),
  consoleUrl: z.string().optional(),
  steps: z.array(StepRecord).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;
