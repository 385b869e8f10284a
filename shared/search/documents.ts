// What the search index holds: one flat document per server, MCD and workflow, and the query/answer contracts
// of GET /v1/search. Every searchable thing is turned into this shape by its source before it is indexed.
import * as z from "zod";

export const SearchType = z.enum(["server", "mcd", "workflow"]);
export type SearchType = z.infer<typeof SearchType>;

/** Text fields a source may fill; unused ones stay empty. Long text is capped before indexing (see MAX_FIELD_CHARS). */
export const SearchDocument = z.object({
  type: SearchType,
  /** Server name, MCD slug or workflow name: unique within its type. */
  id: z.string().min(1),
  title: z.string().default(""),
  description: z.string().default(""),
  body: z.string().default(""),
  tags: z.array(z.string()).default([]),
  /** Tool names and descriptions: a server's probed tools, a workflow's step tools. */
  tools: z.array(z.object({ name: z.string(), description: z.string().optional() })).default([]),
});
export type SearchDocument = z.input<typeof SearchDocument>;
export type IndexedDocument = z.output<typeof SearchDocument>;

/** The body of a 5 MiB MCD is not worth indexing whole: its first 100,000 characters carry the meaning. */
export const MAX_FIELD_CHARS = 100_000;

export const SearchQuery = z
  .object({
    q: z.string().max(200, "must be at most 200 characters").optional(),
    type: SearchType.optional(),
    tag: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchHit = z.object({
  type: SearchType,
  id: z.string(),
  title: z.string(),
  tags: z.array(z.string()),
  score: z.number(),
  /** HTML: matched words in `<mark>`, everything else escaped. */
  snippet: z.string(),
  /** The API path of the thing found. */
  href: z.string(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResponse = z.object({
  hits: z.array(SearchHit),
  total: z.number().int(),
  facets: z.object({
    type: z.record(z.string(), z.number().int()),
    tag: z.record(z.string(), z.number().int()),
  }),
  nextCursor: z.string().optional(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

export function hrefOf(type: SearchType, id: string): string {
  const prefix = { server: "/v1/servers/", mcd: "/v1/mcds/", workflow: "/v1/workflows/" }[type];
  return `${prefix}${encodeURIComponent(id)}`;
}
