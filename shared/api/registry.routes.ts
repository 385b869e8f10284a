// The registry area's contract: /v1/servers and everything under it.
import * as z from "zod";
import { route } from "../http/route.js";
import { References } from "../mcds/schema.js";
import { ProbedTool, ProbeResult } from "../mcp/probe-result.js";
import {
  ServerDocument,
  ServerListQuery,
  ServerName,
  ServerVersionRecord,
  ServerVersionString,
  StatusPatch,
} from "../registry/schema.js";
import { SecretKey, SecretMetadata } from "../secrets/port.js";

const NameParams = z.object({ name: ServerName }).strict();
const VersionParams = z.object({ name: ServerName, version: ServerVersionString }).strict();
const IncludeDeleted = z.object({ include_deleted: z.enum(["true", "false"]).optional() }).strict();

export const ServerListResponse = z.object({
  servers: z.array(ServerVersionRecord),
  facets: z.object({ tags: z.record(z.string(), z.number()), categories: z.record(z.string(), z.number()) }),
  total: z.number().int(),
  nextCursor: z.string().optional(),
});

export const ImportResponse = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      name: z.string().optional(),
      version: z.string().optional(),
      outcome: z.enum(["created", "exists", "invalid"]),
      errors: z.array(z.object({ field: z.string(), rule: z.string() })).optional(),
    }),
  ),
  created: z.number().int(),
  exists: z.number().int(),
  invalid: z.number().int(),
});

export const registryRoutes = {
  publishServer: route({
    method: "POST",
    path: "/v1/servers",
    role: "editor",
    action: "servers.publish",
    summary: "Publish a server version (a new server or a new version of one)",
    tags: ["registry"],
    body: ServerDocument,
    success: 201,
    response: ServerVersionRecord,
  }),
  listServers: route({
    method: "GET",
    path: "/v1/servers",
    role: "viewer",
    action: "servers.list",
    summary: "List the latest version of each server, with facets",
    tags: ["registry"],
    query: ServerListQuery,
    success: 200,
    response: ServerListResponse,
  }),
  importServers: route({
    method: "POST",
    path: "/v1/servers/import",
    role: "editor",
    action: "servers.import",
    summary: "Import server.json documents: one, an array, or an official registry list response",
    tags: ["registry"],
    body: z.unknown(),
    maxBodyBytes: 1024 * 1024,
    success: 200,
    response: ImportResponse,
  }),
  getServer: route({
    method: "GET",
    path: "/v1/servers/{name*}",
    role: "viewer",
    action: "servers.get",
    summary: "The latest version of a server",
    tags: ["registry"],
    params: NameParams,
    query: IncludeDeleted,
    success: 200,
    response: ServerVersionRecord,
  }),
  listServerVersions: route({
    method: "GET",
    path: "/v1/servers/{name*}/versions",
    role: "viewer",
    action: "servers.versions",
    summary: "Every version of a server, newest first",
    tags: ["registry"],
    params: NameParams,
    query: IncludeDeleted,
    success: 200,
    response: z.object({ versions: z.array(ServerVersionRecord) }),
  }),
  getServerVersion: route({
    method: "GET",
    path: "/v1/servers/{name*}/versions/{version}",
    role: "viewer",
    action: "servers.version",
    summary: "One version of a server",
    tags: ["registry"],
    params: VersionParams,
    success: 200,
    response: ServerVersionRecord,
  }),
  patchServerVersion: route({
    method: "PATCH",
    path: "/v1/servers/{name*}/versions/{version}",
    role: "editor",
    action: "servers.status",
    summary:
      "Change a version's status (active, deprecated, deleted) and status message; nothing else changes",
    tags: ["registry"],
    params: VersionParams,
    body: StatusPatch,
    success: 200,
    response: ServerVersionRecord,
  }),
  listServerReferences: route({
    method: "GET",
    path: "/v1/servers/{name*}/references",
    role: "viewer",
    action: "servers.references",
    summary: "The MCDs and workflows that link to this server",
    tags: ["registry"],
    params: NameParams,
    success: 200,
    response: References,
  }),
  exportServerVersion: route({
    method: "GET",
    path: "/v1/servers/{name*}/versions/{version}/server.json",
    role: "viewer",
    action: "servers.export",
    summary: "Export a version in the official server.json format (mcpflow fields under _meta)",
    tags: ["registry"],
    params: VersionParams,
    success: 200,
    response: z.record(z.string(), z.unknown()),
  }),
  putServerSecret: route({
    method: "PUT",
    path: "/v1/servers/{name*}/secrets/{key}",
    role: "admin",
    action: "secrets.put",
    summary: "Write a secret the server needs (write-only: the value is never returned)",
    tags: ["secrets"],
    params: z.object({ name: ServerName, key: SecretKey }).strict(),
    body: z
      .object({
        value: z
          .string()
          .min(1)
          .max(64 * 1024),
      })
      .strict(),
    success: 200,
    response: SecretMetadata,
  }),
  listServerSecrets: route({
    method: "GET",
    path: "/v1/servers/{name*}/secrets",
    role: "admin",
    action: "secrets.list",
    summary: "Names and dates of a server's secrets (never values)",
    tags: ["secrets"],
    params: NameParams,
    success: 200,
    response: z.object({ secrets: z.array(SecretMetadata) }),
  }),
  deleteServerSecret: route({
    method: "DELETE",
    path: "/v1/servers/{name*}/secrets/{key}",
    role: "admin",
    action: "secrets.delete",
    summary: "Delete a secret",
    tags: ["secrets"],
    params: z.object({ name: ServerName, key: SecretKey }).strict(),
    success: 204,
  }),
  probeServerVersion: route({
    method: "POST",
    path: "/v1/servers/{name*}/versions/{version}/probe",
    role: "editor",
    action: "servers.probe",
    summary:
      "Start the server as its runtime says, run initialize, tools/list, resources/list, prompts/list, store the result",
    tags: ["registry"],
    params: VersionParams,
    success: 200,
    response: ProbeResult,
  }),
  listServerTools: route({
    method: "GET",
    path: "/v1/servers/{name*}/versions/{version}/tools",
    role: "viewer",
    action: "servers.tools",
    summary: "The tools the last probe found (name, description, inputSchema, outputSchema, annotations)",
    tags: ["registry"],
    params: VersionParams,
    success: 200,
    response: z.object({ tools: z.array(ProbedTool), probedAt: z.string() }),
  }),
};
