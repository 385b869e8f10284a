// Who the caller is, machine API keys, and the audit log.
import * as z from "zod";
import { AuditEntry } from "../audit/log.js";
import { route } from "../http/route.js";
import { ApiKeyCreate, ApiKeyMetadata } from "../identity/api-keys.js";
import { Caller } from "../identity/roles.js";

const Page = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

export const identityRoutes = {
  me: route({
    method: "GET",
    path: "/v1/me",
    role: "viewer",
    action: "me.get",
    summary: "Who the caller is and which role they have",
    tags: ["identity"],
    success: 200,
    response: Caller,
  }),
  createApiKey: route({
    method: "POST",
    path: "/v1/api-keys",
    role: "admin",
    action: "api-keys.create",
    summary: "Create an API key; the key is returned once and only its hash is stored",
    tags: ["identity"],
    body: ApiKeyCreate,
    success: 201,
    response: ApiKeyMetadata.extend({ key: z.string() }),
  }),
  listApiKeys: route({
    method: "GET",
    path: "/v1/api-keys",
    role: "admin",
    action: "api-keys.list",
    summary: "API key metadata (never the keys)",
    tags: ["identity"],
    query: Page,
    success: 200,
    response: z.object({ items: z.array(ApiKeyMetadata), nextCursor: z.string().optional() }),
  }),
  revokeApiKey: route({
    method: "DELETE",
    path: "/v1/api-keys/{id}",
    role: "admin",
    action: "api-keys.revoke",
    summary: "Revoke an API key at once",
    tags: ["identity"],
    params: z.object({ id: z.string().regex(/^[a-f0-9]{32}$/, "must be an API key id") }).strict(),
    success: 204,
  }),
  listAudit: route({
    method: "GET",
    path: "/v1/audit",
    role: "admin",
    action: "audit.list",
    summary: "The audit log, newest first",
    tags: ["identity"],
    query: Page,
    success: 200,
    response: z.object({ items: z.array(AuditEntry), nextCursor: z.string().optional() }),
  }),
};
