// Shared helpers for the infra tests: build the real app once with cdk.json's feature flags, and read cdk-nag.
import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import type { BuildAppOptions, McpflowApp } from "../../infra/app.js";
import { synthApp as synthInfra } from "../../infra/synth.js";
import { scratchDir } from "../helpers/scratch.js";

/** A prebuilt image, so tests do not depend on functions/runner/Dockerfile (options.test.ts covers the asset). */
export const TEST_RUNNER_IMAGE = "public.ecr.aws/mcpflow/runner:test";

/** The app synthesized as `cdk synth` would, into a scratch directory removed after the test file. */
export function synthApp(
  context: Record<string, string>,
  options: Omit<BuildAppOptions, "context" | "outdir"> = {},
): McpflowApp {
  return synthInfra(context, { ...options, outdir: scratchDir("mcpflow-cdk-") });
}

export interface NagFinding {
  readonly rule: string;
  readonly paths: readonly string[];
}

/** Findings cdk-nag still reports, after acknowledgements. */
export function unacknowledgedFindings(scope: IConstruct): NagFinding[] {
  return new AwsSolutionsChecks().validateScope(scope).violations.map((v) => ({
    rule: `${v.ruleName} (${v.severity})`,
    paths: v.violatingResources.map((r) => r.constructPath ?? ""),
  }));
}

/** Every finding cdk-nag would report with no acknowledgement at all. */
export function rawFindings(scope: IConstruct): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  // cdk-nag's isAcknowledged is private; shadowing it on the instance turns acknowledgements off for this run.
  Object.defineProperty(pack, "isAcknowledged", { value: () => false });
  return pack.validateScope(scope).violations.map((v) => ({
    rule: v.ruleName,
    paths: v.violatingResources.map((r) => r.constructPath ?? ""),
  }));
}

export interface RecordedAcknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** The acknowledgements recorded with Validations.of(...).acknowledge(), read back from construct metadata. */
export function acknowledgements(scope: IConstruct): RecordedAcknowledgement[] {
  const recorded: RecordedAcknowledgement[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        recorded.push({ path: construct.node.path, id: key.replace(/^annotation::/i, ""), reason });
      }
    }
  }
  return recorded;
}

/** Whether a construct path is `ancestor` or below it: an acknowledgement covers its whole subtree. */
export function isUnder(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
