// Model Context Documents: versioned Markdown with a slug, a title, tags and typed links to servers, workflows
// and other MCDs. These schemas are the single source of the MCD types, request validation and OpenAPI.
import * as z from "zod";
import { ServerName } from "../registry/schema.js";

export const McdSlug = z
  .string()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    "must be lowercase letters, digits and `-`, starting and ending with a letter or digit",
  );

const Tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, `.`, `_`, `-`");

/** Workflow names are checked by the workflows area (WorkflowLookup), not by shape here. */
const WorkflowRef = z.string().min(1).max(200);

/** Typed links: the server names, workflow names and MCD slugs a document talks about. */
export const McdLinks = z
  .object({
    servers: z.array(ServerName).max(100).default([]),
    workflows: z.array(WorkflowRef).max(100).default([]),
    mcds: z.array(McdSlug).max(100).default([]),
  })
  .strict();
export type McdLinks = z.output<typeof McdLinks>;

/** 5 MiB of Markdown, counted in UTF-8 bytes by the service (zod counts UTF-16 units). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const metadataFields = {
  title: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  tags: z.array(Tag).max(32).default([]),
  links: McdLinks.default({ servers: [], workflows: [], mcds: [] }),
  body: z.string(),
};

/** A complete MCD as the service stores it, after front matter and explicit fields are merged. */
export const McdFields = z.object({ slug: McdSlug, ...metadataFields }).strict();
export type McdFields = z.output<typeof McdFields>;

/** JSON request body of POST /v1/mcds and PUT /v1/mcds/{slug}; every field may come from front matter instead. */
export const McdWriteJson = z
  .object({
    slug: McdSlug.optional(),
    title: metadataFields.title.optional(),
    tags: z.array(Tag).max(32).optional(),
    links: McdLinks.optional(),
    body: z.string().meta({ description: "Markdown; YAML front matter may carry slug, title, tags, links" }),
  })
  .strict();
export type McdWriteJson = z.output<typeof McdWriteJson>;

/** Either the JSON document or `text/markdown` with front matter. */
export const McdWriteBody = z.union([
  McdWriteJson,
  z.string().meta({ description: "text/markdown with YAML front matter" }),
]);
export type McdWriteBody = z.output<typeof McdWriteBody>;

export const McdVersionMeta = z.object({
  slug: McdSlug,
  version: z.number().int().min(1),
  title: z.string(),
  tags: z.array(z.string()),
  links: McdLinks,
  bodyBytes: z.number().int(),
  bodySha256: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
});
export type McdVersionMeta = z.infer<typeof McdVersionMeta>;

export const McdDocument = McdVersionMeta.extend({ body: z.string() });
export type McdDocument = z.infer<typeof McdDocument>;

export const McdSummary = McdVersionMeta.extend({ firstCreatedAt: z.iso.datetime() });
export type McdSummary = z.infer<typeof McdSummary>;

export const McdListQuery = z
  .object({
    tag: Tag.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
export type McdListQuery = z.infer<typeof McdListQuery>;

export const McdDiffQuery = z
  .object({
    from: z.coerce.number().int().min(1),
    to: z.coerce.number().int().min(1),
  })
  .strict();

export const McdDiff = z.object({
  slug: McdSlug,
  from: z.number().int(),
  to: z.number().int(),
  format: z.literal("unified"),
  diff: z.string(),
});

export const Reference = z.object({
  type: z.enum(["server", "workflow", "mcd"]),
  id: z.string(),
  title: z.string().optional(),
});
export type Reference = z.infer<typeof Reference>;

export const References = z.object({
  mcds: z.array(Reference),
  workflows: z.array(Reference),
});
export type References = z.infer<typeof References>;
