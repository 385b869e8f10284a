// Who the caller is, machine API keys, and the audit log.
import { AuditEntry, AuditListQuery } from "../audit/log.js";
import { ETAG, LOCATION, route } from "../http/route.js";
import { ApiKeyCreate, ApiKeyMetadata } from "../identity/api-keys.js";
import { Caller } from "../identity/roles.js";
import { MAX_PREFERENCES_BYTES, Preferences, StoredPreferences } from "../preferences/schema.js";
import * as z from "../zod.js";

const Page = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

export const identityRoutes = {
  signIn: route({
    method: "POST",
    path: "/v1/sign-in",
    role: "public",
    action: "sign-in",
    summary:
      "Exchange a one-time sign-in code (the link `npm start` prints) for a session token; each code works once, for 10 minutes. Embedded platform only: on AWS, Cognito signs people in (404)",
    tags: ["identity"],
    body: z.strictObject({
      code: z
        .string()
        .check(z.regex(/^[A-Za-z0-9_-]{43}$/, "must be a sign-in code (43 URL-safe characters)")),
    }),
    success: 200,
    errors: [404],
    response: z.object({ token: z.string(), expiresAt: z.string(), username: z.string() }),
  }),
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
  getPreferences: route({
    method: "GET",
    path: "/v1/me/preferences",
    role: "viewer",
    action: "me.preferences.get",
    summary:
      "The caller's own preferences (the dashboard's panels, their order, pinned workflows and servers); defaults at revision 0 until the first save",
    tags: ["identity"],
    success: 200,
    responseHeaders: [ETAG],
    response: StoredPreferences,
  }),
  putPreferences: route({
    method: "PUT",
    path: "/v1/me/preferences",
    role: "viewer",
    action: "me.preferences.put",
    summary:
      "Replace the caller's own preferences; If-Match must name the revision read (412 if another browser saved since, 428 if missing)",
    tags: ["identity"],
    headers: [
      {
        name: "If-Match",
        required: true,
        description: "The revision these preferences are based on (`0` before the first save)",
      },
    ],
    body: Preferences,
    maxBodyBytes: MAX_PREFERENCES_BYTES,
    success: 200,
    errors: [412, 428],
    responseHeaders: [ETAG],
    response: StoredPreferences,
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
    responseHeaders: [LOCATION("the key")],
    response: z.extend(ApiKeyMetadata, { key: z.string() }),
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
    response: z.object({ items: z.array(ApiKeyMetadata), nextCursor: z.optional(z.string()) }),
  }),
  revokeApiKey: route({
    method: "DELETE",
    path: "/v1/api-keys/{id}",
    role: "admin",
    action: "api-keys.revoke",
    summary: "Revoke an API key at once",
    tags: ["identity"],
    params: z.strictObject({ id: z.string().check(z.regex(/^[a-f0-9]{32}$/, "must be an API key id")) }),
    success: 204,
    errors: [404],
  }),
  listAudit: route({
    method: "GET",
    path: "/v1/audit",
    role: "admin",
    action: "audit.list",
    summary:
      "The audit log, newest first, filtered by actor, action, resource, outcome and time range (from, to); a filtered page may hold fewer than limit entries and still have a nextCursor",
    tags: ["identity"],
    query: AuditListQuery,
    success: 200,
    response: z.object({ items: z.array(AuditEntry), nextCursor: z.optional(z.string()) }),
  }),
};
