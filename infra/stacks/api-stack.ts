// API stack: one REST API, `/v1/<route>` and `/v1/<route>/{proxy+}` per area, each a Lambda proxy integration
// to that area's function. Authentication (Cognito JWT or hashed API key) happens inside the Lambda.
import { CfnOutput, Duration, RemovalPolicy, Size, Stack, type StackProps } from "aws-cdk-lib";
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import type { IUserPool, IUserPoolClient } from "aws-cdk-lib/aws-cognito";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import type { Construct } from "constructs";
import { ALL_ROUTES } from "../../shared/api/all-routes.js";
import { areaForPath } from "../../shared/api/areas.js";
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, OFFICIAL_REGISTRY_CORS } from "../../shared/http/cors.js";
import { takesPageCursor } from "../../shared/http/page-cursors.js";
import { SCHEDULED_SYNC_EVENT } from "../../shared/registry/sync-schedule-event.js";
import {
  arnFinding,
  bucketObjectsAcknowledgement,
  stateMachinesAcknowledgement,
} from "../acknowledgements.js";
import type { McpflowConfig } from "../config.js";
import { allow, McpflowFunction } from "../constructs/mcpflow-function.js";
import { acknowledge } from "../nag.js";
import { type StageNames, stageNames } from "../naming.js";
import type { ApiArea } from "../paths.js";
import {
  bucketObjects,
  executionsArn,
  LOG_DELIVERY_ACTIONS,
  secretsArn,
  stateMachinesArn,
  tableAccess,
  taskDefinitionsArn,
} from "../policies.js";
import type { ExecutionStack } from "./execution-stack.js";

/** Top-level `/v1` path segments served by each area's function. */
export const API_ROUTES: Readonly<Record<ApiArea, readonly string[]>> = {
  registry: ["servers", "runtime-policy"],
  "registry-sync": ["registry-sources"],
  workflows: ["workflows"],
  runs: ["runs"],
  mcds: ["mcds"],
  search: ["search", "dependencies"],
  identity: ["me", "api-keys", "audit", "sign-in"],
  meta: ["health", "openapi.json"],
};

/** The areas with a route that pages (takes a `cursor`): the only functions that sign and check page cursors. */
export const PAGING_AREAS: readonly ApiArea[] = [
  ...new Set(
    ALL_ROUTES.flatMap((table) =>
      Object.values(table)
        .filter(takesPageCursor)
        .map((spec) => areaForPath(spec.path)),
    ).filter((area): area is ApiArea => area !== undefined),
  ),
].sort();

/** Routes that are single documents and never have sub-paths. */
const LEAF_ROUTES = new Set(["health", "openapi.json", "runtime-policy", "sign-in"]);

export interface ApiStackProps extends StackProps {
  readonly config: McpflowConfig;
  readonly table: ITable;
  readonly userPool: IUserPool;
  readonly clients: readonly IUserPoolClient[];
  readonly execution: ExecutionStack;
  /** The console's CloudFront address (the web stack's), a CORS origin besides `config.webOrigin`. */
  readonly consoleUrl: string;
}

export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly functions: Readonly<Record<ApiArea, McpflowFunction>>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, execution } = props;
    const names = stageNames(config.stage);

    const environment: Record<string, string> = {
      ...execution.lambdaEnvironment,
      MCPFLOW_USER_POOL_ID: props.userPool.userPoolId,
      MCPFLOW_USER_POOL_CLIENT_IDS: props.clients.map((c) => c.userPoolClientId).join(","),
      MCPFLOW_WEB_ORIGIN: [props.consoleUrl, config.webOrigin].join(","),
    };

    const make = (area: ApiArea, description: string) =>
      new McpflowFunction(this, `${pascal(area)}Api`, {
        entry: `functions/api/${area}.ts`,
        description,
        serviceName: `mcpflow-${area}`,
        environment,
        logRetention: config.logRetention,
        // API Gateway cuts REST integrations at 29 s; stop first so the handler's error response gets through.
        timeout: Duration.seconds(28),
        memorySize: 1024,
      });

    const functions: Record<ApiArea, McpflowFunction> = {
      registry: make("registry", "mcpflow API: MCP server registry (/v1/servers)"),
      "registry-sync": make(
        "registry-sync",
        "mcpflow API: registry sync from upstream registries (/v1/registry-sources, the sync schedule)",
      ),
      workflows: make("workflows", "mcpflow API: workflows, compiled to Step Functions (/v1/workflows)"),
      runs: make("runs", "mcpflow API: workflow runs (/v1/runs)"),
      mcds: make("mcds", "mcpflow API: Model Context Documents (/v1/mcds)"),
      search: make("search", "mcpflow API: search and the dependency map (/v1/search, /v1/dependencies)"),
      identity: make("identity", "mcpflow API: caller, API keys, audit (/v1/me, /v1/api-keys, /v1/audit)"),
      meta: make("meta", "mcpflow API: health and OpenAPI document"),
    };
    this.functions = functions;
    this.grantAreas(functions, names, props);
    this.cursorKey(functions, names);

    this.api = this.restApi(config, names, props.consoleUrl);
    const v1 = this.api.root.addResource("v1");
    for (const [area, routes] of Object.entries(API_ROUTES) as [ApiArea, readonly string[]][]) {
      const integration = new LambdaIntegration(functions[area].function, {
        proxy: true,
        allowTestInvoke: false,
      });
      for (const route of routes) {
        const resource = v1.addResource(route);
        resource.addMethod("ANY", integration, { authorizationType: AuthorizationType.NONE });
        if (!LEAF_ROUTES.has(route)) {
          // Server names contain "/" and arrive %2F-encoded; {proxy+} takes the rest of the path either way.
          resource.addProxy({ defaultIntegration: integration, anyMethod: true });
        }
      }
    }
    // The MCP registry read API (/v0.1/servers, shared/api/official-registry.routes.ts) is the registry function's
    // too, with the official CORS: any origin, GET and OPTIONS, Authorization and Content-Type, preflights included.
    functions.registry.function.addEnvironment(
      "MCPFLOW_REGISTRY_PUBLIC_READ",
      String(config.registryPublicRead),
    );
    const registryApi = this.api.root.addResource("v0.1", {
      defaultCorsPreflightOptions: {
        allowOrigins: [OFFICIAL_REGISTRY_CORS["Access-Control-Allow-Origin"]],
        // One element each, so the headers read exactly as the handler's (`GET, OPTIONS`); CDK joins with ",".
        allowMethods: [OFFICIAL_REGISTRY_CORS["Access-Control-Allow-Methods"]],
        allowHeaders: [OFFICIAL_REGISTRY_CORS["Access-Control-Allow-Headers"]],
        maxAge: Duration.hours(1),
      },
    });
    const registryIntegration = new LambdaIntegration(functions.registry.function, {
      proxy: true,
      allowTestInvoke: false,
    });
    const servers = registryApi.addResource("servers");
    servers.addMethod("GET", registryIntegration, { authorizationType: AuthorizationType.NONE });
    servers
      .addProxy({ defaultIntegration: registryIntegration, anyMethod: false })
      .addMethod("GET", registryIntegration, { authorizationType: AuthorizationType.NONE });

    if (config.registrySyncMinutes > 0) {
      // Registry sync on a schedule (docs/registry-sync.md): the sync function tells this constant input from
      // an API Gateway event. No retry: the next tick goes on from the committed cursor anyway.
      new Rule(this, "RegistrySyncSchedule", {
        description: `mcpflow ${config.stage}: sync every registry source every ${config.registrySyncMinutes} minutes`,
        schedule: Schedule.rate(Duration.minutes(config.registrySyncMinutes)),
        targets: [
          new LambdaFunction(functions["registry-sync"].function, {
            event: RuleTargetInput.fromObject(SCHEDULED_SYNC_EVENT),
            retryAttempts: 0,
          }),
        ],
      });
    }

    acknowledge(
      this.api,
      "AwsSolutions-APIG4",
      "Methods are AuthorizationType.NONE on purpose: every area Lambda authenticates the caller itself, " +
        "verifying a Cognito JWT (aws-jwt-verify) or a hashed x-api-key, which one API Gateway authorizer cannot " +
        "both do. /v1/health, /v1/openapi.json and the CORS OPTIONS preflights are public by design.",
    );
    acknowledge(
      this.api,
      "AwsSolutions-COG4",
      "No Cognito user pool authorizer: the Lambda verifies Cognito JWTs itself so that API-key callers and the " +
        "local mode share one auth path; a Cognito authorizer would reject API-key callers.",
    );
    acknowledge(
      this.api,
      "AwsSolutions-APIG2",
      "Requests are validated in the Lambda by the area's zod schemas, the single source for types, validation " +
        "and the OpenAPI document; API Gateway models would be a second copy that drifts.",
    );

    if (config.waf) {
      this.webAcl(names);
    } else {
      acknowledge(
        this.api,
        "AwsSolutions-APIG3",
        "WAF is off for this stage (context waf=false, the default, saving the web ACL's monthly cost on " +
          "development stages); deploy with -c waf=true to attach AWS managed rule groups.",
      );
    }

    new CfnOutput(this, "ApiUrl", { value: `${this.api.url}v1/` });
  }

  private restApi(config: McpflowConfig, names: StageNames, consoleUrl: string): RestApi {
    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new RestApi(this, "Api", {
      restApiName: names.prefix,
      description: `mcpflow ${config.stage} HTTPS API`,
      endpointTypes: [EndpointType.REGIONAL],
      // Sets the regional API Gateway account's CloudWatch role (needed for execution logs); kept on delete
      // because it is shared by every REST API in the account and region.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      minCompressionSize: Size.kibibytes(1),
      deployOptions: {
        stageName: config.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies may carry secrets being written; never log them.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: config.throttleRateLimit,
        throttlingBurstLimit: config.throttleBurstLimit,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [consoleUrl, config.webOrigin],
        allowMethods: Cors.ALL_METHODS,
        allowHeaders: CORS_ALLOW_HEADERS,
        exposeHeaders: CORS_EXPOSE_HEADERS,
        maxAge: Duration.hours(1),
      },
    });
    // Errors API Gateway answers itself (throttling, unknown route) need CORS headers too, or the browser hides them.
    // Gateway responses are one set for the whole API, and the MCP registry read API (/v0.1) is read from any
    // origin, so they allow any: they carry no data and no credentials.
    const corsHeaders = { "Access-Control-Allow-Origin": "'*'" };
    api.addGatewayResponse("Default4xx", { type: ResponseType.DEFAULT_4XX, responseHeaders: corsHeaders });
    api.addGatewayResponse("Default5xx", { type: ResponseType.DEFAULT_5XX, responseHeaders: corsHeaders });

    acknowledge(
      api,
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
      "The API Gateway account role uses AmazonAPIGatewayPushToCloudWatchLogs, the AWS managed policy made for " +
        "exactly this account-wide setting; it is what lets the stage write execution logs.",
    );
    return api;
  }

  private webAcl(names: StageNames): void {
    const managed = (name: string, priority: number, excluded: string[] = []): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name,
          ...(excluded.length
            ? { ruleActionOverrides: excluded.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: name },
    });
    const acl = new CfnWebACL(this, "WebAcl", {
      name: names.prefix,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        sampledRequestsEnabled: true,
        cloudWatchMetricsEnabled: true,
        metricName: names.prefix,
      },
      rules: [
        managed("AWSManagedRulesAmazonIpReputationList", 0),
        // server.json imports and MCD bodies exceed the common rule set's 8 KB body limit; count, do not block.
        managed("AWSManagedRulesCommonRuleSet", 1, ["SizeRestrictions_BODY"]),
        managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
        {
          name: "RateLimitPerIp",
          priority: 3,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } },
          visibilityConfig: {
            sampledRequestsEnabled: true,
            cloudWatchMetricsEnabled: true,
            metricName: "RateLimitPerIp",
          },
        },
      ],
    });
    new CfnWebACLAssociation(this, "WebAclAssociation", {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
  }

  /**
   * The key that signs page cursors (shared/store/signed-cursor.ts): generated at deploy, read once per container by
   * the functions that list and by no other. Its name is outside the MCP server secrets' prefix, so neither the
   * registry (which writes those) nor a task or the invoker (which read them) can reach it.
   */
  private cursorKey(functions: Record<ApiArea, McpflowFunction>, names: StageNames): void {
    const secret = new Secret(this, "CursorKey", {
      secretName: `${names.prefix}-cursor-key`,
      description: `mcpflow ${names.prefix}: the HMAC-SHA-256 key that signs the API's page cursors`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      secret,
      "AwsSolutions-SMG4",
      "No rotation Lambda: the key only signs page cursors, which expire within days. It is rotated by putting a " +
        "new value (docs/operations.md); the functions then accept AWSPREVIOUS too, so no cursor breaks mid-walk.",
    );
    for (const area of PAGING_AREAS) {
      functions[area].function.addEnvironment("MCPFLOW_CURSOR_KEY_SECRET", secret.secretArn);
      functions[area].grant("CursorKey", [allow(["secretsmanager:GetSecretValue"], [secret.secretArn])]);
    }
  }

  /** Registering a published version's Fargate task definition (tagged at creation), as shared/tasks does. */
  private grantTaskDefinitions(fn: McpflowFunction, names: StageNames, execution: ExecutionStack): void {
    fn.grant(
      "TaskDefinitions",
      [
        allow(["ecs:RegisterTaskDefinition"], ["*"]),
        allow(["ecs:TagResource"], [taskDefinitionsArn(names)], {
          StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" },
        }),
        allow(["iam:PassRole"], [execution.taskRole.roleArn, execution.executionRole.roleArn], {
          StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
        }),
      ],
      {
        findings: ["Resource::*", arnFinding("ecs", `task-definition/${names.taskFamilyPrefix}*`)],
        reason:
          "ecs:RegisterTaskDefinition has no resource-level permissions (Resource::*); one task definition is " +
          `registered per published server version, family ${names.taskFamilyPrefix}<server>-<version>, so ` +
          `tagging at registration is limited to task definitions ${names.taskFamilyPrefix}*.`,
      },
    );
  }

  private grantAreas(
    functions: Record<ApiArea, McpflowFunction>,
    names: StageNames,
    props: ApiStackProps,
  ): void {
    const { table, execution } = props;
    const secrets = secretsArn(names);
    const stateMachines = stateMachinesArn(names);
    const executions = executionsArn(names);

    // Grants follow the SDK calls each area's code makes (tests/infra/grants.test.ts lists them per function).
    functions.registry.grant("Items", tableAccess(table, "readwrite"));
    functions.registry.grant(
      "Documents",
      bucketObjects(names, "readwrite", true),
      bucketObjectsAcknowledgement(names),
    );
    // The API never returns a secret value: PUT stores one, GET .../secrets lists names and dates only. It never
    // reads one either: a probe runs in the remote-MCP invoker (below), which resolves the server's secrets itself.
    functions.registry.grant(
      "ServerSecrets",
      [
        allow(
          [
            "secretsmanager:CreateSecret",
            "secretsmanager:TagResource",
            "secretsmanager:PutSecretValue",
            "secretsmanager:DescribeSecret",
            "secretsmanager:DeleteSecret",
          ],
          [secrets],
        ),
        allow(["secretsmanager:ListSecrets"], ["*"]),
      ],
      {
        findings: ["Resource::*", arnFinding("secretsmanager", `secret:${names.secretsPrefix}*`)],
        reason:
          "secretsmanager:ListSecrets has no resource-level permissions (Resource::*); the code filters it by the " +
          `name prefix ${names.secretsPrefix}<server>/ and returns names and dates only. MCP server secrets are ` +
          `created at run time, so only the prefix ${names.secretsPrefix}* is known at deploy time; this role ` +
          "creates, lists and deletes them, and never reads a value.",
      },
    );
    // Probing a remote server version is the invoker's job: it holds the MCP client and reads the server's secrets.
    functions.registry.grant("Probe", [
      allow(["lambda:InvokeFunction"], [execution.remoteInvoker.function.functionArn]),
    ]);
    // Publishing a version that runs in a container registers its Fargate task definition (tagged at creation).
    this.grantTaskDefinitions(functions.registry, names, execution);

    // The registry sync publishes what it imports with the same rules (task definitions included); no secrets, no
    // probe. Documents: the same follow-ups as a publish.
    functions["registry-sync"].grant("Items", tableAccess(table, "readwrite"));
    functions["registry-sync"].grant(
      "Documents",
      bucketObjects(names, "readwrite", true),
      bucketObjectsAcknowledgement(names),
    );
    this.grantTaskDefinitions(functions["registry-sync"], names, execution);

    functions.workflows.grant("Items", tableAccess(table, "readwrite"));
    functions.workflows.grant(
      "Documents",
      bucketObjects(names, "readwrite", true),
      bucketObjectsAcknowledgement(names),
    );
    // IAM authorizes version and alias ARNs (stateMachine:<name>:<version|alias>) against the state machine's own
    // ARN, and `*` also matches `:`, so stateMachine:<prefix>* covers the machines, their versions and aliases.
    functions.workflows.grant(
      "StateMachines",
      [
        allow(
          [
            "states:DescribeStateMachine",
            "states:CreateStateMachine",
            "states:UpdateStateMachine",
            // `publish: true` on Create/UpdateStateMachine needs this permission too.
            "states:PublishStateMachineVersion",
            "states:TagResource",
            "states:CreateStateMachineAlias",
            "states:UpdateStateMachineAlias",
            "states:StartExecution",
          ],
          [stateMachines],
        ),
        allow(["iam:PassRole"], [execution.stateMachineRole.roleArn], {
          StringEquals: { "iam:PassedToService": "states.amazonaws.com" },
        }),
      ],
      stateMachinesAcknowledgement(
        names,
        "creates and updates the state machine of each workflow, publishes versions, points the live alias " +
          "and starts runs on a version or the alias",
        { stateMachines: true },
      ),
    );
    // CreateStateMachine/UpdateStateMachine with a logging configuration set up CloudWatch Logs vended delivery.
    functions.workflows.grant("StateMachineLogging", [allow(LOG_DELIVERY_ACTIONS, ["*"])], {
      findings: ["Resource::*"],
      reason:
        "Creating or updating a state machine with a CloudWatch Logs logging configuration uses vended log " +
        "delivery (logs:*LogDelivery, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups); none " +
        "of these actions supports resource-level permissions.",
    });

    functions.runs.grant("Items", tableAccess(table, "readwrite"));
    functions.runs.grant(
      "Artifacts",
      bucketObjects(names, "readwrite", true),
      bucketObjectsAcknowledgement(names),
    );
    functions.runs.grant(
      "Executions",
      [allow(["states:StopExecution", "states:GetExecutionHistory"], [executions])],
      stateMachinesAcknowledgement(names, "cancels runs and reads their execution history", {
        executions: true,
      }),
    );

    functions.mcds.grant("Items", tableAccess(table, "readwrite"));
    functions.mcds.grant(
      "Documents",
      bucketObjects(names, "readwrite", true),
      bucketObjectsAcknowledgement(names),
    );

    functions.search.grant("Items", tableAccess(table, "read"));

    functions.identity.grant("Items", tableAccess(table, "readwrite"));
    // No Cognito grant: /v1/me reads the verified token; users and groups are managed in Cognito itself.
    // /v1/health checks that the table answers (DescribeTable); no item access.
    functions.meta.grant("Health", [allow(["dynamodb:DescribeTable"], [table.tableArn])]);
  }
}

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    ip: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    protocol: AccessLogField.contextProtocol(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    integrationStatus: AccessLogField.contextIntegrationStatus(),
    errorMessage: AccessLogField.contextErrorMessage(),
    errorType: AccessLogField.contextErrorResponseType(),
    wafResponseCode: AccessLogField.contextWafResponseCode(),
    xrayTraceId: AccessLogField.contextXrayTraceId(),
  }),
);

function pascal(value: string): string {
  return value.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
