// server.json in and out: the official format keeps mcpflow's own fields (tags, category, runtime) under
// `_meta["dev.mcpflow/registry"]`. Apart from the Registry service, which every function that pins or checks a
// version carries, since only publishing, import and export need it.
import type { FieldIssue } from "../errors.js";
import { issuesFromZod } from "../validation.js";
import type * as z from "../zod.js";
import { MCPFLOW_META_KEY, SERVER_SCHEMA_URL, ServerDocument } from "./schema.js";

/** server.json as the official registry knows it: mcpflow's fields move under `_meta["dev.mcpflow/registry"]`. */
export function exportServerJson(doc: ServerDocument): Record<string, unknown> {
  const { tags, category, runtime, ...official } = doc;
  const ours = {
    ...(tags ? { tags } : {}),
    ...(category ? { category } : {}),
    ...(runtime ? { runtime } : {}),
  };
  const meta = {
    ...(official._meta ?? {}),
    ...(Object.keys(ours).length > 0 ? { [MCPFLOW_META_KEY]: ours } : {}),
  };
  return {
    $schema: official.$schema ?? SERVER_SCHEMA_URL,
    ...official,
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
}

/** The inverse of exportServerJson: lifts mcpflow's fields out of `_meta` and validates the whole document. */
export function importServerJson(
  value: unknown,
): { ok: true; doc: ServerDocument } | { ok: false; issues: FieldIssue[] } {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, issues: [{ field: "server", rule: "must be a server.json object" }] };
  }
  const { _meta, ...rest } = value as Record<string, unknown>;
  let candidate: Record<string, unknown> = rest;
  if (_meta && typeof _meta === "object" && !Array.isArray(_meta)) {
    const { [MCPFLOW_META_KEY]: ours, ...others } = _meta as Record<string, unknown>;
    if (ours !== undefined && (typeof ours !== "object" || ours === null || Array.isArray(ours))) {
      return { ok: false, issues: [{ field: `_meta.${MCPFLOW_META_KEY}`, rule: "must be an object" }] };
    }
    candidate = { ...rest, ...((ours as Record<string, unknown>) ?? {}) };
    if (Object.keys(others).length > 0) candidate._meta = others;
  } else if (_meta !== undefined) {
    candidate._meta = _meta;
  }
  const parsed = ServerDocument.safeParse(candidate);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error as z.core.$ZodError, "") };
  return { ok: true, doc: parsed.data };
}
