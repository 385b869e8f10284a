// The runs area's contract: read runs and their steps, cancel them, read their execution history.
import * as z from "zod";
import { route } from "../http/route.js";
import { RunRecord, RunStatus } from "../runs/schema.js";

const RunParams = z
  .object({ id: z.string().regex(/^[a-z0-9]+-[0-9a-f-]{36}$/, "must be a run id") })
  .strict();

export const runRoutes = {
  listRuns: route({
    method: "GET",
    path: "/v1/runs",
    role: "viewer",
    action: "runs.list",
    summary: "Runs, newest first",
    tags: ["runs"],
    query: z
      .object({
        workflow: z.string().max(63).optional(),
        status: RunStatus.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(30),
        cursor: z.string().max(2000).optional(),
      })
      .strict(),
    success: 200,
    response: z.object({ runs: z.array(RunRecord), nextCursor: z.string().optional() }),
  }),
  getRun: route({
    method: "GET",
    path: "/v1/runs/{id}",
    role: "viewer",
    action: "runs.get",
    summary: "A run with every step: status, attempts, times, arguments, output, error",
    tags: ["runs"],
    params: RunParams,
    success: 200,
    response: RunRecord,
  }),
  cancelRun: route({
    method: "POST",
    path: "/v1/runs/{id}/cancel",
    role: "operator",
    action: "runs.cancel",
    summary: "Stop a run and whatever it runs",
    tags: ["runs"],
    params: RunParams,
    success: 200,
    response: RunRecord,
  }),
  getRunEvents: route({
    method: "GET",
    path: "/v1/runs/{id}/events",
    role: "viewer",
    action: "runs.events",
    summary: "The execution's event history",
    tags: ["runs"],
    params: RunParams,
    success: 200,
    response: z.object({ events: z.array(z.record(z.string(), z.unknown())) }),
  }),
};
