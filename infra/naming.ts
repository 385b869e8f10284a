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
  /**
   * `mcpflow-<stage>-console-<account>-<region>`: the console's files (web stack), fixed for the same reasons as
   * the payload bucket: the web-content stack uploads to it by name.
   */
  readonly consoleBucket: string;
  readonly consoleBucketRendered: string;
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
    consoleBucket: `${prefix}-console-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
    consoleBucketRendered: `${prefix}-console-<AWS::AccountId>-<AWS::Region>`,
  };
}

/** The table's one global secondary index (`gsi1pk`/`gsi1sk`). */
export const GSI1 = "gsi1";

/** The Cognito hosted domain's prefix: the configured one, or `mcpflow-<stage>-<account>` (unique per region). */
export function authDomainPrefix(config: { stage: string; authDomainPrefix: string | undefined }): string {
  return config.authDomainPrefix ?? `${stageNames(config.stage).prefix}-${Aws.ACCOUNT_ID}`;
}

/** The hosted UI's origin for a domain prefix, as `UserPoolDomain.baseUrl()` renders it. */
export function authDomainOrigin(prefix: string): string {
  return `https://${prefix}.auth.${Aws.REGION}.amazoncognito.com`;
}
