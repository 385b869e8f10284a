// Every list's cursors are signed here, at the edge, and nowhere else: a page's `nextCursor` (or the MCP registry
// API's `metadata.nextCursor`) leaves sealed to the operation that answered it and to its query's filters, and a
// route that takes `cursor` receives the position only once its signature, list, filters and date are checked
// (shared/store/signed-cursor.ts). The services keep their own position codec (shared/store/cursor.ts) and never
// see a client's text, nor a position of another query.
import type { Platform } from "../platform.js";
import { cursorKeyId, openCursor, type PageList, sealCursor } from "../store/signed-cursor.js";
import type * as z from "../zod.js";
import type { RouteSpec } from "./route.js";

/** Whether a route pages: its query takes a `cursor`. */
export function takesPageCursor(spec: RouteSpec): boolean {
  const shape = (spec.query as z.ZodMiniObject | undefined)?._zod.def.shape;
  return shape !== undefined && Object.hasOwn(shape, "cursor");
}

/** Query fields that do not choose what a list holds: the position itself, and how much of it a page shows. */
const NOT_FILTERS = new Set(["cursor", "limit"]);

/** The list a route's parsed query pages: its operation and every filter field of its query, set or not. */
export function pageListOf(spec: RouteSpec, operation: string, query: unknown): PageList {
  const shape = (spec.query as z.ZodMiniObject | undefined)?._zod.def.shape ?? {};
  const values = (query ?? {}) as Record<string, unknown>;
  const filters: Record<string, unknown> = {};
  for (const name of Object.keys(shape)) if (!NOT_FILTERS.has(name)) filters[name] = values[name];
  return { operation, filters };
}

/** The query with the position its cursor carries, or a BadRequestError naming `query.cursor`. */
export async function openPageCursor<Q>(
  platform: Platform,
  spec: RouteSpec,
  operation: string,
  query: Q,
): Promise<Q> {
  const cursor = (query as { cursor?: unknown } | undefined)?.cursor;
  if (!takesPageCursor(spec) || typeof cursor !== "string" || cursor === "") return query;
  const keys = await platform.cursorKeys(cursorKeyId(cursor));
  return { ...query, cursor: openCursor(keys, pageListOf(spec, operation, query), cursor) };
}

/** The body with its next page's cursor sealed to the list and the query's filters, wherever a list answers it. */
export async function sealPageCursor(
  platform: Platform,
  spec: RouteSpec,
  operation: string,
  query: unknown,
  body: unknown,
): Promise<unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const page = body as { nextCursor?: unknown; metadata?: { nextCursor?: unknown } };
  const list = pageListOf(spec, operation, query);
  if (typeof page.nextCursor === "string") {
    const keys = await platform.cursorKeys();
    return { ...page, nextCursor: sealCursor(keys, list, page.nextCursor) };
  }
  const metadata = page.metadata;
  if (typeof metadata === "object" && metadata !== null && typeof metadata.nextCursor === "string") {
    const keys = await platform.cursorKeys();
    return {
      ...page,
      metadata: { ...metadata, nextCursor: sealCursor(keys, list, metadata.nextCursor) },
    };
  }
  return body;
}
