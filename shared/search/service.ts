// Search across servers, MCDs and workflows: the query API behind GET /v1/search and the registry's `?search=`,
// and the calls other areas make to keep the index current (indexWorkflow, removeFromIndex, registerSearchSource).
import { BadRequestError } from "../errors.js";
import type { Platform } from "../platform.js";
import type { SearchQuery, SearchResponse, SearchType } from "./documents.js";
import { freshSearchEngine, recordSearchChange } from "./freshness.js";

export { rebuildSearchIndex, registerSearchSource, type SearchSource } from "./freshness.js";
export { installBuiltInSearchSources } from "./sources.js";

function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof value.o === "number" && Number.isInteger(value.o) && value.o >= 0) return value.o;
  } catch {
    // reported below
  }
  throw new BadRequestError("The cursor is not one this API returned.", {
    issues: [{ field: "query.cursor", rule: "must be a nextCursor value returned by a previous page" }],
  });
}

/** Ranked hits with snippets and facets; reflects every write that finished before the call. */
export async function search(platform: Platform, query: SearchQuery): Promise<SearchResponse> {
  const engine = await freshSearchEngine(platform);
  const offset = decodeOffset(query.cursor);
  const result = engine.search({ ...query, offset });
  const next = offset + result.hits.length;
  return { ...result, ...(next < result.total ? { nextCursor: encodeOffset(next) } : {}) };
}

/** Relevance scores of the servers matching `q`, keyed by server name (for GET /v1/servers?search=). */
export async function rankServers(platform: Platform, q: string): Promise<Map<string, number>> {
  return (await freshSearchEngine(platform)).rank("server", q);
}

export interface WorkflowSearchInput {
  name: string;
  title?: string;
  description?: string;
  /** The tools its steps call, e.g. `get_forecast` or `io.x/weather:get_forecast`. */
  tools: string[];
  tags?: string[];
}

/**
 * Called by the workflows area after a workflow is saved. Register a source with `one` as well
 * (registerSearchSource("workflow", {all, one})) so other containers reload the stored workflow instead of
 * trusting the copy in the change log.
 */
export async function indexWorkflow(platform: Platform, workflow: WorkflowSearchInput): Promise<void> {
  await recordSearchChange(platform, {
    type: "workflow",
    id: workflow.name,
    op: "upsert",
    doc: {
      type: "workflow",
      id: workflow.name,
      title: workflow.title ?? workflow.name,
      description: workflow.description ?? "",
      tools: workflow.tools.map((name) => ({ name })),
      tags: workflow.tags ?? [],
    },
  });
}

/** Takes something out of every container's index (a deleted workflow, for instance). */
export async function removeFromIndex(platform: Platform, type: SearchType, id: string): Promise<void> {
  await recordSearchChange(platform, { type, id, op: "remove" });
}
