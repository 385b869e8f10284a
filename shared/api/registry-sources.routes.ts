// Registry sync (docs/registry-sync.md): an admin names upstream MCP registries (v0.1 API) as sources, with name
// filters and a start date, and syncs them on demand (or on the schedule); served by the registry sync function.
import { LOCATION, route } from "../http/route.js";
import { SourceId, SyncReport, SyncSource, SyncSourceBody } from "../registry/upstream-schema.js";
import * as z from "../zod.js";

const IdParams = z.strictObject({ id: SourceId });
const common = { role: "admin" as const, tags: ["registry-sync"] };

export const registrySourceRoutes = {
  createRegistrySource: route({
    ...common,
    method: "POST",
    path: "/v1/registry-sources",
    action: "registry-sources.create",
    summary: "Name an upstream MCP registry (v0.1 API) to sync from, with name filters and a start date",
    body: SyncSourceBody,
    maxBodyBytes: 64 * 1024,
    success: 201,
    errors: [422],
    responseHeaders: [LOCATION("the source")],
    response: SyncSource,
  }),
  listRegistrySources: route({
    ...common,
    method: "GET",
    path: "/v1/registry-sources",
    action: "registry-sources.list",
    summary: "The upstream registries, and where each one's sync stands",
    success: 200,
    response: z.object({ sources: z.array(SyncSource) }),
  }),
  getRegistrySource: route({
    ...common,
    method: "GET",
    path: "/v1/registry-sources/{id}",
    action: "registry-sources.get",
    summary: "One upstream registry: its filters, watermark, unfinished run and last sync",
    params: IdParams,
    success: 200,
    errors: [404],
    response: SyncSource,
  }),
  deleteRegistrySource: route({
    ...common,
    method: "DELETE",
    path: "/v1/registry-sources/{id}",
    action: "registry-sources.delete",
    summary:
      "Forget an upstream registry (what it imported stays); a sync in progress stops at its next page",
    params: IdParams,
    success: 204,
    errors: [404],
  }),
  syncRegistrySource: route({
    ...common,
    method: "POST",
    path: "/v1/registry-sources/{id}/sync",
    action: "registry-sources.sync",
    summary:
      "Import the versions the upstream updated since the last complete sync (server.json import rules), going on " +
      "from an unfinished one; nothing imported is approved to run",
    params: IdParams,
    success: 200,
    errors: [404, 409, 502, 504],
    response: SyncReport,
  }),
};
