// Search across servers, MCDs and workflows: the query API behind GET /v1/search and the registry's `?search=`,
// and the change records that keep every container's index current. The composition root (shared/compose.ts)
// builds it with its sources and calls `changed` after each save; no other module registers anything.
import type { Platform } from "../platform.js";
import { decodeCursor, encodeCursor } from "../store/cursor.js";
import * as z from "../zod.js";
import type { SearchQuery, SearchResponse } from "./documents.js";
import {
  freshSearchEngine,
  markSoleWriter,
  rebuildSearchIndex,
  recordSearchChange,
  type SearchChange,
  type SearchSources,
} from "./freshness.js";

export type { SearchChange, SearchSource, SearchSources } from "./freshness.js";

/** Where a page of results ended: an offset into the ranked results. */
const OffsetPosition = z.strictObject({ o: z.number().check(z.int(), z.nonnegative()) });

export class SearchIndex {
  constructor(
    private readonly platform: Platform,
    private readonly sources: SearchSources,
  ) {}

  /** Ranked hits with snippets and facets; reflects every write that finished before the call. */
  async search(query: SearchQuery): Promise<SearchResponse> {
    const engine = await freshSearchEngine(this.platform, this.sources);
    const offset = decodeCursor(query.cursor, OffsetPosition)?.o ?? 0;
    const result = engine.search({ ...query, offset });
    const next = offset + result.hits.length;
    return { ...result, ...(next < result.total ? { nextCursor: encodeCursor({ o: next }) } : {}) };
  }

  /** Relevance scores of the servers matching `q`, keyed by server name (for GET /v1/servers?search=). */
  async rankServers(q: string): Promise<Map<string, number>> {
    return (await freshSearchEngine(this.platform, this.sources)).rank("server", q);
  }

  /**
   * Records that something searchable changed, after its store write succeeded: this container's index at
   * once, every other container's on its next query. Never throws (the write stands; see recordSearchChange).
   */
  changed(change: SearchChange): Promise<void> {
    return recordSearchChange(this.platform, this.sources, change);
  }

  /**
   * Declares this process the only writer of the store (the embedded platform, which holds its home's lock): its
   * index applies every change as it is recorded, so queries skip the generation counter read.
   */
  soleWriter(): void {
    markSoleWriter(this.platform.table);
  }

  /** Reads every source into a fresh index (the embedded platform does this once at start). */
  async rebuild(): Promise<void> {
    await rebuildSearchIndex(this.platform, this.sources);
  }
}
