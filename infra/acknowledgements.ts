// AwsSolutions-IAM5 acknowledgements shared by several roles. Each names the exact wildcard it allows and why
// it cannot be narrower. ARNs are built from pseudo-parameters (see policies.ts `arnOf`), so cdk-nag renders
// them the same whether or not the stack has a concrete account: `arn:<AWS::Partition>:...:<AWS::AccountId>:...`.

import type { WildcardAcknowledgement } from "./nag.js";
import type { StageNames } from "./naming.js";

const ARN = "arn:<AWS::Partition>";
const REGION_ACCOUNT = "<AWS::Region>:<AWS::AccountId>";

/** The finding for any `arnOf(service, resource)` ARN that contains a `*`. */
export function arnFinding(service: string, resource: string): string {
  return `Resource::${ARN}:${service}:${REGION_ACCOUNT}:${resource}`;
}

export function taskTokenAcknowledgement(): WildcardAcknowledgement {
  return {
    findings: ["Resource::*"],
    reason:
      "Resource::* is only states:SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, which do not support " +
      "resource-level permissions; the task token itself is the capability.",
  };
}

export function bucketObjectsAcknowledgement(names: StageNames): WildcardAcknowledgement {
  return {
    findings: [`Resource::${ARN}:s3:::${names.payloadBucketRendered}/*`],
    reason:
      "Object keys in the payload bucket (<bucket ARN>/*) are generated per server, run and step at run time; " +
      "access is limited to that one bucket.",
  };
}

export function secretsAcknowledgement(names: StageNames, why: string): WildcardAcknowledgement {
  return {
    findings: [arnFinding("secretsmanager", `secret:${names.secretsPrefix}*`)],
    reason:
      `MCP server secrets are created at run time, so only the name prefix ${names.secretsPrefix}* is known ` +
      `at deploy time; this role ${why}.`,
  };
}

export function stateMachinesAcknowledgement(
  names: StageNames,
  why: string,
  which: { stateMachines?: boolean; executions?: boolean } = { stateMachines: true, executions: true },
): WildcardAcknowledgement {
  return {
    findings: [
      ...(which.stateMachines ? [arnFinding("states", `stateMachine:${names.stateMachinePrefix}*`)] : []),
      ...(which.executions ? [arnFinding("states", `execution:${names.stateMachinePrefix}*:*`)] : []),
    ],
    reason:
      `State machines are created per workflow at run time and all named ${names.stateMachinePrefix}*; ` +
      `executions are any execution of those (execution:${names.stateMachinePrefix}*:*). This role ${why}.`,
  };
}
