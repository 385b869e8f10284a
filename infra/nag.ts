// cdk-nag 3 acknowledgements through CDK's own Validations API. cdk-nag 3 matches findings exactly (no regex,
// no rule-wide IAM5), so every wildcard is named here by the exact string cdk-nag reports for it.
import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** An AwsSolutions-IAM5 acknowledgement: the exact wildcard findings a policy may have, and why. */
export interface WildcardAcknowledgement {
  /** Findings as cdk-nag renders them, e.g. `Resource::*` or `Resource::arn:<AWS::Partition>:...:secret:x/*`. */
  readonly findings: readonly string[];
  readonly reason: string;
}

/** Acknowledges rule `id` (e.g. `AwsSolutions-S1`) on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export function acknowledgeWildcards(scope: IConstruct, acknowledgement: WildcardAcknowledgement): void {
  for (const finding of acknowledgement.findings) {
    acknowledge(scope, `AwsSolutions-IAM5[${finding}]`, acknowledgement.reason);
  }
}
