// Workflow item keys, and the one read the AWS orchestrator needs from them, apart from the workflow service so
// every Lambda's AWS platform can reach it without bundling the service, its compiler and the YAML parser.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll, type Table } from "../store/table.js";
import { highestSlot } from "../store/version-log.js";
import type { WorkflowDefinition } from "./definition.js";

export const workflowKey = (name: string) => `WORKFLOW#${name}`;
export const versionKey = (version: number) => `V#${String(version).padStart(6, "0")}`;

/** The state machine version ARN deploy() returned for a saved workflow version, if it has one. */
export async function publishedStateMachineArn(
  table: Table,
  name: string,
  version: number,
): Promise<string | undefined> {
  const result = await table.doc.send(
    new GetCommand({
      TableName: table.name,
      Key: { pk: workflowKey(name), sk: versionKey(version) },
      ProjectionExpression: "stateMachineArn",
    }),
  );
  const arn: unknown = result.Item?.stateMachineArn;
  return typeof arn === "string" && arn.length > 0 ? arn : undefined;
}

/**
 * The latest saved definition, read from the highest version slot rather than the head: follow-ups of a save (the
 * search index) run before its head moves. Undefined when the workflow does not exist or is deleted.
 */
export async function readLatestDefinition(
  table: Table,
  name: string,
): Promise<WorkflowDefinition | undefined> {
  const [latest, head] = await Promise.all([
    highestSlot<{ version: number; deleted?: boolean; definition?: WorkflowDefinition }>(
      table,
      workflowKey(name),
    ),
    table.doc.send(
      new GetCommand({
        TableName: table.name,
        Key: { pk: workflowKey(name), sk: "HEAD" },
        ProjectionExpression: "deleted, latestVersion",
        ConsistentRead: true,
      }),
    ),
  ]);
  if (!latest || latest.deleted) return undefined;
  // A head marked deleted at or past the highest slot is a delete from before tombstone slots existed.
  if (head.Item?.deleted === true && Number(head.Item.latestVersion) >= latest.version) return undefined;
  return latest.definition;
}

/**
 * Workflows whose saved versions (any since the workflow was last created, not only the latest) pin
 * `server@version`: a version they pin must not be deleted. `candidates` are the workflows the version item says
 * pinned it (read through their own items, consistently); the listing index covers pins from before those marks.
 * Reads items directly, so the registry function needs neither the compiler nor the YAML parser.
 */
export async function workflowsPinning(
  table: Table,
  server: string,
  version: string,
  candidates: string[] = [],
): Promise<string[]> {
  const heads = await queryAll<{ name: string; servers?: string[]; deleted?: boolean }>(table, {
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": "WORKFLOWS" },
  });
  const names = new Set(candidates);
  for (const head of heads) if (!head.deleted && head.servers?.includes(server)) names.add(head.name);
  const pinning: string[] = [];
  for (const name of [...names].sort()) {
    if (await pins(table, name, server, version)) pinning.push(name);
  }
  return pinning;
}

async function pins(table: Table, workflow: string, server: string, version: string): Promise<boolean> {
  const latest = await highestSlot<{ version: number; since?: number; deleted?: boolean }>(
    table,
    workflowKey(workflow),
  );
  if (!latest || latest.deleted) return false;
  const head = await table.doc.send(
    new GetCommand({
      TableName: table.name,
      Key: { pk: workflowKey(workflow), sk: "HEAD" },
      ProjectionExpression: "deleted, latestVersion",
      ConsistentRead: true,
    }),
  );
  if (head.Item?.deleted === true && Number(head.Item.latestVersion) >= latest.version) return false;
  const versions = await queryAll<{
    definition?: { steps?: { server?: { name?: string; version?: string } }[] };
  }>(table, {
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: {
      ":pk": workflowKey(workflow),
      ":from": versionKey(latest.since ?? 1),
      ":to": versionKey(latest.version),
    },
    ProjectionExpression: "#definition",
    ExpressionAttributeNames: { "#definition": "definition" },
    ConsistentRead: true,
  });
  return versions.some((item) =>
    (item.definition?.steps ?? []).some(
      (step) => step.server?.name === server && step.server?.version === version,
    ),
  );
}
