// Model Context Documents: versioned Markdown with a slug, a title, tags and typed links to servers, workflows
// and other MCDs. These schemas are the single source of the MCD types, request validation and OpenAPI.
import { ServerNameReference } from "../registry/schema.js";
import * as z from "../zod.js";

export const McdSlug = z
  .string()
  .check(
    z.minLength(1, "must not be empty"),
    z.maxLength(100, "must be at most 100 characters"),
    z.regex(
      /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
      "must be lowercase letters, digits and `-`, starting and ending with a letter or digit",
    ),
  );

const Tag = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, `.`, `_`, `-`"),
  );

/** Workflow names are checked by the workflows area (WorkflowLookup), not by shape here. */
const WorkflowRef = z.string().check(z.minLength(1), z.maxLength(200));

/** Typed links: the server names, workflow names and MCD slugs a document talks about. */
export const McdLinks = z.strictObject({
  servers: z._default(z.array(ServerNameReference).check(z.maxLength(100)), []),
  workflows: z._default(z.array(WorkflowRef).check(z.maxLength(100)), []),
  mcds: z._default(z.array(McdSlug).check(z.maxLength(100)), []),
});
export type McdLinks = z.output<typeof McdLinks>;

/** 5 MiB of Markdown, counted in UTF-8 bytes by the service (zod counts UTF-16 units). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const metadataFields = {
  title: z
    .string()
    .check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(200, "must be at most 200 characters")),
  tags: z._default(z.array(Tag).check(z.maxLength(32)), []),
  links: z._default(McdLinks, { servers: [], workflows: [], mcds: [] }),
  body: z.string(),
};

/** A complete MCD as the service stores it, after front matter and explicit fields are merged. */
export const McdFields = z.strictObject({ slug: McdSlug, ...metadataFields });
export type McdFields = z.output<typeof McdFields>;

/** JSON request body of POST /v1/mcds and PUT /v1/mcds/{slug}; every field may come from front matter instead. */
export const McdWriteJson = z.strictObject({
  slug: z.optional(McdSlug),
  title: z.optional(metadataFields.title),
  tags: z.optional(z.array(Tag).check(z.maxLength(32))),
  links: z.optional(McdLinks),
  body: z
    .string("is required: the Markdown text as a string (or send the whole document as text/markdown)")
    .check(z.meta({ description: "Markdown; YAML front matter may carry slug, title, tags, links" })),
});
export type McdWriteJson = z.output<typeof McdWriteJson>;

/** Either the JSON document or `text/markdown` with front matter. */
export const McdWriteBody = z.union([
  McdWriteJson,
  z.string().check(z.meta({ description: "text/markdown with YAML front matter" })),
]);
export type McdWriteBody = z.output<typeof McdWriteBody>;

export const McdVersionMeta = z.object({
  slug: McdSlug,
  version: z.number().check(z.int(), z.gte(1)),
  title: z.string(),
  tags: z.array(z.string()),
  links: McdLinks,
  bodyBytes: z.number().check(z.int()),
  bodySha256: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
});
export type McdVersionMeta = z.infer<typeof McdVersionMeta>;

export const McdDocument = z.extend(McdVersionMeta, { body: z.string() });
export type McdDocument = z.infer<typeof McdDocument>;

export const McdSummary = z.extend(McdVersionMeta, { firstCreatedAt: z.iso.datetime() });
export type McdSummary = z.infer<typeof McdSummary>;

export const McdListQuery = z.strictObject({
  tag: z.optional(Tag),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});
export type McdListQuery = z.infer<typeof McdListQuery>;

/** A version number in the query; a missing or non-numeric one reads as NaN once coerced, hence one message. */
const QueryVersion = (name: string) =>
  z.coerce
    .number(`must be a version number, such as ?from=1&to=2 (${name})`)
    .check(z.int("must be a whole version number"), z.gte(1, "must be a version number, 1 or more"));

export const McdDiffQuery = z.strictObject({
  from: QueryVersion("the older version"),
  to: QueryVersion("the newer version"),
});

export const McdDiff = z.object({
  slug: McdSlug,
  from: z.number().check(z.int()),
  to: z.number().check(z.int()),
  format: z.literal("unified"),
  diff: z.string(),
});

export const Reference = z.object({
  type: z.enum(["server", "workflow", "mcd"]),
  id: z.string(),
  title: z.optional(z.string()),
});
export type Reference = z.infer<typeof Reference>;

export const References = z.object({
  mcds: z.array(Reference),
  workflows: z.array(Reference),
});
export type References = z.infer<typeof References>;
