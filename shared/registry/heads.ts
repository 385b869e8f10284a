// Reading server head items (each server's latest version, kept by the registry service). Apart from the
// service so that readers such as the search index need neither semver nor the write path.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll, type Table } from "../store/table.js";
import type { ServerDocument, ServerStatus } from "./schema.js";

export const serverKey = (name: string) => `SERVER#${name}`;

export interface ServerHead {
  name: string;
  latestVersion: string;
  latest: { version: string; document: ServerDocument; status: ServerStatus };
  /** True when every version is deleted: the server is gone from lists and search. */
  allDeleted: boolean;
}

export async function readServerHead(table: Table, name: string): Promise<ServerHead | undefined> {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: { pk: serverKey(name), sk: "HEAD" } }),
  );
  return result.Item as ServerHead | undefined;
}

export async function listServerHeads<T extends ServerHead = ServerHead>(table: Table): Promise<T[]> {
  return queryAll<T>(table, {
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": "SERVERS" },
  });
}
