// Health and the OpenAPI document: the only routes that need no caller.
import { route } from "../http/route.js";
import * as z from "../zod.js";

export const metaRoutes = {
  health: route({
    method: "GET",
    path: "/v1/health",
    role: "public",
    action: "health",
    summary: "Liveness and the store's reachability",
    tags: ["meta"],
    success: 200,
    alsoAnswers: [{ status: 503, description: "The store does not answer (status `degraded`)" }],
    response: z.object({
      status: z.enum(["ok", "degraded"]),
      mode: z.enum(["local", "aws"]),
      version: z.string(),
    }),
  }),
  openapi: route({
    method: "GET",
    path: "/v1/openapi.json",
    role: "public",
    action: "openapi",
    summary: "This API's OpenAPI 3.1 document, generated from the zod schemas",
    tags: ["meta"],
    success: 200,
    response: z.record(z.string(), z.unknown()),
  }),
};
