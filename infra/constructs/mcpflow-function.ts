// One mcpflow Lambda: esbuild-bundled ESM on the newest Node runtime, its own role, log group and tracing.
// The role is built here rather than by NodejsFunction so it carries no AWS managed policy (AwsSolutions-IAM4)
// and can write only to its own log group.
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import { Effect, type IRole, Policy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledgeWildcards, type WildcardAcknowledgement } from "../nag.js";
import { entryPath, lockFile, repoRoot } from "../paths.js";

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (AwsSolutions-L1 checks the same list). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * esbuild options shared with bench/bundles.ts. `@aws-sdk/*` is left to the runtime's own SDK v3.
 * The banner gives ESM bundles a `require` for CommonJS dependencies that require Node built-ins.
 */
export const BUNDLING_OPTIONS = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  externalModules: ["@aws-sdk/*"],
  mainFields: ["module", "main"],
  banner:
    "import{createRequire as __mcpflowCreateRequire}from'node:module';const require=__mcpflowCreateRequire(import.meta.url);",
} as const;

export interface McpflowFunctionProps {
  /** Entry file relative to the repository root, exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME, also the log group suffix. */
  readonly serviceName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly timeout: Duration;
  readonly memorySize: number;
}

export class McpflowFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: McpflowFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.serviceName} Lambda: own log group, X-Ray, and the grants its area needs`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role = role;

    this.function = new NodejsFunction(this, "Function", {
      entry: entryPath(props.entry),
      handler: "handler",
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      tracing: Tracing.ACTIVE,
      projectRoot: repoRoot,
      depsLockFilePath: lockFile,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        NODE_OPTIONS: "--enable-source-maps",
      },
      bundling: {
        ...BUNDLING_OPTIONS,
        mainFields: [...BUNDLING_OPTIONS.mainFields],
        externalModules: [...BUNDLING_OPTIONS.externalModules],
        forceDockerBundling: false,
      },
    });

    acknowledgeWildcards(role, {
      findings: ["Resource::*"],
      reason:
        "Resource::* in the default policy is only xray:PutTraceSegments and xray:PutTelemetryRecords, added by " +
        "active tracing; X-Ray does not support resource-level permissions for these actions.",
    });
  }

  /** Adds statements as a named inline policy. Wildcards are allowed only with an acknowledgement naming them. */
  grant(id: string, statements: PolicyStatement[], acknowledgement?: WildcardAcknowledgement): Policy {
    return attachPolicy(this, id, this.role, statements, acknowledgement);
  }
}

/** Attaches a named inline policy to a role, with a cdk-nag acknowledgement scoped to that policy only. */
export function attachPolicy(
  scope: Construct,
  id: string,
  role: IRole,
  statements: PolicyStatement[],
  acknowledgement?: WildcardAcknowledgement,
): Policy {
  const policy = new Policy(scope, id, { statements });
  role.attachInlinePolicy(policy);
  if (acknowledgement) acknowledgeWildcards(policy, acknowledgement);
  return policy;
}

export function allow(
  actions: string[],
  resources: string[],
  conditions?: Record<string, unknown>,
): PolicyStatement {
  return new PolicyStatement({
    effect: Effect.ALLOW,
    actions,
    resources,
    ...(conditions ? { conditions } : {}),
  });
}
