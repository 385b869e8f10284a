// The runs area's contract: read runs and their steps, cancel them, read their execution history.
import { route } from "../http/route.js";
import { RunRecord, RunStatus } from "../runs/schema.js";
import * as z from "../zod.js";

const RunParams = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9]+-[0-9a-f-]{36}$/, "must be a run id")),
});

export const runRoutes = {
  listRuns: route({
    method: "GET",
    path: "/v1/runs",
    role: "viewer",
    action: "runs.list",
    summary: "Runs, newest first",
    tags: ["runs"],
    query: z.strictObject({
      workflow: z.optional(z.string().check(z.maxLength(63))),
      status: z.optional(RunStatus),
      limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 30),
      cursor: z.optional(z.string().check(z.maxLength(2000))),
    }),
    success: 200,
    response: z.object({ runs: z.array(RunRecord), nextCursor: z.optional(z.string()) }),
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
    errors: [404],
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
    errors: [404, 409],
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
    errors: [404],
    response: z.object({ events: z.array(z.record(z.string(), z.unknown())) }),
  }),
};
