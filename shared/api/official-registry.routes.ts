// The official MCP registry's v0.1 read API (docs/registry-api.md), served by the registry function: IDEs
// (GitHub Copilot's organisation registry) and other registries read this mcpflow as an MCP registry. Errors
// are `{"error": "..."}` as the official API answers them, and every answer carries the official CORS headers.
import { route } from "../http/route.js";
import { ServerNameReference, ServerStatus, ServerVersionString } from "../registry/schema.js";
import * as z from "../zod.js";

/** Accepted as the official API defines it; deleted versions are never shown here whatever it says. */
const IncludeDeleted = z
  .optional(z.enum(["true", "false"]))
  .check(z.meta({ description: "accepted for compatibility; this registry never lists deleted versions" }));

export const OfficialListQuery = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(2000))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 30),
  search: z.optional(
    z.string().check(z.maxLength(200), z.meta({ description: "substring of the server name, any case" })),
  ),
  updated_since: z.optional(
    z.iso.datetime({ offset: true, error: "must be an RFC 3339 date-time such as 2025-08-07T13:15:04Z" }),
  ),
  version: z.optional(
    z.string().check(z.maxLength(255), z.meta({ description: "`latest`, or one exact version" })),
  ),
  include_deleted: IncludeDeleted,
});

const OfficialServerResponse = z.object({
  server: z
    .record(z.string(), z.unknown())
    .check(z.meta({ description: "server.json, without what runs it (runtime, secrets, values)" })),
  _meta: z.object({
    "io.modelcontextprotocol.registry/official": z.object({
      status: ServerStatus,
      statusMessage: z.optional(z.string()),
      publishedAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
      isLatest: z.boolean(),
    }),
  }),
});

const OfficialServerList = z.object({
  servers: z.array(OfficialServerResponse),
  metadata: z.object({ nextCursor: z.optional(z.string()), count: z.int() }),
});

const common = {
  role: "viewer" as const,
  tags: ["mcp-registry"],
  publicRead: true,
  problemFormat: "official-registry" as const,
  success: 200,
};

export const officialRegistryRoutes = {
  listOfficialServers: route({
    ...common,
    method: "GET",
    path: "/v0.1/servers",
    action: "v0.1.servers.list",
    summary: "MCP registry v0.1: the approved versions of every server (or the latest), by name",
    query: OfficialListQuery,
    response: OfficialServerList,
  }),
  listOfficialServerVersions: route({
    ...common,
    method: "GET",
    path: "/v0.1/servers/{serverName*}/versions",
    action: "v0.1.servers.versions",
    summary: "MCP registry v0.1: a server's approved versions, newest first",
    params: z.strictObject({ serverName: ServerNameReference }),
    query: z.strictObject({ include_deleted: IncludeDeleted }),
    errors: [404],
    response: OfficialServerList,
  }),
  getOfficialServerVersion: route({
    ...common,
    method: "GET",
    path: "/v0.1/servers/{serverName*}/versions/{version}",
    action: "v0.1.servers.version",
    summary: "MCP registry v0.1: one approved version of a server, or `latest`",
    params: z.strictObject({
      serverName: ServerNameReference,
      version: z.union([z.literal("latest"), ServerVersionString]),
    }),
    query: z.strictObject({ include_deleted: IncludeDeleted }),
    errors: [404],
    response: OfficialServerResponse,
  }),
};
