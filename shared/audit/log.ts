// The audit log: one item per write (who, what, when, outcome), newest first. It lives in one partition because
// it is read as one timeline; at the write rates of a registry this stays far below a partition's limits.
import { randomUUID } from "node:crypto";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { decodeCursor, encodeCursor, partitionPosition } from "../store/cursor.js";
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

export async function recordAudit(table: Table, entry: Omit<AuditEntry, "id">): Promise<void> {
  const id = randomUUID();
  await table.doc.send(
    new PutCommand({
      TableName: table.name,
      Item: { pk: "AUDIT", sk: `${entry.at}#${id}`, ...entry, id },
    }),
  );
}

export async function listAudit(
  table: Table,
  page: { limit: number; cursor?: string },
): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": "AUDIT" },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, partitionPosition("AUDIT")),
    }),
  );
  return {
    items: (result.Items ?? []).map(({ pk: _pk, sk: _sk, ...rest }) => AuditEntry.parse(rest)),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
}
