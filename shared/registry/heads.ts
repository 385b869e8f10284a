// Reading server head items (each server's latest version, kept by head-projection.ts). Apart from the service so
// that readers such as the search index need neither semver nor the write path. A placeholder head (a first
// publish under way, or one that stopped before its version existed) is no server.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll, type Table } from "../store/table.js";
import type { ServerDocument, ServerStatus } from "./schema.js";
import { HEAD_SK, serverKey } from "./server-items.js";

export { serverKey };

export interface ServerHead {
  name: string;
  latestVersion: string;
  latest: { version: string; document: ServerDocument; status: ServerStatus };
  /** True when every version is deleted: the server is gone from lists and search. */
  allDeleted: boolean;
}

const named = (item: Record<string, unknown> | undefined) => item?.latest !== undefined;

export async function readServerHead(table: Table, name: string): Promise<ServerHead | undefined> {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: { pk: serverKey(name), sk: HEAD_SK } }),
  );
  return named(result.Item) ? (result.Item as ServerHead) : undefined;
}

export async function listServerHeads<T extends ServerHead = ServerHead>(table: Table): Promise<T[]> {
  const items = await queryAll<T>(table, {
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": "SERVERS" },
  });
  return items.filter((item) => named(item as unknown as Record<string, unknown>));
}
