// CDK assertions on a production-shaped stage: WAF on, NAT-free VPC with endpoints, deletion protection, and the
// runner image built from a Dockerfile as a CDK asset (synth stages the context; only deploy needs Docker).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { McpflowApp } from "../../infra/app.js";
import { scratchDir } from "../helpers/scratch.js";
import { synthApp, unacknowledgedFindings } from "./support.js";

let built: McpflowApp;
let data: Template;
let auth: Template;
let execution: Template;
let api: Template;

beforeAll(() => {
  // A scratch Docker context shaped like the repository, so this test does not wait for the real Dockerfile.
  const context = scratchDir("mcpflow-runner-");
  mkdirSync(join(context, "functions", "runner"), { recursive: true });
  writeFileSync(
    join(context, "functions", "runner", "Dockerfile"),
    "FROM public.ecr.aws/docker/library/node:22-slim\n",
  );
  writeFileSync(join(context, "package.json"), "{}\n");
  built = synthApp(
    {
      stage: "prod",
      waf: "true",
      natGateways: "0",
      vpcEndpoints: "true",
      logRetentionDays: "90",
      webOrigin: "https://mcpflow.example.com",
      registrySyncMinutes: "30",
    },
    { runnerContextDir: context },
  );
  data = Template.fromStack(built.data);
  auth = Template.fromStack(built.auth);
  execution = Template.fromStack(built.execution);
  api = Template.fromStack(built.api);
}, 300_000);

describe("production stage options", () => {
  it("syncs the registry sources on a schedule: an EventBridge rule invokes the registry sync function with its input", () => {
    const registryFunction = Object.entries(api.findResources("AWS::Lambda::Function")).find(([, r]) =>
      JSON.stringify(r).includes("mcpflow-registry-sync"),
    )![0];
    api.resourceCountIs("AWS::Events::Rule", 1);
    api.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(30 minutes)",
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [registryFunction, "Arn"] },
          Input: JSON.stringify({ mcpflow: "registry-sync" }),
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    api.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [registryFunction, "Arn"] },
    });
  });

  it("turns on deletion protection and retains the table, bucket and user pool", () => {
    data.hasResource("AWS::DynamoDB::Table", {
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      DeletionPolicy: "Retain",
    });
    data.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Retain" });
    auth.hasResource("AWS::Cognito::UserPool", {
      Properties: Match.objectLike({ DeletionProtection: "ACTIVE" }),
      DeletionPolicy: "Retain",
    });
    expect(built.data.terminationProtection).toBe(true);
  });

  it("attaches a regional web ACL with AWS managed rule groups to the API stage", () => {
    api.hasResourceProperties("AWS::WAFv2::WebACL", {
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              VendorName: "AWS",
              Name: "AWSManagedRulesCommonRuleSet",
            }),
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({ Name: "AWSManagedRulesKnownBadInputsRuleSet" }),
          },
        }),
        Match.objectLike({ Name: "RateLimitPerIp", Action: { Block: {} } }),
      ]),
    });
    api.resourceCountIs("AWS::WAFv2::WebACLAssociation", 1);
  });

  it("runs tasks in isolated subnets with endpoints reachable only from the task security group", () => {
    execution.resourceCountIs("AWS::EC2::NatGateway", 0);
    // S3 and DynamoDB gateways + ECR API, ECR Docker, Logs, Secrets Manager, Step Functions interface endpoints.
    execution.resourceCountIs("AWS::EC2::VPCEndpoint", 7);
    execution.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("^TaskSecurityGroup"), "GroupId"] },
    });
  });

  it("builds the runner image from functions/runner/Dockerfile as a Docker asset", () => {
    const image = JSON.stringify(execution.findOutputs("RunnerImage"));
    expect(image).toContain("cdk-hnb659fds-container-assets-");
    const manifest = JSON.parse(
      readFileSync(join(built.app.outdir, `${built.execution.artifactId}.assets.json`), "utf8"),
    ) as { dockerImages: Record<string, { source: { dockerFile: string; platform: string } }> };
    expect(Object.values(manifest.dockerImages).map((i) => i.source)).toEqual([
      expect.objectContaining({ dockerFile: "functions/runner/Dockerfile", platform: "linux/amd64" }),
    ]);
  });

  it("uses the configured log retention", () => {
    for (const template of [api, execution]) {
      for (const group of Object.values(template.findResources("AWS::Logs::LogGroup"))) {
        expect((group as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays).toBe(90);
      }
    }
  });

  it("reports no unacknowledged cdk-nag finding with WAF on", () => {
    expect(unacknowledgedFindings(built.app)).toEqual([]);
  });
});
