// The registry area's contract: /v1/servers and everything under it.

import { LOCATION, route } from "../http/route.js";
import { References } from "../mcds/schema.js";
import { ProbedTool, ProbeResult } from "../mcp/probe-result.js";
import { RuntimePolicy, RuntimePolicyRules } from "../registry/runtime-policy-schema.js";
import {
  ServerDocument,
  ServerListQuery,
  ServerNameReference,
  ServerVersionRecord,
  ServerVersionString,
  StatusPatch,
} from "../registry/schema.js";
import { GrantedVersions, SecretGrant } from "../registry/secret-grants.js";
import { RunRecord } from "../runs/schema.js";
import { SecretKey, SecretMetadata } from "../secrets/port.js";
import * as z from "../zod.js";

const NameParams = z.strictObject({ name: ServerNameReference });
const VersionParams = z.strictObject({ name: ServerNameReference, version: ServerVersionString });
const IncludeDeleted = z.strictObject({ include_deleted: z.optional(z.enum(["true", "false"])) });
const SecretParams = z.strictObject({ name: ServerNameReference, key: SecretKey });
const Versions = GrantedVersions.check(
  z.meta({
    description:
      "the versions that receive the secret: one version exactly, or a semver range that covers only versions an admin approved explicitly",
  }),
);

/** A secret's metadata with the versions it is granted to (absent: granted to none). */
export const SecretListing = z.object({ ...SecretMetadata.shape, versions: z.optional(z.string()) });

export const ServerListResponse = z.object({
  servers: z.array(ServerVersionRecord),
  facets: z.object({ tags: z.record(z.string(), z.number()), categories: z.record(z.string(), z.number()) }),
  total: z.number().check(z.int()),
  nextCursor: z.optional(z.string()),
});

export const ImportResponse = z.object({
  results: z.array(
    z.object({
      index: z.number().check(z.int()),
      name: z.optional(z.string()),
      version: z.optional(z.string()),
      outcome: z.enum(["created", "exists", "invalid"]),
      errors: z.optional(z.array(z.object({ field: z.string(), rule: z.string() }))),
    }),
  ),
  created: z.number().check(z.int()),
  exists: z.number().check(z.int()),
  invalid: z.number().check(z.int()),
});

export const registryRoutes = {
  publishServer: route({
    method: "POST",
    path: "/v1/servers",
    role: "editor",
    action: "servers.publish",
    summary:
      "Publish a server version (a new server or a new version of one); an admin may approve its runtime in the same request with ?approve=true",
    tags: ["registry"],
    query: z.strictObject({
      approve: z.optional(z.enum(["true", "false"])).check(
        z.meta({
          description: "admin only: approve this version's runtime as published (it may then run)",
        }),
      ),
    }),
    body: ServerDocument,
    success: 201,
    responseHeaders: [LOCATION("the new version")],
    errors: [409, 422],
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
    errors: [404],
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
    errors: [404],
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
    errors: [404],
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
    errors: [404, 409],
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
    errors: [404],
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
    errors: [404],
    response: z.record(z.string(), z.unknown()),
  }),
  putServerSecret: route({
    method: "PUT",
    path: "/v1/servers/{name*}/secrets/{key}",
    role: "admin",
    action: "secrets.put",
    summary: "Write a secret the server needs (write-only: the value is never returned)",
    tags: ["secrets"],
    params: SecretParams,
    body: z.strictObject({
      value: z.string().check(z.minLength(1), z.maxLength(64 * 1024)),
      versions: z.optional(Versions),
    }),
    success: 200,
    errors: [404],
    response: SecretListing,
  }),
  grantServerSecret: route({
    method: "PUT",
    path: "/v1/servers/{name*}/secrets/{key}/grant",
    role: "admin",
    action: "secrets.grant",
    summary: "Grant a secret to a version or a semver range of versions (replaces the secret's grant)",
    tags: ["secrets"],
    params: SecretParams,
    body: z.strictObject({ versions: Versions }),
    success: 200,
    errors: [404],
    response: SecretGrant,
  }),
  revokeServerSecretGrant: route({
    method: "DELETE",
    path: "/v1/servers/{name*}/secrets/{key}/grant",
    role: "admin",
    action: "secrets.revoke-grant",
    summary: "Revoke a secret's grant: no version receives it any more",
    tags: ["secrets"],
    params: SecretParams,
    success: 204,
    errors: [404],
  }),
  listServerSecrets: route({
    method: "GET",
    path: "/v1/servers/{name*}/secrets",
    role: "admin",
    action: "secrets.list",
    summary: "Names, dates and granted versions of a server's secrets (never values)",
    tags: ["secrets"],
    params: NameParams,
    success: 200,
    errors: [404],
    response: z.object({ secrets: z.array(SecretListing) }),
  }),
  deleteServerSecret: route({
    method: "DELETE",
    path: "/v1/servers/{name*}/secrets/{key}",
    role: "admin",
    action: "secrets.delete",
    summary: "Delete a secret",
    tags: ["secrets"],
    params: SecretParams,
    success: 204,
    errors: [404],
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
    errors: [404, 409, 422, 502],
    response: ProbeResult,
  }),
  approveServerVersion: route({
    method: "PUT",
    path: "/v1/servers/{name*}/versions/{version}/approval",
    role: "admin",
    action: "servers.approve",
    summary:
      "Approve this version's exact runtime, so it may be probed and run; give the runtimeDigest read from the version",
    tags: ["registry"],
    params: VersionParams,
    body: z.strictObject({
      runtimeDigest: z
        .string()
        .check(
          z.regex(/^sha256:[0-9a-f]{64}$/, "must be `sha256:` and 64 lowercase hex characters"),
          z.meta({ description: "execution.runtimeDigest of the version, as the admin reviewed it" }),
        ),
    }),
    success: 200,
    errors: [404, 409, 422],
    response: ServerVersionRecord,
  }),
  revokeServerVersionApproval: route({
    method: "DELETE",
    path: "/v1/servers/{name*}/versions/{version}/approval",
    role: "admin",
    action: "servers.revoke-approval",
    summary: "Revoke a version's approval: probes, new runs and the next steps of running ones are refused",
    tags: ["registry"],
    params: VersionParams,
    success: 200,
    errors: [404],
    response: ServerVersionRecord,
  }),
  getRuntimePolicy: route({
    method: "GET",
    path: "/v1/runtime-policy",
    role: "editor",
    action: "runtime-policy.get",
    summary:
      "The admin's allow-list of commands, packages, images and hosts that run without a per-version approval",
    tags: ["registry"],
    success: 200,
    response: RuntimePolicy,
  }),
  putRuntimePolicy: route({
    method: "PUT",
    path: "/v1/runtime-policy",
    role: "admin",
    action: "runtime-policy.put",
    summary:
      "Replace the runtime allow-list (exact names, or whole-segment wildcards: `@scope/*`, `*.example.com`)",
    tags: ["registry"],
    body: RuntimePolicyRules,
    success: 200,
    errors: [409],
    response: RuntimePolicy,
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
    errors: [404],
    response: z.object({ tools: z.array(ProbedTool), probedAt: z.string() }),
  }),
  callServerTool: route({
    method: "POST",
    path: "/v1/servers/{name*}/versions/{version}/tools/{tool}/call",
    role: "operator",
    action: "servers.tools.call",
    summary:
      "Call one tool of a probed version and answer when it has ended: a run of one step (workflow `tools.call`), recorded and listed as any run, under the same approval and secret rules; a tool that may be destructive needs `confirm: true`",
    tags: ["registry", "runs"],
    params: z.strictObject({
      name: ServerNameReference,
      version: ServerVersionString,
      tool: z
        .string()
        .check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 letters, digits, `_`, `.` or `-`")),
    }),
    body: z.strictObject({
      arguments: z._default(
        z
          .record(z.string(), z.unknown())
          .check(z.meta({ description: "the tool's arguments (its inputSchema)" })),
        {},
      ),
      confirm: z._default(
        z.boolean().check(
          z.meta({
            description:
              "true to call a tool that does not declare readOnlyHint: true or destructiveHint: false (MCP's defaults make it destructive)",
          }),
        ),
        false,
      ),
    }),
    success: 200,
    errors: [404, 409, 422, 502],
    response: RunRecord,
  }),
};
