// Workflow item keys, and the one read the AWS orchestrator needs from them, apart from the workflow service so
// every Lambda's AWS platform can reach it without bundling the service, its compiler and the YAML parser.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll, type Table } from "../store/table.js";

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
 * Workflows whose saved versions (any of them, not only the latest) pin `server@version`: a version they pin must
 * not be deleted. Reads items directly, so the registry function needs neither the compiler nor the YAML parser.
 */
export async function workflowsPinning(table: Table, server: string, version: string): Promise<string[]> {
  const heads = await queryAll<{ name: string; servers?: string[]; deleted?: boolean }>(table, {
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": "WORKFLOWS" },
  });
  const names: string[] = [];
  for (const head of heads) {
    if (head.deleted || !head.servers?.includes(server)) continue;
    const versions = await queryAll<{
      definition?: { steps?: { server?: { name?: string; version?: string } }[] };
    }>(table, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": workflowKey(head.name), ":v": "V#" },
      ProjectionExpression: "#definition",
      ExpressionAttributeNames: { "#definition": "definition" },
    });
    const pins = versions.some((item) =>
      (item.definition?.steps ?? []).some(
        (step) => step.server?.name === server && step.server?.version === version,
      ),
    );
    if (pins) names.push(head.name);
  }
  return names;
}
