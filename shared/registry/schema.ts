// The server version document: the official MCP registry's server.json (schema 2025-12-11) plus mcpflow's
// `tags`, `category` and `runtime`. Every type here is inferred from these schemas; they also feed OpenAPI.
import * as z from "zod";

export const SERVER_SCHEMA_URL =
  "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
/** Where mcpflow's own fields live in an exported server.json, so that other registries keep them untouched. */
export const MCPFLOW_META_KEY = "dev.mcpflow/registry";

/** Reverse-DNS namespace, exactly one slash, as the official registry requires. */
export const ServerName = z
  .string()
  .min(3, "must be at least 3 characters")
  .max(200, "must be at most 200 characters")
  .regex(
    /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/,
    "must be `namespace/name` with exactly one `/` (letters, digits, `.`, `-`; `_` also allowed after the slash)",
  );

const VERSION_RANGE = /^[\^~<>=*]|\s|\|\||(^|\.)[xX*](\.|$)/;

/** A specific version, never a range or `latest` (official rule); semver is recommended, not required. */
export const ServerVersionString = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must be letters, digits, `.`, `_`, `+` or `-` (no `/` or spaces)")
  .refine(
    (v) => !VERSION_RANGE.test(v),
    "must be a specific version, not a range such as ^1.2.3, ~1.2, >=1 or 1.x",
  )
  .refine((v) => v.toLowerCase() !== "latest", "must be a specific version, not `latest`");

const Url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const Input = z.object({
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  format: z.enum(["string", "number", "boolean", "filepath"]).optional(),
  value: z.string().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
});

const InputWithVariables = Input.extend({ variables: z.record(z.string(), Input).optional() });

export const KeyValueInput = InputWithVariables.extend({ name: z.string().min(1) }).strict();

export const PackageArgument = z.discriminatedUnion("type", [
  InputWithVariables.extend({
    type: z.literal("positional"),
    valueHint: z.string().optional(),
    isRepeated: z.boolean().optional(),
  }).strict(),
  InputWithVariables.extend({
    type: z.literal("named"),
    name: z.string().min(1),
    isRepeated: z.boolean().optional(),
  }).strict(),
]);

export const PackageTransport = z.discriminatedUnion("type", [
  z.object({ type: z.literal("stdio") }).strict(),
  z
    .object({
      type: z.literal("streamable-http"),
      url: z.string().min(1),
      headers: z.array(KeyValueInput).optional(),
    })
    .strict(),
  z
    .object({ type: z.literal("sse"), url: z.string().min(1), headers: z.array(KeyValueInput).optional() })
    .strict(),
]);

export const Package = z
  .object({
    registryType: z
      .string()
      .min(1)
      .meta({ examples: ["npm", "pypi", "oci", "nuget", "mcpb"] }),
    registryBaseUrl: Url.optional(),
    identifier: z.string().min(1),
    version: z
      .string()
      .min(1)
      .refine((v) => v !== "latest", "must be a specific version, not `latest`")
      .optional(),
    fileSha256: z
      .string()
      .regex(/^[a-f0-9]{64}$/, "must be 64 lowercase hex characters")
      .optional(),
    runtimeHint: z.string().optional(),
    transport: PackageTransport,
    runtimeArguments: z.array(PackageArgument).optional(),
    packageArguments: z.array(PackageArgument).optional(),
    environmentVariables: z.array(KeyValueInput).optional(),
  })
  .strict();

/**
 * A remote's URL may be a template: `{name}` parts are filled from the remote's `variables` (the official
 * example is `https://{host}/mcp`). It must be an http(s) URL once every `{...}` is replaced.
 */
export const UrlTemplate = z
  .string()
  .min(1)
  .refine((value) => {
    try {
      const url = new URL(value.replace(/\{[A-Za-z0-9_.-]+\}/g, "x"));
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL, with optional {variable} parts");

export const Remote = z
  .object({
    type: z.enum(["streamable-http", "sse"]),
    url: UrlTemplate,
    headers: z.array(KeyValueInput).optional(),
    variables: z.record(z.string(), Input).optional(),
  })
  .strict();

export const Icon = z
  .object({
    src: z.url({ protocol: /^https$/, error: "must be an https URL" }).max(255),
    mimeType: z.enum(["image/png", "image/jpeg", "image/jpg", "image/svg+xml", "image/webp"]).optional(),
    sizes: z.array(z.string().regex(/^(\d+x\d+|any)$/, "must be WxH or `any`")).optional(),
    theme: z.enum(["light", "dark"]).optional(),
  })
  .strict();

export const Repository = z
  .object({
    url: Url,
    source: z.string().min(1),
    id: z.string().optional(),
    subfolder: z.string().optional(),
  })
  .strict();

/** A reference to a secret stored for this server (`PUT /v1/servers/{name}/secrets/{key}`); never a value. */
export const SecretRef = z
  .object({ secret: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be a secret key name") })
  .strict();
export const EnvValue = z.union([z.string(), SecretRef]);

/** How mcpflow runs the server: a local/containerised stdio command, or Streamable HTTP (remote or container port). */
export const Runtime = z
  .object({
    transport: z.enum(["stdio", "streamable-http"]),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    url: Url.optional(),
    headers: z.record(z.string(), EnvValue).optional(),
    image: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    cpu: z.number().int().positive().optional().meta({ description: "ECS CPU units (256 = 0.25 vCPU)" }),
    memory: z.number().int().positive().optional().meta({ description: "MiB" }),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"), EnvValue)
      .optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.transport === "stdio" && !r.command && !r.image) {
      ctx.addIssue({
        code: "custom",
        path: ["command"],
        message: "is required for a stdio runtime (or give `image`)",
      });
    }
    if (r.transport === "streamable-http" && !r.url && !(r.image && r.port)) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "is required for a streamable-http runtime (or give `image` and `port`)",
      });
    }
  });

/** `_meta` is free-form, but it is stored: the document client refuses integers beyond 2^53, DynamoDB refuses
 * magnitudes under 1e-130 and items nested more than 32 levels (a version item wraps `_meta` three levels deep). */
const META_MAX_DEPTH = 24;

function storableMeta(value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const visit = (node: unknown, path: (string | number)[]): boolean => {
    if (path.length > META_MAX_DEPTH) {
      ctx.addIssue({ code: "custom", path, message: `must nest at most ${META_MAX_DEPTH} levels` });
      return false;
    }
    if (typeof node === "number") {
      const size = Math.abs(node);
      if (size > Number.MAX_SAFE_INTEGER || (size !== 0 && size < 1e-130)) {
        ctx.addIssue({ code: "custom", path, message: "must be a number within ±2^53 and not below 1e-130" });
        return false;
      }
      return true;
    }
    if (Array.isArray(node)) return node.every((item, i) => visit(item, [...path, i]));
    if (node && typeof node === "object") {
      return Object.entries(node).every(([key, item]) => visit(item, [...path, key]));
    }
    return true;
  };
  visit(value, []);
}

const officialFields = {
  $schema: z.string().optional(),
  name: ServerName,
  title: z.string().min(1).max(100, "must be at most 100 characters").optional(),
  description: z.string().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  version: ServerVersionString,
  repository: Repository.optional(),
  websiteUrl: Url.optional(),
  icons: z.array(Icon).optional(),
  packages: z.array(Package).optional(),
  remotes: z.array(Remote).optional(),
  _meta: z.record(z.string(), z.unknown()).superRefine(storableMeta).optional(),
};

const mcpflowFields = {
  tags: z
    .array(
      z
        .string()
        .min(1)
        .max(64)
        .regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, `.`, `_`, `-`"),
    )
    .max(32)
    .optional(),
  category: z.string().min(1).max(64).optional(),
  runtime: Runtime.optional(),
};

/** What a caller publishes: server.json with mcpflow's optional fields at the top level. */
export const ServerDocument = z.object({ ...officialFields, ...mcpflowFields }).strict();

/** The official format, as exported and as accepted by import (mcpflow fields only under `_meta`). */
export const OfficialServerJson = z.object(officialFields).strict();

export const ServerStatus = z.enum(["active", "deprecated", "deleted"]);

/** A stored, immutable version with the registry's bookkeeping around it. */
export const ServerVersionRecord = z.object({
  server: ServerDocument,
  runtime: Runtime.optional().meta({
    description: "how mcpflow runs this version: as declared, or derived from packages/remotes",
  }),
  runtimeSource: z.enum(["declared", "derived", "none"]),
  status: ServerStatus,
  statusMessage: z.string().optional(),
  isLatest: z.boolean(),
  publishedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  publishedBy: z.string(),
});

export const StatusPatch = z
  .object({
    status: ServerStatus.optional(),
    statusMessage: z.string().max(500).optional(),
  })
  .strict()
  .refine((p) => p.status !== undefined || p.statusMessage !== undefined, "give `status` or `statusMessage`");

export const ServerListQuery = z
  .object({
    search: z.string().max(200).optional(),
    tag: z.string().max(64).optional(),
    category: z.string().max(64).optional(),
    status: ServerStatus.optional(),
    include_deleted: z.enum(["true", "false"]).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(30),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

export type ServerDocument = z.infer<typeof ServerDocument>;
export type OfficialServerJson = z.infer<typeof OfficialServerJson>;
export type Runtime = z.infer<typeof Runtime>;
export type EnvValue = z.infer<typeof EnvValue>;
export type ServerStatus = z.infer<typeof ServerStatus>;
export type ServerVersionRecord = z.infer<typeof ServerVersionRecord>;
export type StatusPatch = z.infer<typeof StatusPatch>;
export type ServerListQuery = z.infer<typeof ServerListQuery>;
