// Workflow item keys, and the one read the AWS orchestrator needs from them, apart from the workflow service so
// every Lambda's AWS platform can reach it without bundling the service, its compiler and the YAML parser.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Table } from "../store/table.js";

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
