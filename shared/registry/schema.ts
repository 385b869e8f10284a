// The server version document: the official MCP registry's server.json (schema 2025-12-11) plus mcpflow's
// `tags`, `category` and `runtime`. Every type here is inferred from these schemas; they also feed OpenAPI.
import * as z from "../zod.js";

export const SERVER_SCHEMA_URL =
  "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
/** Where mcpflow's own fields live in an exported server.json, so that other registries keep them untouched. */
export const MCPFLOW_META_KEY = "dev.mcpflow/registry";

const NAME_RULE =
  "must be `namespace/name` with exactly one `/`: letters, digits, `.` and `-` (`_` also after the slash), each part " +
  "at least 2 characters that start and end with a letter or digit";

/**
 * Reverse-DNS namespace, exactly one slash, each part starting and ending with a letter or digit: the official
 * registry's rule (its publish validation, stricter than the pattern in its openapi.yaml), so `../..` or a name of
 * dots is refused.
 */
export const ServerName = z
  .string()
  .check(
    z.minLength(3, "must be at least 3 characters"),
    z.maxLength(200, "must be at most 200 characters"),
    z.regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]\/[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$/, NAME_RULE),
  );

/**
 * A name that refers to a server (a path, a workflow step, an MCD link): the openapi.yaml pattern, so a server
 * published before the stricter rule can still be read, deleted and referred to. Only new names must follow ServerName.
 */
export const ServerNameReference = z
  .string()
  .check(
    z.minLength(3, "must be at least 3 characters"),
    z.maxLength(200, "must be at most 200 characters"),
    z.regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, "must be `namespace/name` with exactly one `/`"),
  );

const VERSION_RANGE = /^[\^~<>=*]|\s|\|\||(^|\.)[xX*](\.|$)/;

/** A specific version, never a range or `latest` (official rule); semver is recommended, not required. */
export const ServerVersionString = z.string().check(
  z.minLength(1, "must not be empty"),
  z.maxLength(255, "must be at most 255 characters"),
  z.regex(
    /^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
    "must be letters, digits, `.`, `_`, `+` or `-` (no `/` or spaces)",
  ),
  z.refine(
    (v) => !VERSION_RANGE.test(v),
    "must be a specific version, not a range such as ^1.2.3, ~1.2, >=1 or 1.x",
  ),
  z.refine((v) => v.toLowerCase() !== "latest", "must be a specific version, not `latest`"),
);

const Url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const Input = z.object({
  description: z.optional(z.string()),
  isRequired: z.optional(z.boolean()),
  format: z.optional(z.enum(["string", "number", "boolean", "filepath"])),
  value: z.optional(z.string()),
  isSecret: z.optional(z.boolean()),
  default: z.optional(z.string()),
  placeholder: z.optional(z.string()),
  choices: z.optional(z.array(z.string())),
});

const InputWithVariables = z.extend(Input, { variables: z.optional(z.record(z.string(), Input)) });

export const KeyValueInput = z.strictObject({
  ...InputWithVariables.shape,
  name: z.string().check(z.minLength(1)),
});

export const PackageArgument = z.discriminatedUnion("type", [
  z.strictObject({
    ...InputWithVariables.shape,
    type: z.literal("positional"),
    valueHint: z.optional(z.string()),
    isRepeated: z.optional(z.boolean()),
  }),
  z.strictObject({
    ...InputWithVariables.shape,
    type: z.literal("named"),
    name: z.string().check(z.minLength(1)),
    isRepeated: z.optional(z.boolean()),
  }),
]);

export const PackageTransport = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("stdio") }),
  z.strictObject({
    type: z.literal("streamable-http"),
    url: z.string().check(z.minLength(1)),
    headers: z.optional(z.array(KeyValueInput)),
  }),
  z.strictObject({
    type: z.literal("sse"),
    url: z.string().check(z.minLength(1)),
    headers: z.optional(z.array(KeyValueInput)),
  }),
]);

export const Package = z.strictObject({
  registryType: z
    .string()
    .check(z.minLength(1), z.meta({ examples: ["npm", "pypi", "oci", "nuget", "mcpb"] })),
  registryBaseUrl: z.optional(Url),
  identifier: z.string().check(z.minLength(1)),
  version: z.optional(
    z.string().check(
      z.minLength(1),
      z.refine((v) => v !== "latest", "must be a specific version, not `latest`"),
    ),
  ),
  fileSha256: z.optional(z.string().check(z.regex(/^[a-f0-9]{64}$/, "must be 64 lowercase hex characters"))),
  runtimeHint: z.optional(z.string()),
  transport: PackageTransport,
  runtimeArguments: z.optional(z.array(PackageArgument)),
  packageArguments: z.optional(z.array(PackageArgument)),
  environmentVariables: z.optional(z.array(KeyValueInput)),
});

/**
 * A remote's URL may be a template: `{name}` parts are filled from the remote's `variables` (the official
 * example is `https://{host}/mcp`). It must be an http(s) URL once every `{...}` is replaced.
 */
export const UrlTemplate = z.string().check(
  z.minLength(1),
  z.refine((value) => {
    try {
      const url = new URL(value.replace(/\{[A-Za-z0-9_.-]+\}/g, "x"));
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL, with optional {variable} parts"),
);

export const Remote = z.strictObject({
  type: z.enum(["streamable-http", "sse"]),
  url: UrlTemplate,
  headers: z.optional(z.array(KeyValueInput)),
  variables: z.optional(z.record(z.string(), Input)),
});

export const Icon = z.strictObject({
  src: z.url({ protocol: /^https$/, error: "must be an https URL" }).check(z.maxLength(255)),
  mimeType: z.optional(z.enum(["image/png", "image/jpeg", "image/jpg", "image/svg+xml", "image/webp"])),
  sizes: z.optional(z.array(z.string().check(z.regex(/^(\d+x\d+|any)$/, "must be WxH or `any`")))),
  theme: z.optional(z.enum(["light", "dark"])),
});

export const Repository = z.strictObject({
  url: Url,
  source: z.string().check(z.minLength(1)),
  id: z.optional(z.string()),
  subfolder: z.optional(z.string()),
});

/** A reference to a secret stored for this server (`PUT /v1/servers/{name}/secrets/{key}`); never a value. */
export const SecretRef = z.strictObject({
  secret: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be a secret key name")),
});
export const EnvValue = z.union([z.string(), SecretRef]);

/** How mcpflow runs the server: a local/containerised stdio command, or Streamable HTTP (remote or container port). */
export const Runtime = z
  .strictObject({
    transport: z.enum(["stdio", "streamable-http"]),
    command: z.optional(z.string().check(z.minLength(1))),
    args: z.optional(z.array(z.string())),
    url: z.optional(Url),
    headers: z.optional(z.record(z.string(), EnvValue)),
    image: z.optional(z.string().check(z.minLength(1))),
    port: z.optional(z.number().check(z.int(), z.gte(1), z.lte(65535))),
    cpu: z
      .optional(z.number().check(z.int(), z.positive()))
      .check(z.meta({ description: "ECS CPU units (256 = 0.25 vCPU)" })),
    memory: z.optional(z.number().check(z.int(), z.positive())).check(z.meta({ description: "MiB" })),
    env: z.optional(
      z.record(
        z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")),
        EnvValue,
      ),
    ),
  })
  .check(
    z.superRefine((r, ctx) => {
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
    }),
  );

/** `_meta` is free-form, but it is stored: the document client refuses integers beyond 2^53, DynamoDB refuses
 * magnitudes under 1e-130 and items nested more than 32 levels (a version item wraps `_meta` three levels deep). */
const META_MAX_DEPTH = 24;

function storableMeta(value: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
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
  $schema: z.optional(z.string()),
  name: ServerName,
  title: z.optional(z.string().check(z.minLength(1), z.maxLength(100, "must be at most 100 characters"))),
  description: z
    .string()
    .check(z.minLength(1, "must not be empty"), z.maxLength(100, "must be at most 100 characters")),
  version: ServerVersionString,
  repository: z.optional(Repository),
  websiteUrl: z.optional(Url),
  icons: z.optional(z.array(Icon)),
  packages: z.optional(z.array(Package)),
  remotes: z.optional(z.array(Remote)),
  _meta: z.optional(z.record(z.string(), z.unknown()).check(z.superRefine(storableMeta))),
};

const mcpflowFields = {
  tags: z.optional(
    z
      .array(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(64),
            z.regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, `.`, `_`, `-`"),
          ),
      )
      .check(z.maxLength(32)),
  ),
  category: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  runtime: z.optional(Runtime),
};

/** What a caller publishes: server.json with mcpflow's optional fields at the top level. */
export const ServerDocument = z.strictObject({ ...officialFields, ...mcpflowFields });

/** The official format, as exported and as accepted by import (mcpflow fields only under `_meta`). */
export const OfficialServerJson = z.strictObject(officialFields);

export const ServerStatus = z.enum(["active", "deprecated", "deleted"]);

/** Whether a version may run, and why (docs/decisions/0004-running-code.md). */
export const RunPermission = z.object({
  mayRun: z.boolean(),
  reason: z.enum(["approved", "allow-listed", "not-approved", "no-runtime"]),
  runtimeDigest: z.optional(z.string()).check(
    z.meta({
      description: "sha256 of the canonical JSON of the runtime (and package) this version starts",
    }),
  ),
  approval: z.optional(
    z.object({
      runtimeDigest: z.string(),
      approvedBy: z.string(),
      approvedAt: z.string(),
      current: z
        .boolean()
        .check(z.meta({ description: "false when the approved digest is not this runtime's" })),
    }),
  ),
  allowListRule: z
    .optional(z.string())
    .check(z.meta({ description: "the runtime-policy rule that covers it" })),
  missing: z
    .optional(z.string())
    .check(z.meta({ description: "what keeps it from running, and who can fix it" })),
  secrets: z.object({
    granted: z.array(z.string()),
    notGranted: z
      .array(z.string())
      .check(z.meta({ description: "referenced by the runtime, not granted to it" })),
  }),
});

/** A stored, immutable version with the registry's bookkeeping around it. */
export const ServerVersionRecord = z.object({
  server: ServerDocument,
  runtime: z.optional(Runtime).check(
    z.meta({
      description: "how mcpflow runs this version: as declared, or derived from packages/remotes",
    }),
  ),
  runtimeSource: z.enum(["declared", "derived", "none"]),
  status: ServerStatus,
  statusMessage: z.optional(z.string()),
  isLatest: z.boolean(),
  publishedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  publishedBy: z.string(),
  execution: z.optional(RunPermission).check(
    z.meta({
      description:
        "whether this version may run and why; on gets and on list items (where the runtime policy shown may be up to 5 s old)",
    }),
  ),
});

export const StatusPatch = z
  .strictObject({
    status: z.optional(ServerStatus),
    statusMessage: z.optional(z.string().check(z.maxLength(500))),
  })
  .check(
    z.refine(
      (p) => p.status !== undefined || p.statusMessage !== undefined,
      "give `status` or `statusMessage`",
    ),
  );

export const ServerListQuery = z.strictObject({
  search: z.optional(z.string().check(z.maxLength(200))),
  tag: z.optional(z.string().check(z.maxLength(64))),
  category: z.optional(z.string().check(z.maxLength(64))),
  status: z.optional(ServerStatus),
  include_deleted: z.optional(z.enum(["true", "false"])),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 30),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

export type ServerDocument = z.infer<typeof ServerDocument>;
export type OfficialServerJson = z.infer<typeof OfficialServerJson>;
export type Runtime = z.infer<typeof Runtime>;
export type EnvValue = z.infer<typeof EnvValue>;
export type ServerStatus = z.infer<typeof ServerStatus>;
export type ServerVersionRecord = z.infer<typeof ServerVersionRecord>;
export type RunPermission = z.infer<typeof RunPermission>;
export type StatusPatch = z.infer<typeof StatusPatch>;
export type ServerListQuery = z.infer<typeof ServerListQuery>;
