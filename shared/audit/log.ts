// The audit log: one item per write (who, what, when, outcome), newest first. It lives in one partition because
// it is read as one timeline; at the write rates of a registry this stays far below a partition's limits.
import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { BadRequestError } from "../errors.js";
import { decodeCursor, encodeCursor, partitionPosition } from "../store/cursor.js";
import { groupedPut } from "../store/group-commit.js";
import type { Table } from "../store/table.js";
import * as z from "../zod.js";

export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string(), name: z.string(), role: z.optional(z.string()) }),
  action: z.string().check(z.meta({ description: "the operation, e.g. servers.publish" })),
  method: z.string(),
  path: z.string(),
  target: z.optional(z.string()),
  outcome: z.enum(["success", "failure"]),
  status: z.number().check(z.int()),
  requestId: z.optional(z.string()),
  detail: z
    .optional(z.record(z.string(), z.string()))
    .check(z.meta({ description: "what the write decided, e.g. the runtime digest an approval covers" })),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Concurrent requests' entries are written together (shared/store/group-commit.ts); each answers once its is stored. */
export async function recordAudit(table: Table, entry: Omit<AuditEntry, "id">): Promise<void> {
  const id = randomUUID();
  await groupedPut(table, { pk: "AUDIT", sk: `${entry.at}#${id}`, ...entry, id });
}

/** At most this many entries are read for one page when filters leave most of them out; the page then says where to go on. */
const MAX_READ_PER_PAGE = 1_000;

const TIME = z.iso.datetime({
  offset: true,
  error: "must be an RFC 3339 date-time such as 2026-11-27T08:00:00Z",
});
const TEXT = (description: string) =>
  z.optional(z.string().check(z.minLength(1), z.maxLength(200), z.meta({ description })));

/** GET /v1/audit's query: a page of the log, the filters the store applies, unknown parameters refused. */
export const AuditListQuery = z
  .strictObject({
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
    cursor: z.optional(z.string().check(z.maxLength(2000))),
    actor: TEXT("the actor's id or name, exactly"),
    action: TEXT("the action or its beginning, e.g. servers. or servers.publish"),
    resource: TEXT("the entry's target (a server, workflow, run…) or request path, or its beginning"),
    outcome: z.optional(z.enum(["success", "failure"])),
    from: z.optional(TIME.check(z.meta({ description: "entries at or after this time" }))),
    to: z.optional(TIME.check(z.meta({ description: "entries before this time" }))),
  })
  .check(
    z.refine((query) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
      error: "must not be before from",
      path: ["to"],
    }),
  );
export type AuditListQuery = z.infer<typeof AuditListQuery>;

/**
 * The log newest first, filtered in the store: the time range is a key condition on the sort key (`<at>#<id>`),
 * the rest a filter on what that reads. A filtered page reads until it is full, the log ends or it has read
 * MAX_READ_PER_PAGE entries, so a page may hold fewer than `limit` and still have a `nextCursor`.
 */
export async function listAudit(
  table: Table,
  query: AuditListQuery,
): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":pk": "AUDIT" };
  const conditions: string[] = [];
  if (query.actor) {
    names["#actor"] = "actor";
    names["#actorId"] = "id";
    names["#actorName"] = "name";
    values[":actor"] = query.actor;
    conditions.push("(#actor.#actorId = :actor OR #actor.#actorName = :actor)");
  }
  if (query.action) {
    names["#action"] = "action";
    values[":action"] = query.action;
    conditions.push("begins_with(#action, :action)");
  }
  if (query.resource) {
    names["#target"] = "target";
    names["#path"] = "path";
    values[":resource"] = query.resource;
    conditions.push("(begins_with(#target, :resource) OR begins_with(#path, :resource))");
  }
  if (query.outcome) {
    names["#outcome"] = "outcome";
    values[":outcome"] = query.outcome;
    conditions.push("#outcome = :outcome");
  }
  // Sort keys are `<ISO time>#<uuid>`: from the range's start up to (not including) its end.
  let key = "pk = :pk";
  if (query.from || query.to) {
    values[":from"] = query.from ? new Date(query.from).toISOString() : "0";
    // "#" sorts before every uuid character, so `<to>#` is below every entry written at `to` itself.
    values[":to"] = query.to ? `${new Date(query.to).toISOString()}#` : "~";
    key += " AND sk BETWEEN :from AND :to";
  }
  const items: AuditEntry[] = [];
  let start: Record<string, unknown> | undefined = decodeCursor(query.cursor, partitionPosition("AUDIT"));
  if (start && values[":from"] !== undefined) {
    const sk = start.sk as string;
    // DynamoDB refuses a start outside the key condition: a cursor of other filters is the caller's mistake.
    if (sk < (values[":from"] as string) || sk > (values[":to"] as string)) {
      throw new BadRequestError("The cursor is outside the time range asked for.", {
        issues: [{ field: "query.cursor", rule: "must come from a page of the same from and to" }],
      });
    }
  }
  let read = 0;
  do {
    const page = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: key,
        ...(conditions.length > 0 ? { FilterExpression: conditions.join(" AND ") } : {}),
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: conditions.length > 0 ? Math.min(MAX_READ_PER_PAGE - read, 200) : query.limit - items.length,
        ExclusiveStartKey: start,
      }),
    );
    read += page.ScannedCount ?? 0;
    for (const { pk: _pk, sk: _sk, ...rest } of page.Items ?? []) {
      if (items.length === query.limit) {
        // A filtered read can bring more than the page holds: the next page starts after the last one kept.
        start = { pk: "AUDIT", sk: `${items.at(-1)!.at}#${items.at(-1)!.id}` };
        return { items, nextCursor: encodeCursor(start) };
      }
      items.push(AuditEntry.parse(rest));
    }
    start = page.LastEvaluatedKey;
  } while (start && items.length < query.limit && read < MAX_READ_PER_PAGE);
  return { items, nextCursor: encodeCursor(start) };
}
