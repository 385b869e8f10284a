// What the search index holds: one flat document per server, MCD and workflow, and the query/answer contracts
// of GET /v1/search. Every searchable thing is turned into this shape by its source before it is indexed.
import * as z from "../zod.js";

export const SearchType = z.enum(["server", "mcd", "workflow"]);
export type SearchType = z.infer<typeof SearchType>;

/** Text fields a source may fill; unused ones stay empty. Long text is capped before indexing (see MAX_FIELD_CHARS). */
export const SearchDocument = z.object({
  type: SearchType,
  /** Server name, MCD slug or workflow name: unique within its type. */
  id: z.string().check(z.minLength(1)),
  title: z._default(z.string(), ""),
  description: z._default(z.string(), ""),
  body: z._default(z.string(), ""),
  tags: z._default(z.array(z.string()), []),
  /** Tool names and descriptions: a server's probed tools, a workflow's step tools. */
  tools: z._default(z.array(z.object({ name: z.string(), description: z.optional(z.string()) })), []),
});
export type SearchDocument = z.input<typeof SearchDocument>;
export type IndexedDocument = z.output<typeof SearchDocument>;

/** The body of a 5 MiB MCD is not worth indexing whole: its first 100,000 characters carry the meaning. */
export const MAX_FIELD_CHARS = 100_000;

export const SearchQuery = z.strictObject({
  q: z.optional(z.string().check(z.maxLength(200, "must be at most 200 characters"))),
  type: z.optional(SearchType),
  tag: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  cursor: z.optional(z.string().check(z.maxLength(200))),
});
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
  total: z.number().check(z.int()),
  facets: z.object({
    type: z.record(z.string(), z.number().check(z.int())),
    tag: z.record(z.string(), z.number().check(z.int())).check(
      z.meta({
        description: "the 30 most frequent tags among the matches (and the tag filtered on), with counts",
      }),
    ),
  }),
  nextCursor: z.optional(z.string()),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

export function hrefOf(type: SearchType, id: string): string {
  const prefix = { server: "/v1/servers/", mcd: "/v1/mcds/", workflow: "/v1/workflows/" }[type];
  return `${prefix}${encodeURIComponent(id)}`;
}
