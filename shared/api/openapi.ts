// The OpenAPI 3.1 document, generated from the route contracts' zod schemas: one truth for types, validation
// and documentation.

import { createDocument } from "zod-openapi";
import { Problem } from "../http/problem.js";
import type { RouteSpec, RouteTable } from "../http/route.js";
import * as z from "../zod.js";
import { ALL_ROUTES } from "./all-routes.js";

const MEDIA: Record<string, string> = {
  json: "application/json",
  yaml: "application/yaml",
  text: "text/markdown",
};

function operation(id: string, spec: RouteSpec) {
  const problems = Object.fromEntries(
    [400, 401, 403, 404, 409, 413, 415, 422].map((status) => [
      String(status),
      { description: "A problem (RFC 9457)", content: { "application/problem+json": { schema: Problem } } },
    ]),
  );
  const headerShape = Object.fromEntries(
    (spec.headers ?? []).map((h) => [
      h.name,
      h.required
        ? z.string().check(z.meta({ description: h.description }))
        : z.optional(z.string()).check(z.meta({ description: h.description })),
    ]),
  );
  return {
    operationId: id,
    summary: spec.summary,
    tags: spec.tags,
    ...(spec.role === "public"
      ? { security: [] }
      : { description: `Needs the \`${spec.role}\` role or stronger.` }),
    requestParams: {
      ...(spec.params ? { path: spec.params as z.ZodMiniObject } : {}),
      ...(spec.query ? { query: spec.query as z.ZodMiniObject } : {}),
      ...(spec.headers?.length ? { header: z.object(headerShape) } : {}),
    },
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              (spec.bodyTypes ?? ["json"]).map((kind) => [MEDIA[kind]!, { schema: bodySchema(spec) }]),
            ),
          },
        }
      : {}),
    responses: {
      [String(spec.success)]: {
        description: spec.summary,
        ...(spec.response
          ? {
              content: {
                [spec.responseType ?? "application/json"]: { schema: responseSchema(spec.response) },
              },
            }
          : {}),
      },
      ...problems,
    },
  };
}

/**
 * The body as documented: `bodyDocs`, when the route has one, rendered as zod renders it for input and set over
 * the body schema's own metadata (its description); otherwise the body schema itself.
 */
function bodySchema(spec: RouteSpec): z.core.$ZodType {
  if (!spec.bodyDocs) return spec.body!;
  const json = z.toJSONSchema(spec.bodyDocs, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return z.unknown().check(z.meta({ ...z.globalRegistry.get(spec.body!), override: json }));
}

/**
 * Responses are documented from their JSON Schema as zod renders it for output: some carry transforms (a step's
 * `server` accepts `name@version` and answers `{name, version}`), which zod-openapi refuses in output schemas.
 */
function responseSchema(schema: z.core.$ZodType): z.ZodMiniType {
  const json = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return z.unknown().check(z.meta({ override: json }));
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(routeTables: RouteTable[] = ALL_ROUTES): Record<string, unknown> {
  if (cached && routeTables === ALL_ROUTES) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const table of routeTables) {
    for (const [id, spec] of Object.entries(table)) {
      const path = spec.path.replace(/\{(\w+)\*\}/g, "{$1}");
      paths[path] ??= {};
      paths[path][spec.method.toLowerCase()] = operation(id, spec);
    }
  }
  const document = createDocument({
    openapi: "3.1.0",
    info: {
      title: "mcpflow API",
      version: "1",
      description:
        "Registry of MCP servers, Model Context Documents and workflows that compile to AWS Step Functions. " +
        "Server names contain a `/`; send it URL-encoded (`io.github.acme%2Fweather`).",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: paths as never,
  }) as unknown as Record<string, unknown>;
  if (routeTables === ALL_ROUTES) cached = document;
  return document;
}
