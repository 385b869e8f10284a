// The OpenAPI 3.1 document, generated from the route contracts' zod schemas: one truth for types, validation
// and documentation.

import { createDocument } from "zod-openapi";
import { Problem } from "../http/problem.js";
import type { RouteSpec, RouteTable } from "../http/route.js";
import { Caller } from "../identity/roles.js";
import { McdDocument, References } from "../mcds/schema.js";
import { ProbedTool, ProbeResult } from "../mcp/probe-result.js";
import {
  ServerDocument,
  ServerNameReference,
  ServerVersionRecord,
  ServerVersionString,
} from "../registry/schema.js";
import { RunRecord } from "../runs/schema.js";
import { Condition, JsonValue, Step, StepServer, WorkflowDefinition } from "../workflows/definition.js";
import { WorkflowVersionRecord } from "../workflows/service.js";
import * as z from "../zod.js";
import { ALL_ROUTES } from "./all-routes.js";

const MEDIA: Record<string, string> = {
  json: "application/json",
  yaml: "application/yaml",
  text: "text/markdown",
};

/** How the MCP registry read API (/v0.1) answers an error, as the official registry does. */
const RegistryError = z.object({
  error: z.string(),
  errors: z.optional(z.array(z.object({ field: z.string(), rule: z.string() }))),
});

/**
 * Schemas that become named components (`#/components/schemas/<name>`). Recursive schemas must be here: a JSON
 * Schema renders a cycle as a `$ref`, and a `$ref` into a schema's own `$defs` does not resolve once the schema is
 * inlined into the document (Redocly, swagger-parser and openapi-typescript all refuse it). The others are here so
 * a generated client names the types that callers meet on many routes. Names live here, not on the schemas, so
 * the Lambda bundles carry none of this.
 */
const COMPONENTS = new Map<z.core.$ZodType, string>([
  [JsonValue, "JsonValue"],
  [Condition, "Condition"],
  [Problem, "Problem"],
  [RegistryError, "RegistryError"],
  [Caller, "Caller"],
  [ServerDocument, "ServerDocument"],
  [ServerVersionRecord, "ServerVersionRecord"],
  [ProbedTool, "ProbedTool"],
  [ProbeResult, "ProbeResult"],
  [McdDocument, "McdDocument"],
  [References, "References"],
  [Step, "Step"],
  [WorkflowDefinition, "WorkflowDefinition"],
  [WorkflowVersionRecord, "WorkflowVersionRecord"],
  [RunRecord, "RunRecord"],
]);

/** The global metadata (descriptions, examples) with the component names above as `id`s. */
const namedMetadata = {
  get(schema: z.core.$ZodType) {
    const meta = z.globalRegistry.get(schema);
    const id = COMPONENTS.get(schema);
    return id === undefined ? meta : { ...meta, id };
  },
};

type Io = "input" | "output";
type JsonSchema = Record<string, unknown>;

/**
 * Renderings zod cannot infer. JsonValue: any JSON value, left open, because a union that refers to itself
 * directly (`JsonValue[]`) is a type openapi-typescript emits and TypeScript then refuses as circular. StepServer's
 * output: a transform turns `name@version` into `{name, version}`, which zod renders as anything.
 */
const RENDERED_AS = new Map<z.core.$ZodType, { io?: Io; schema: () => JsonSchema }>([
  [JsonValue, { schema: () => ({ description: "Any JSON value" }) }],
  [
    StepServer,
    {
      io: "output",
      schema: () =>
        z.toJSONSchema(
          z.object({ name: ServerNameReference, version: z.optional(ServerVersionString) }),
        ) as JsonSchema,
    },
  ],
]);

/**
 * Renders body and response schemas with zod's own JSON Schema generator and moves every definition it makes
 * (`$defs`) under `components/schemas`. Input and output renderings of one schema differ when it has defaults or
 * transforms (a step's `server` accepts `name@version` and answers `{name, version}`): a component is named for
 * its output, `<name>Input` when its input differs, and one name serves both when they are the same.
 */
class SchemaComponents {
  private readonly rendered = new Map<string, { input?: JsonSchema; output?: JsonSchema }>();

  /** A JSON Schema whose `$ref`s point at `placeholder(name, io)`; `finish` turns them into component refs. */
  render(schema: z.core.$ZodType, io: Io): JsonSchema {
    const json = z.toJSONSchema(schema, {
      io,
      unrepresentable: "any",
      metadata: namedMetadata as never,
      override: ({ zodSchema, jsonSchema }) => {
        const replacement = RENDERED_AS.get(zodSchema);
        if (!replacement || (replacement.io && replacement.io !== io)) return;
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        const { $schema: _, ...rendering } = replacement.schema();
        Object.assign(jsonSchema, rendering);
      },
    }) as JsonSchema;
    const { $defs, $schema: _, id: rootId, ...root } = json;
    const defs = ($defs ?? {}) as Record<string, JsonSchema>;
    const unnamed = Object.keys(defs).filter((name) => !/^[A-Z]\w*$/.test(name));
    if (unnamed.length > 0) {
      throw new Error(
        `A schema rendered for OpenAPI has unnamed definitions (${unnamed.join(", ")}), a recursive schema ` +
          "without a component name: add it to COMPONENTS in shared/api/openapi.ts.",
      );
    }
    const rewrite = (value: JsonSchema) =>
      JSON.parse(
        JSON.stringify(value).replace(/"#\/\$defs\/(\w+)"/g, (_m, name: string) =>
          JSON.stringify(this.placeholder(name, io)),
        ),
      ) as JsonSchema;
    for (const [name, def] of Object.entries(defs)) this.add(name, io, rewrite(def));
    if (typeof rootId === "string") {
      // A named schema at the root: the root is the component, and a cycle through it refers to `#`.
      const body = JSON.parse(
        JSON.stringify(rewrite(root)).replace(
          /"\$ref":"#"/g,
          `"$ref":${JSON.stringify(this.placeholder(rootId, io))}`,
        ),
      ) as JsonSchema;
      this.add(rootId, io, body);
      return { $ref: this.placeholder(rootId, io) };
    }
    return rewrite(root);
  }

  private add(name: string, io: Io, schema: JsonSchema): void {
    const entry = this.rendered.get(name) ?? {};
    const previous = entry[io];
    if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(schema)) {
      throw new Error(`Two different schemas are named ${name} in the OpenAPI document.`);
    }
    entry[io] = schema;
    this.rendered.set(name, entry);
  }

  private placeholder(name: string, io: Io): string {
    return `#/components/schemas/${name}~${io}`;
  }

  /** The final component names, and the document with every placeholder replaced by its component's ref. */
  finish(document: JsonSchema): JsonSchema {
    // Which components read the same both ways: the largest set for which input equals output once references to
    // members of the set are read as one (a recursive schema refers to itself under both names).
    const same = new Set([...this.rendered].filter(([, e]) => e.input && e.output).map(([name]) => name));
    for (let changed = true; changed; ) {
      changed = false;
      for (const name of same) {
        const { input, output } = this.rendered.get(name)!;
        const unify = (value: JsonSchema | undefined) =>
          JSON.stringify(value).replace(/"#\/components\/schemas\/(\w+)~input"/g, (m, ref: string) =>
            same.has(ref) ? `"#/components/schemas/${ref}~output"` : m,
          );
        if (unify(input) !== unify(output)) {
          same.delete(name);
          changed = true;
        }
      }
    }
    const names = new Map<string, string>();
    const schemas: Record<string, JsonSchema> = {};
    for (const [name, { input, output }] of this.rendered) {
      if (output !== undefined) names.set(`${name}~output`, name);
      if (input !== undefined) {
        names.set(`${name}~input`, same.has(name) || output === undefined ? name : `${name}Input`);
      }
    }
    const resolve = (value: unknown): JsonSchema =>
      JSON.parse(
        JSON.stringify(value).replace(
          /"#\/components\/schemas\/(\w+~(?:input|output))"/g,
          (_m, key: string) => JSON.stringify(`#/components/schemas/${names.get(key)}`),
        ),
      ) as JsonSchema;
    for (const [name, { input, output }] of [...this.rendered].sort(([a], [b]) => a.localeCompare(b))) {
      if (output !== undefined) schemas[names.get(`${name}~output`)!] = resolve(output);
      if (input !== undefined) schemas[names.get(`${name}~input`)!] ??= resolve(input);
    }
    const resolved = resolve(document);
    const components = (resolved.components ?? {}) as JsonSchema;
    resolved.components = {
      ...components,
      schemas: { ...((components.schemas as object) ?? {}), ...schemas },
    };
    return resolved;
  }
}

/** A schema that zod-openapi writes out as it is: JSON Schema rendered by `SchemaComponents`. */
function rendered(json: JsonSchema, meta: Record<string, unknown> = {}): z.ZodMiniType {
  return z.unknown().check(z.meta({ ...meta, override: json }));
}

/**
 * The errors an operation can answer: those its shape implies (a request to validate, a caller to check, a body
 * to read) and those its implementation declares (`errors`). 405 belongs to a path, not to an operation, and
 * 500 to none in particular.
 */
export function problemStatuses(spec: RouteSpec): number[] {
  const statuses = new Set<number>(spec.errors ?? []);
  if (spec.params || spec.query || spec.body || spec.headers?.length) statuses.add(400);
  if (spec.role !== "public") {
    statuses.add(401);
    statuses.add(403);
  }
  if (spec.body) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "The request is malformed or a field is invalid (`errors` names each one)",
  401: "No valid token or API key",
  403: "The caller's role is too weak",
  404: "Not found",
  409: "Conflicts with what exists",
  412: "If-Match names a version that is no longer the current one (`currentVersion` is)",
  413: "The body is too large",
  415: "The body's Content-Type is not accepted here",
  422: "Well-formed, but refers to things that do not fit together",
  428: "If-Match is required",
  502: "A dependency (an MCP server, an upstream registry, an AWS API) failed",
  504: "A dependency did not answer in time",
};

function operation(id: string, spec: RouteSpec, components: SchemaComponents) {
  const errorContent =
    spec.problemFormat === "official-registry"
      ? { "application/json": { schema: rendered(components.render(RegistryError, "output")) } }
      : { "application/problem+json": { schema: rendered(components.render(Problem, "output")) } };
  const problems = Object.fromEntries(
    problemStatuses(spec).map((status) => [
      String(status),
      { description: PROBLEM_DESCRIPTIONS[status] ?? "A problem (RFC 9457)", content: errorContent },
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
      : spec.publicRead
        ? {
            description:
              `Needs the \`${spec.role}\` role or stronger, or no credentials at all where the deployment allows ` +
              "anonymous registry reads (MCPFLOW_REGISTRY_PUBLIC_READ).",
            security: [{ bearer: [] }, { apiKey: [] }, {}],
          }
        : spec.queryToken
          ? {
              description:
                `Needs the \`${spec.role}\` role or stronger. A browser that cannot send Authorization may send ` +
                "the token as `?access_token=` (RFC 6750 §2.3); the answer is then not cached and sends no Referer.",
              security: [{ bearer: [] }, { apiKey: [] }, { accessToken: [] }],
            }
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
              (spec.bodyTypes ?? ["json"]).map((kind) => [
                MEDIA[kind]!,
                { schema: bodySchema(spec, components) },
              ]),
            ),
          },
        }
      : {}),
    responses: {
      [String(spec.success)]: success(spec, spec.summary, components),
      ...Object.fromEntries(
        (spec.alsoAnswers ?? []).map((also) => [
          String(also.status),
          success(spec, also.description, components),
        ]),
      ),
      ...problems,
    },
  };
}

function success(spec: RouteSpec, description: string, components: SchemaComponents) {
  return {
    description,
    ...(spec.responseHeaders?.length
      ? {
          headers: Object.fromEntries(
            spec.responseHeaders.map((h) => [
              h.name,
              { description: h.description, required: true, schema: { type: "string" } },
            ]),
          ),
        }
      : {}),
    ...(spec.response
      ? {
          content: {
            [spec.responseType ?? "application/json"]: {
              schema: rendered(components.render(spec.response, "output")),
            },
          },
        }
      : {}),
  };
}

/**
 * The body as documented: `bodyDocs` when the route has one (set over the body schema's own description),
 * otherwise the body schema itself, rendered for input.
 */
function bodySchema(spec: RouteSpec, components: SchemaComponents): z.ZodMiniType {
  if (!spec.bodyDocs) return rendered(components.render(spec.body!, "input"));
  return rendered(components.render(spec.bodyDocs, "input"), z.globalRegistry.get(spec.body!) ?? {});
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(routeTables: RouteTable[] = ALL_ROUTES): Record<string, unknown> {
  if (cached && routeTables === ALL_ROUTES) return cached;
  const components = new SchemaComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const table of routeTables) {
    for (const [id, spec] of Object.entries(table)) {
      const path = spec.path.replace(/\{(\w+)\*\}/g, "{$1}");
      paths[path] ??= {};
      paths[path][spec.method.toLowerCase()] = operation(id, spec, components);
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
        accessToken: { type: "apiKey", in: "query", name: "access_token" },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: paths as never,
  }) as unknown as Record<string, unknown>;
  const finished = components.finish(document);
  if (routeTables === ALL_ROUTES) cached = finished;
  return finished;
}
