// Least-privilege statement builders. Explicit action lists instead of `grantReadWrite*`, whose wildcard
// actions (s3:GetObject*, s3:Abort*, ...) and index/* resources would each need an acknowledgement.
import { Aws } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { allow } from "./constructs/mcpflow-function.js";
import { GSI1, type StageNames } from "./naming.js";

export type AccessMode = "read" | "readwrite";

/** CloudWatch Logs vended delivery, which a state machine's logging configuration sets up; AWS scopes none of it. */
export const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];

/**
 * An ARN in this stack's account and region built from pseudo-parameters, so it renders identically whether or
 * not the stack has a concrete environment (cdk-nag acknowledgements match on the rendered text).
 */
export function arnOf(service: string, resource: string): string {
  return `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
}

const TABLE_READ = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
];
const TABLE_WRITE = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

/** Item access on the table and its one GSI, named explicitly instead of `index/*`. */
export function tableAccess(
  table: ITable,
  mode: AccessMode,
  options: { scan?: boolean } = {},
): PolicyStatement[] {
  const actions = [
    ...TABLE_READ,
    ...(options.scan ? ["dynamodb:Scan"] : []),
    ...(mode === "readwrite" ? TABLE_WRITE : []),
  ];
  return [allow(actions, [table.tableArn, `${table.tableArn}/index/${GSI1}`])];
}

/**
 * What a step executor (the Fargate runner, the remote-MCP invoker) does to the table: read the workflow version,
 * the run, earlier steps and the server version (GetItem/Query on base-table keys, no index), and write its own
 * step record (UpdateItem; PutItem for records written whole). No Scan, no DeleteItem, no batch writes.
 */
export function stepRecordAccess(table: ITable): PolicyStatement[] {
  return [
    allow(
      ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem"],
      [table.tableArn],
    ),
  ];
}

/** Object access anywhere in the payload bucket; listing only with `list`. */
export function bucketObjects(names: StageNames, mode: AccessMode, list: boolean): PolicyStatement[] {
  const bucketArn = `arn:${Aws.PARTITION}:s3:::${names.payloadBucket}`;
  const actions = ["s3:GetObject", ...(mode === "readwrite" ? ["s3:PutObject", "s3:DeleteObject"] : [])];
  return [allow(actions, [`${bucketArn}/*`]), ...(list ? [allow(["s3:ListBucket"], [bucketArn])] : [])];
}

/** Every MCP server secret of the stage (`mcpflow/<stage>/*`). */
export function secretsArn(names: StageNames): string {
  return arnOf("secretsmanager", `secret:${names.secretsPrefix}*`);
}

/** The state machines the workflows API creates for the stage. */
export function stateMachinesArn(names: StageNames): string {
  return arnOf("states", `stateMachine:${names.stateMachinePrefix}*`);
}

/** Every execution of those state machines. */
export function executionsArn(names: StageNames): string {
  return arnOf("states", `execution:${names.stateMachinePrefix}*:*`);
}

/** The ECS task-definition families the runtime registers for the stage. */
export function taskDefinitionsArn(names: StageNames): string {
  return arnOf("ecs", `task-definition/${names.taskFamilyPrefix}*`);
}
