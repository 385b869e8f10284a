// Machine credentials. The key is shown once; only its SHA-256 is stored, so a table dump reveals no key.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { NotFoundError, UnauthorizedError } from "../errors.js";
import { decodeCursor, encodeCursor, indexPosition } from "../store/cursor.js";
import type { Table } from "../store/table.js";
import * as z from "../zod.js";
import { type Caller, Role } from "./roles.js";

export const ApiKeyCreate = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  role: Role,
  expiresAt: z.optional(
    z.iso
      .datetime({ offset: true, error: "must be an ISO 8601 date-time" })
      .check(z.refine((v) => Date.parse(v) > Date.now(), "must be in the future")),
  ),
});

export const ApiKeyMetadata = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  prefix: z.string().check(z.meta({ description: "the first characters of the key, to recognise it" })),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.optional(z.string()),
  lastUsedAt: z.optional(z.string()),
});

export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;
export type ApiKeyMetadata = z.infer<typeof ApiKeyMetadata>;

const KEY_PATTERN = /^mcpf_([a-f0-9]{32})_([A-Za-z0-9_-]{43})$/;

function hash(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

function toMetadata(item: Record<string, unknown>): ApiKeyMetadata {
  return ApiKeyMetadata.parse({
    id: item.id,
    name: item.name,
    role: item.role,
    prefix: item.prefix,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    expiresAt: item.expiresAt,
    lastUsedAt: item.lastUsedAt,
  });
}

export async function createApiKey(
  table: Table,
  input: ApiKeyCreate,
  caller: Caller,
  now = new Date(),
): Promise<ApiKeyMetadata & { key: string }> {
  const id = randomUUID().replaceAll("-", "");
  const key = `mcpf_${id}_${randomBytes(32).toString("base64url")}`;
  const item = {
    pk: `APIKEY#${id}`,
    sk: "META",
    gsi1pk: "APIKEYS",
    gsi1sk: `${now.toISOString()}#${id}`,
    id,
    name: input.name,
    role: input.role,
    prefix: key.slice(0, 13),
    hash: hash(key).toString("hex"),
    createdAt: now.toISOString(),
    createdBy: caller.id,
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : undefined,
  };
  await table.doc.send(
    new PutCommand({ TableName: table.name, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
  );
  return { ...toMetadata(item), key };
}

export async function listApiKeys(
  table: Table,
  page: { limit: number; cursor?: string },
): Promise<{ items: ApiKeyMetadata[]; nextCursor?: string }> {
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": "APIKEYS" },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, indexPosition("APIKEYS")),
    }),
  );
  return { items: (result.Items ?? []).map(toMetadata), nextCursor: encodeCursor(result.LastEvaluatedKey) };
}

/**
 * How long a process answers a key it checked without reading it again: a revocation made in another process
 * (another Lambda container) takes effect within this; one made in this process at once (revokeApiKey forgets the
 * key here), and an expiry at its instant. A key's `lastUsedAt` is written when it is read, so at most this often.
 */
export const API_KEY_RECHECK_MS = 5_000;
/** Keys kept per table; past this the least recently used goes. */
const KEPT_KEYS = 1000;

/** Callers of keys checked lately, per table (as per process), by the key's SHA-256. */
const checkedKeys = new WeakMap<Table, Map<string, { caller: Caller; until: number }>>();

function keptKeys(table: Table): Map<string, { caller: Caller; until: number }> {
  let kept = checkedKeys.get(table);
  if (!kept) {
    kept = new Map();
    checkedKeys.set(table, kept);
  }
  return kept;
}

export async function revokeApiKey(table: Table, id: string): Promise<void> {
  const kept = keptKeys(table);
  for (const [digest, { caller }] of kept) if (caller.id === `api-key:${id}`) kept.delete(digest);
  try {
    await table.doc.send(
      new DeleteCommand({
        TableName: table.name,
        Key: { pk: `APIKEY#${id}`, sk: "META" },
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
      throw new NotFoundError(`No API key with id ${id}.`);
    }
    throw error;
  }
}

/** Resolves the caller behind an `x-api-key`; a revoked, expired, unknown or malformed key is a 401. */
export async function authenticateApiKey(table: Table, key: string, now = new Date()): Promise<Caller> {
  const match = KEY_PATTERN.exec(key);
  if (!match) throw new UnauthorizedError("The API key is malformed.");
  const id = match[1]!;
  const given = hash(key);
  const digest = given.toString("hex");
  const kept = keptKeys(table);
  const checked = kept.get(digest);
  if (checked) {
    kept.delete(digest);
    if (checked.until > now.getTime()) {
      kept.set(digest, checked);
      return { ...checked.caller };
    }
  }
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: { pk: `APIKEY#${id}`, sk: "META" } }),
  );
  const item = result.Item;
  if (!item || typeof item.hash !== "string")
    throw new UnauthorizedError("The API key is unknown or revoked.");
  const stored = Buffer.from(item.hash, "hex");
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) {
    throw new UnauthorizedError("The API key is unknown or revoked.");
  }
  if (typeof item.expiresAt === "string" && Date.parse(item.expiresAt) <= now.getTime()) {
    throw new UnauthorizedError("The API key has expired.");
  }
  // Best effort: a lost lastUsedAt update must never fail the request it describes.
  table.doc
    .send(
      new UpdateCommand({
        TableName: table.name,
        Key: { pk: `APIKEY#${id}`, sk: "META" },
        UpdateExpression: "SET lastUsedAt = :now",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":now": now.toISOString() },
      }),
    )
    .catch(() => undefined);
  const caller: Caller = {
    id: `api-key:${id}`,
    kind: "api-key",
    name: String(item.name),
    role: Role.parse(item.role),
  };
  const expiresAt =
    typeof item.expiresAt === "string" ? Date.parse(item.expiresAt) : Number.POSITIVE_INFINITY;
  if (kept.size >= KEPT_KEYS) kept.delete(kept.keys().next().value!);
  kept.set(digest, { caller, until: Math.min(now.getTime() + API_KEY_RECHECK_MS, expiresAt) });
  return { ...caller };
}
