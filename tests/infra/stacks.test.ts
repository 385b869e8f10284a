// CDK assertions on the default (dev) stage: data, auth, execution and API stacks, IAM least privilege, logging,
// and cdk-nag. The app, including esbuild bundling of every real Lambda entry, is synthesized once.
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { McpflowApp } from "../../infra/app.js";
import { API_AREAS } from "../../infra/paths.js";
import {
  acknowledgements,
  isUnder,
  rawFindings,
  synthApp,
  TEST_RUNNER_IMAGE,
  unacknowledgedFindings,
} from "./support.js";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const LAMBDA_ENV = [
  "MCPFLOW_MODE",
  "MCPFLOW_TABLE",
  "MCPFLOW_BUCKET",
  "MCPFLOW_STAGE",
  "MCPFLOW_USER_POOL_ID",
  "MCPFLOW_USER_POOL_CLIENT_IDS",
  "MCPFLOW_SECRETS_PREFIX",
  "MCPFLOW_ACCOUNT_ID",
  "MCPFLOW_STATE_MACHINE_ROLE_ARN",
  "MCPFLOW_CLUSTER_ARN",
  "MCPFLOW_SUBNETS",
  "MCPFLOW_SECURITY_GROUPS",
  "MCPFLOW_RUNNER_IMAGE",
  "MCPFLOW_TASK_ROLE_ARN",
  "MCPFLOW_EXECUTION_ROLE_ARN",
  "MCPFLOW_LOG_GROUP",
  "MCPFLOW_REMOTE_INVOKER_ARN",
  "MCPFLOW_WEB_ORIGIN",
  "POWERTOOLS_SERVICE_NAME",
];

/** Actions AWS does not let IAM scope to a resource; the only ones allowed on Resource "*". */
const UNSCOPABLE_ACTIONS = new Set([
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "states:SendTaskSuccess",
  "states:SendTaskFailure",
  "states:SendTaskHeartbeat",
  "secretsmanager:ListSecrets",
  "ecr:GetAuthorizationToken",
  "ecs:RegisterTaskDefinition",
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  // Confined to the stage's cluster by the ecs:cluster condition instead (run-status, decision 0008).
  "ecs:ListTasks",
  // Lambda manages a VPC function's network interfaces with its role (AWSLambdaVPCAccessExecutionRole's actions).
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
]);

let built: McpflowApp;
let data: Template;
let auth: Template;
let execution: Template;
let api: Template;

beforeAll(() => {
  built = synthApp({
    stage: "test",
    runnerImage: TEST_RUNNER_IMAGE,
    webOrigin: "https://mcpflow.example.com",
  });
  data = Template.fromStack(built.data);
  auth = Template.fromStack(built.auth);
  execution = Template.fromStack(built.execution);
  api = Template.fromStack(built.api);
  // Synth bundles nine Lambda entries with esbuild and runs cdk-nag; allow for a loaded machine.
}, 300_000);

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function statements(template: Template): { policy: string; statement: Statement }[] {
  const policies = template.findResources("AWS::IAM::Policy") as Resources;
  return Object.entries(policies).flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((statement) => ({
      policy,
      statement,
    })),
  );
}

/** Statements of the inline policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy") as Resources;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (list: Statement[]) => list.flatMap((s) => asArray(s.Action));

describe("data stack", () => {
  it("has one on-demand table with pk/sk, gsi1, TTL, point-in-time recovery and encryption", () => {
    data.resourceCountIs("AWS::DynamoDB::Table", 1);
    data.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "mcpflow-test",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
        }),
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
      DeletionProtectionEnabled: false,
    });
  });

  it("blocks public access, encrypts and logs the payload bucket, with lifecycle rules", () => {
    data.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: {
        "Fn::Join": ["", ["mcpflow-test-payloads-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }]],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: "abort-incomplete-uploads",
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
          Match.objectLike({ Id: "expire-large-payloads", Prefix: "payloads/", ExpirationInDays: 90 }),
        ]),
      },
    });
  });

  it("denies non-TLS requests on every bucket", () => {
    const buckets = Object.keys(data.findResources("AWS::S3::Bucket"));
    expect(buckets).toHaveLength(2);
    for (const bucket of buckets) {
      data.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: bucket },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "s3:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    }
  });
});

describe("auth stack", () => {
  it("has a Plus-tier user pool with threat protection, optional TOTP MFA and a strong password policy", () => {
    auth.hasResourceProperties("AWS::Cognito::UserPool", {
      UserPoolTier: "PLUS",
      UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
      MfaConfiguration: "OPTIONAL",
      EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it("has the four role groups", () => {
    const groups = Object.values(auth.findResources("AWS::Cognito::UserPoolGroup") as Resources).map(
      (g) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(["admin", "editor", "operator", "viewer"]);
  });

  it("has a resource server with the read, write, run and admin scopes", () => {
    auth.hasResourceProperties("AWS::Cognito::UserPoolResourceServer", {
      Identifier: "mcpflow",
      Scopes: ["read", "write", "run", "admin"].map((name) => Match.objectLike({ ScopeName: name })),
    });
  });

  it("has a public PKCE web client: authorization code, no secret, callback on the web origin (web.test.ts: and the console's)", () => {
    auth.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ClientName: "mcpflow-test-web",
      GenerateSecret: false,
      AllowedOAuthFlows: ["code"],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: Match.arrayWith(["https://mcpflow.example.com/auth/callback"]),
      AllowedOAuthScopes: Match.arrayWith(["openid"]),
    });
  });

  it("has a public PKCE client for the CLI: authorization code, no secret, callback on the loopback port", () => {
    auth.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ClientName: "mcpflow-test-cli",
      GenerateSecret: false,
      AllowedOAuthFlows: ["code"],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: ["http://localhost:8765/callback"],
      AllowedOAuthScopes: Match.arrayWith(["openid"]),
    });
    auth.hasOutput("CliClientId", {});
  });

  it("has a confidential machine client with client credentials and the API scopes only", () => {
    const scope = (name: string) => ({
      "Fn::Join": ["", [{ Ref: Match.stringLikeRegexp("^ResourceServer") }, `/${name}`]],
    });
    auth.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ClientName: "mcpflow-test-machine",
      GenerateSecret: true,
      AllowedOAuthFlows: ["client_credentials"],
      AllowedOAuthScopes: ["read", "write", "run", "admin"].map(scope),
    });
    auth.resourceCountIs("AWS::Cognito::UserPoolDomain", 1);
  });
});

describe("API functions", () => {
  const apiFunctions = () =>
    Object.values(api.findResources("AWS::Lambda::Function") as Resources).filter((f) =>
      String(f.Properties.Description).startsWith("mcpflow API"),
    );

  it("has one function per API area", () => {
    expect(apiFunctions()).toHaveLength(API_AREAS.length);
    const services = apiFunctions().map(
      (f) =>
        (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables
          .POWERTOOLS_SERVICE_NAME,
    );
    expect(services.sort()).toEqual(API_AREAS.map((a) => `mcpflow-${a}`).sort());
  });

  it("runs every function on the newest Node runtime (NodejsFunction, esbuild), JSON logs, tracing", () => {
    for (const fn of apiFunctions()) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Handler: "index.handler",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        LoggingConfig: { LogFormat: "JSON" },
        Timeout: 28,
      });
    }
  });

  it("gives every function the full mcpflow environment", () => {
    for (const fn of apiFunctions()) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(LAMBDA_ENV));
      expect(variables).toMatchObject({
        MCPFLOW_MODE: "aws",
        MCPFLOW_STAGE: "test",
        MCPFLOW_SECRETS_PREFIX: "mcpflow/test/",
        MCPFLOW_RUNNER_IMAGE: TEST_RUNNER_IMAGE,
      });
      // The console's CloudFront address and the web origin, comma-separated (web.test.ts).
      expect(JSON.stringify(variables.MCPFLOW_WEB_ORIGIN)).toContain(",https://mcpflow.example.com");
      // Web, machine and CLI client ids, comma-separated.
      const clientIds = JSON.stringify(variables.MCPFLOW_USER_POOL_CLIENT_IDS);
      expect(clientIds).toMatch(/WebClient.*\},",",\{.*MachineClient.*\},",",\{.*CliClient/);
    }
  });

  it("gives the execution-side functions the data and stage environment", () => {
    const fns = Object.values(execution.findResources("AWS::Lambda::Function") as Resources);
    expect(fns).toHaveLength(2);
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining([
          "MCPFLOW_MODE",
          "MCPFLOW_STAGE",
          "MCPFLOW_TABLE",
          "MCPFLOW_BUCKET",
          "MCPFLOW_SECRETS_PREFIX",
        ]),
      );
      expect(variables.MCPFLOW_STAGE).toBe("test");
    }
  });
});

describe("REST API", () => {
  it("schedules no registry sync unless registrySyncMinutes is set (options.test.ts sets it)", () => {
    api.resourceCountIs("AWS::Events::Rule", 0);
  });

  it("routes /v1/<area> and /v1/<area>/{proxy+} with AuthorizationType NONE (auth happens in the Lambda)", () => {
    const paths = Object.values(api.findResources("AWS::ApiGateway::Resource") as Resources).map(
      (r) => r.Properties.PathPart,
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        "v1",
        "servers",
        "runtime-policy",
        "registry-sources",
        "workflows",
        "runs",
        "mcds",
        "search",
        "dependencies",
        "me",
        "api-keys",
        "audit",
        "sign-in",
      ]),
    );
    expect(paths).toEqual(expect.arrayContaining(["health", "openapi.json", "{proxy+}"]));
    const methods = Object.values(api.findResources("AWS::ApiGateway::Method") as Resources);
    const any = methods.filter((m) => m.Properties.HttpMethod === "ANY");
    expect(any.length).toBe(24);
    for (const method of any) {
      expect(method.Properties).toMatchObject({
        AuthorizationType: "NONE",
        Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST" },
      });
    }
  });

  it("answers CORS preflights under /v1 for the web origin, and lets gateway errors be read from any origin", () => {
    // With two origins (the console's CloudFront address first, web.test.ts), API Gateway answers the first and a
    // template answers the other when it is the request's.
    api.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "OPTIONS",
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            ResponseTemplates: {
              "application/json": Match.stringLikeRegexp('\\$origin == "https://mcpflow\\.example\\.com"'),
            },
          }),
        ],
      }),
    });
    for (const type of ["DEFAULT_4XX", "DEFAULT_5XX"]) {
      api.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: type,
        ResponseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" },
      });
    }
  });

  it("routes GET /v0.1/servers and everything under it to the registry function, with the official CORS", () => {
    const resources = api.findResources("AWS::ApiGateway::Resource") as Resources;
    const idOf = (part: string, parent?: string) =>
      Object.entries(resources).find(
        ([, r]) =>
          r.Properties.PathPart === part &&
          (parent === undefined || (r.Properties.ParentId as { Ref?: string }).Ref === parent),
      )?.[0];
    const v01 = idOf("v0.1");
    const servers = idOf("servers", v01);
    const proxy = idOf("{proxy+}", servers);
    expect([v01, servers, proxy].every(Boolean), JSON.stringify({ v01, servers, proxy })).toBe(true);

    const methods = Object.values(api.findResources("AWS::ApiGateway::Method") as Resources);
    const on = (resource: string) =>
      methods.filter((m) => (m.Properties.ResourceId as { Ref?: string }).Ref === resource);
    const registryFunction = Object.keys(
      api.findResources("AWS::Lambda::Function", {
        Properties: { Description: Match.stringLikeRegexp("registry") },
      }),
    )[0]!;
    for (const resource of [servers!, proxy!]) {
      expect(
        on(resource)
          .map((m) => m.Properties.HttpMethod)
          .sort(),
      ).toEqual(["GET", "OPTIONS"]);
      const get = on(resource).find((m) => m.Properties.HttpMethod === "GET")!;
      expect(get.Properties).toMatchObject({ AuthorizationType: "NONE", Integration: { Type: "AWS_PROXY" } });
      expect(JSON.stringify(get.Properties.Integration)).toContain(registryFunction);
      const options = on(resource).find((m) => m.Properties.HttpMethod === "OPTIONS")!;
      expect(options.Properties).toMatchObject({
        Integration: {
          Type: "MOCK",
          IntegrationResponses: [
            {
              ResponseParameters: {
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Access-Control-Allow-Methods": "'GET, OPTIONS'",
                "method.response.header.Access-Control-Allow-Headers": "'Authorization, Content-Type'",
              },
            },
          ],
        },
      });
    }
    // Anonymous reads are off unless the deployment turns them on (context registryPublicRead=true).
    api.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("registry"),
      Environment: { Variables: Match.objectLike({ MCPFLOW_REGISTRY_PUBLIC_READ: "false" }) },
    });
  });

  it("writes JSON access logs, traces, throttles and never logs bodies", () => {
    const stages = Object.values(api.findResources("AWS::ApiGateway::Stage") as Resources);
    expect(stages).toHaveLength(1);
    const stage = stages[0]!.Properties as {
      AccessLogSetting: { DestinationArn: unknown; Format: string };
      MethodSettings: Record<string, unknown>[];
      TracingEnabled: boolean;
      StageName: string;
    };
    expect(stage.StageName).toBe("test");
    expect(stage.AccessLogSetting.DestinationArn).toBeDefined();
    const format = JSON.parse(stage.AccessLogSetting.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: "$context.requestId", status: "$context.status" });
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        DataTraceEnabled: false,
        LoggingLevel: "ERROR",
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      }),
    ]);
  });

  it("has no web ACL unless waf=true", () => {
    api.resourceCountIs("AWS::WAFv2::WebACL", 0);
  });
});

describe("IAM least privilege", () => {
  const all = () => [api, execution, data, auth].flatMap(statements);

  it("never allows Action '*' or a service-wide 'service:*'", () => {
    for (const { policy, statement } of all()) {
      for (const action of asArray(statement.Action)) {
        expect(action, policy).not.toBe("*");
        expect(action, policy).not.toMatch(/:\*$/);
      }
    }
  });

  it("allows Resource '*' only for actions that have no resource-level permissions", () => {
    for (const { policy, statement } of all()) {
      if (!asArray(statement.Resource).includes("*")) continue;
      for (const action of asArray(statement.Action)) {
        expect(UNSCOPABLE_ACTIONS.has(action), `${policy}: ${action} on *`).toBe(true);
      }
    }
  });

  it("scopes the state machine role's ecs:RunTask to mcpflow task definitions on the stage cluster", () => {
    const runTask = roleStatements(execution, "StateMachineRole").find((s) =>
      actionsOf([s]).includes("ecs:RunTask"),
    );
    expect(runTask).toBeDefined();
    expect(JSON.stringify(runTask!.Resource)).toContain(":task-definition/mcpflow-test-*");
    expect(runTask!.Condition?.ArnEquals?.["ecs:cluster"]).toBeDefined();
    const passRole = roleStatements(execution, "StateMachineRole").find((s) =>
      actionsOf([s]).includes("iam:PassRole"),
    );
    expect(passRole!.Condition).toEqual({
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
    expect(asArray(passRole!.Resource)).toHaveLength(2);
  });

  it("lets the state machine role invoke only the remote-MCP invoker", () => {
    const invoke = roleStatements(execution, "StateMachineRole").find((s) =>
      actionsOf([s]).includes("lambda:InvokeFunction"),
    );
    expect(invoke!.Resource).toEqual({
      "Fn::GetAtt": [expect.stringMatching(/^RemoteMcpInvokerFunction/), "Arn"],
    });
  });

  it("gives only the registry API Secrets Manager access, and no function a secret-writing path it does not use", () => {
    // The page cursors' key (grants.test.ts) is read by every function that lists; apart from it:
    const cursorKey = Object.keys(api.findResources("AWS::SecretsManager::Secret"))[0];
    const apartFromCursorKey = (role: string) =>
      actionsOf(
        roleStatements(api, role).filter(
          (s) => !asArray(s.Resource).every((r) => (r as { Ref?: string }).Ref === cursorKey),
        ),
      );
    const registry = apartFromCursorKey("RegistryApiRole");
    expect(registry).toContain("secretsmanager:CreateSecret");
    expect(registry).toContain("secretsmanager:PutSecretValue");
    // Write-only: no route returns a value, and probes read them in the remote-MCP invoker, not here.
    expect(registry).not.toContain("secretsmanager:GetSecretValue");
    expect(registry).toContain("lambda:InvokeFunction");
    for (const area of ["Workflows", "Runs", "Mcds", "Search", "Identity", "Meta"]) {
      expect(
        apartFromCursorKey(`${area}ApiRole`).some((a) => a.startsWith("secretsmanager:")),
        area,
      ).toBe(false);
    }
  });

  it("gives search read-only table access and meta only DescribeTable", () => {
    const search = actionsOf(roleStatements(api, "SearchApiRole"));
    expect(search).toContain("dynamodb:Query");
    expect(search).not.toContain("dynamodb:Scan");
    expect(search.filter((a) => a.startsWith("dynamodb:") && /Put|Update|Delete|Write/.test(a))).toEqual([]);
    const meta = actionsOf(roleStatements(api, "MetaApiRole"));
    expect(meta.filter((a) => !a.startsWith("logs:") && !a.startsWith("xray:"))).toEqual([
      "dynamodb:DescribeTable",
    ]);
  });

  it("names the GSI instead of index/* on table grants", () => {
    for (const { statement } of all()) {
      const actions = actionsOf([statement]);
      if (!actions.some((a) => a.startsWith("dynamodb:"))) continue;
      expect(JSON.stringify(statement.Resource)).not.toContain("index/*");
      // Grants with Query on the GSI name it; the step executors and the health check have no index access.
      if (asArray(statement.Resource).length > 1)
        expect(JSON.stringify(statement.Resource)).toContain("/index/gsi1");
    }
  });

  it("passes the state machine role only to states (workflows) and the runner roles only to ECS (registry)", () => {
    const passRoles = (role: string) =>
      roleStatements(api, role)
        .filter((s) => actionsOf([s]).includes("iam:PassRole"))
        .map((s) => s.Condition?.StringEquals?.["iam:PassedToService"]);
    expect(passRoles("WorkflowsApiRole")).toEqual(["states.amazonaws.com"]);
    expect(passRoles("RegistryApiRole")).toEqual(["ecs-tasks.amazonaws.com"]);
    for (const area of ["Runs", "Mcds", "Search", "Identity", "Meta"])
      expect(passRoles(`${area}ApiRole`)).toEqual([]);
  });

  it("uses no AWS managed policy except the API Gateway account role's", () => {
    for (const template of [api, execution, data, auth]) {
      for (const [id, role] of Object.entries(template.findResources("AWS::IAM::Role") as Resources)) {
        const managed = (role.Properties.ManagedPolicyArns as unknown[] | undefined) ?? [];
        if (id.startsWith("ApiCloudWatchRole"))
          expect(JSON.stringify(managed)).toContain("AmazonAPIGatewayPushToCloudWatchLogs");
        else expect(managed, id).toEqual([]);
      }
    }
  });
});

describe("execution stack", () => {
  it("has an ECS cluster with Container Insights", () => {
    execution.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterName: "mcpflow-test",
      ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }],
    });
  });

  it("routes Step Functions status changes of mcpflow-test-* state machines to the run-status Lambda", () => {
    execution.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { stateMachineArn: [{ prefix: Match.anyValue() }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^RunStatusFunction"), "Arn"] },
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
        }),
      ],
    });
    const rule = Object.values(execution.findResources("AWS::Events::Rule") as Resources)[0]!;
    expect(JSON.stringify(rule.Properties.EventPattern)).toContain(":stateMachine:mcpflow-test-");
  });

  it("puts the step executor in the VPC and admits the host port on the server tasks from its security group only", () => {
    const invoker = Object.values(execution.findResources("AWS::Lambda::Function") as Resources).find((f) =>
      JSON.stringify(f.Properties.Environment).includes("mcpflow-remote-mcp"),
    )!;
    expect(JSON.stringify(invoker.Properties.VpcConfig)).toMatch(/ExecutorSecurityGroup/);
    const ingress = Object.values(
      execution.findResources("AWS::EC2::SecurityGroupIngress") as Resources,
    ).filter((r) => JSON.stringify(r.Properties.GroupId).includes("TaskSecurityGroup"));
    expect(ingress.map((r) => [r.Properties.FromPort, r.Properties.ToPort])).toEqual([[7777, 7777]]);
    expect(JSON.stringify(ingress[0]!.Properties.SourceSecurityGroupId)).toMatch(/ExecutorSecurityGroup/);
    // No CIDR ingress on the task group at all.
    const taskGroup = Object.entries(execution.findResources("AWS::EC2::SecurityGroup") as Resources).find(
      ([id]) => id.startsWith("TaskSecurityGroup"),
    )![1];
    expect(taskGroup.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it("gives run-status the cluster and lets it stop only this cluster's tasks", () => {
    const statements = roleStatements(execution, "RunStatusRole").filter((s) =>
      actionsOf([s]).some((a) => a.startsWith("ecs:")),
    );
    expect(statements.flatMap((s) => actionsOf([s])).sort()).toEqual([
      "ecs:DescribeTasks",
      "ecs:ListTasks",
      "ecs:StopTask",
    ]);
    for (const statement of statements) expect(statement.Condition?.ArnEquals?.["ecs:cluster"]).toBeDefined();
    const runStatus = Object.values(execution.findResources("AWS::Lambda::Function") as Resources).find((f) =>
      JSON.stringify(f.Properties.Environment).includes("mcpflow-run-status"),
    )!;
    expect(JSON.stringify(runStatus.Properties.Environment)).toContain("MCPFLOW_CLUSTER_ARN");
  });

  it("trusts ecs-tasks only from this account for the runner roles", () => {
    for (const prefix of ["RunnerTaskRole", "RunnerExecutionRole"]) {
      execution.hasResourceProperties("AWS::IAM::Role", {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: "ecs-tasks.amazonaws.com" },
              Condition: Match.objectLike({ StringEquals: { "aws:SourceAccount": Match.anyValue() } }),
            }),
          ],
        },
        Description: Match.stringLikeRegexp(
          prefix === "RunnerTaskRole" ? "^mcpflow runner task:" : "execution",
        ),
      });
    }
  });

  it("creates a VPC with one NAT gateway, flow logs, and no endpoints by default", () => {
    execution.resourceCountIs("AWS::EC2::NatGateway", 1);
    execution.resourceCountIs("AWS::EC2::FlowLog", 1);
    execution.resourceCountIs("AWS::EC2::VPCEndpoint", 0);
  });
});

describe("logging", () => {
  it("sets a retention on every log group", () => {
    for (const template of [api, execution]) {
      for (const [id, group] of Object.entries(template.findResources("AWS::Logs::LogGroup") as Resources)) {
        expect(group.Properties.RetentionInDays, id).toBe(30);
      }
    }
  });

  it("sends every Lambda's logs to its own log group", () => {
    for (const template of [api, execution]) {
      for (const fn of Object.values(template.findResources("AWS::Lambda::Function") as Resources)) {
        expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
      }
    }
  });
});

describe("outputs", () => {
  it("exports the API URL, user pool, client ids and console links", () => {
    api.hasOutput("ApiUrl", {});
    auth.hasOutput("UserPoolId", {});
    auth.hasOutput("WebClientId", {});
    auth.hasOutput("MachineClientId", {});
    execution.hasOutput("StateMachinesConsoleUrl", {});
    execution.hasOutput("ClusterConsoleUrl", {});
    data.hasOutput("TableConsoleUrl", {});
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("reports no unacknowledged error or warning", () => {
    expect(unacknowledgedFindings(built.app)).toEqual([]);
  });

  it("has no stale acknowledgement: each one matches a finding on or below its construct", () => {
    const raw = rawFindings(built.app);
    const nagAcks = acknowledgements(built.app).filter((a) => a.id.startsWith("AwsSolutions-"));
    expect(nagAcks.length).toBeGreaterThan(0);
    for (const ack of nagAcks) {
      const matched = raw.some((f) => f.rule === ack.id && f.paths.some((p) => isUnder(p, ack.path)));
      expect(matched, `${ack.path} ${ack.id}`).toBe(true);
    }
  });

  it("gives every acknowledgement a specific reason", () => {
    for (const ack of acknowledgements(built.app)) {
      if (!ack.id.startsWith("AwsSolutions-")) continue;
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(60);
    }
  });
});
