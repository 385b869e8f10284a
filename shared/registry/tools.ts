// What a probe found on a server version (tools, resources, prompts), kept next to the version it describes.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ProbeResult } from "../mcp/probe-result.js";
import type { Table } from "../store/table.js";

const key = (name: string, version: string) => ({ pk: `SERVER#${name}`, sk: `TOOLS#${version}` });

export async function saveProbe(
  table: Table,
  name: string,
  version: string,
  probe: ProbeResult,
): Promise<void> {
  await table.doc.send(new PutCommand({ TableName: table.name, Item: { ...key(name, version), probe } }));
}

export async function getProbe(
  table: Table,
  name: string,
  version: string,
): Promise<ProbeResult | undefined> {
  const result = await table.doc.send(new GetCommand({ TableName: table.name, Key: key(name, version) }));
  return result.Item?.probe as ProbeResult | undefined;
}
