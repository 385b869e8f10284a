// Physical-name conventions shared by the stacks and by the runtime that creates resources on the fly.
// State machines and task definitions are created by the API at run time, so IAM can only scope them by name prefix.
import { Aws } from "aws-cdk-lib";

export interface StageNames {
  /** `mcpflow-<stage>`: stacks, cluster, API, user pool, table. */
  readonly prefix: string;
  /** `mcpflow-<stage>-`: state machines the workflows API creates; the EventBridge rule and IAM match on it. */
  readonly stateMachinePrefix: string;
  /** `mcpflow-<stage>-`: ECS task-definition families the runtime registers per server version. */
  readonly taskFamilyPrefix: string;
  /** `mcpflow/<stage>/`: Secrets Manager names holding MCP server credentials. */
  readonly secretsPrefix: string;
  /**
   * `mcpflow-<stage>-payloads-<account>-<region>`: a fixed, globally unique name, so other stacks reference the
   * bucket without a cross-stack export and its IAM findings read the same in every stack.
   */
  readonly payloadBucket: string;
  /** The payload bucket name as cdk-nag renders it in findings. */
  readonly payloadBucketRendered: string;
}

export function stageNames(stage: string): StageNames {
  const prefix = `mcpflow-${stage}`;
  return {
    prefix,
    stateMachinePrefix: `${prefix}-`,
    taskFamilyPrefix: `${prefix}-`,
    secretsPrefix: `mcpflow/${stage}/`,
    payloadBucket: `${prefix}-payloads-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
    payloadBucketRendered: `${prefix}-payloads-<AWS::AccountId>-<AWS::Region>`,
  };
}

/** The table's one global secondary index (`gsi1pk`/`gsi1sk`). */
export const GSI1 = "gsi1";
