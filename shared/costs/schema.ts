// What a run used and what that costs on AWS, as the run record carries them (docs/costs.md gives the model).
import * as z from "../zod.js";

export const RunUsage = z.object({
  stateTransitions: z
    .number()
    .check(z.meta({ description: "Step Functions Standard state transitions (states entered and retries)" })),
  tasks: z
    .number()
    .check(z.meta({ description: "Fargate tasks: one per server of the run that is not remote" })),
  taskSeconds: z
    .number()
    .check(
      z.meta({ description: "Fargate task-seconds billed, each task at least 60 s (default task size)" }),
    ),
  functionGbSeconds: z
    .number()
    .check(z.meta({ description: "Lambda GB-seconds: the run's start, each step's executor, its end" })),
  functionRequests: z.number(),
  storeReads: z.number().check(z.meta({ description: "DynamoDB read requests" })),
  storeWrites: z
    .number()
    .check(z.meta({ description: "DynamoDB write requests (a batch counts its items)" })),
  apiRequests: z.number().check(z.meta({ description: "API Gateway requests: the run's start" })),
  measured: z
    .array(z.string())
    .check(
      z.meta({ description: "the fields counted where the run ran; the others come from the cost model" }),
    ),
});
export type RunUsage = z.infer<typeof RunUsage>;

export const RunCost = z.object({
  usd: z.number(),
  currency: z.literal("USD"),
  region: z.string(),
  pricesAsOf: z.string(),
  estimated: z.boolean().check(
    z.meta({
      description:
        "true: what this run would cost on AWS (the embedded platform); false: from what AWS measured of it",
    }),
  ),
});
export type RunCost = z.infer<typeof RunCost>;

/** The usage fields that are priced (every numeric one but `tasks`, which taskSeconds already counts). */
export type PricedUsage = Omit<RunUsage, "tasks" | "measured">;
