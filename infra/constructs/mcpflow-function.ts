// One mcpflow Lambda: esbuild-bundled ESM on the newest Node runtime, its own role, log group and tracing.
// The role is built here so it carries no AWS managed policy (AwsSolutions-IAM4) and can write only to its own
// log group. Bundling is infra/bundle.ts, run locally (never in Docker), the same code bench/bundles.ts measures.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { AssetHashType, DockerImage, type Duration, RemovalPolicy } from "aws-cdk-lib";
import { Effect, type IRole, Policy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledgeWildcards, type WildcardAcknowledgement } from "../nag.js";
import { entryPath, repoRoot } from "../paths.js";

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (AwsSolutions-L1 checks the same list). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * The bundle of one entry as a Lambda asset. infra/bundle-cli.ts runs in a child process because asset bundling
 * is synchronous and esbuild plugins need esbuild's asynchronous API. The asset hash is the bundle's (OUTPUT), so
 * an unchanged bundle is not uploaded again; the entry is in `command` only to keep CDK's in-process bundling
 * cache, which is keyed on the bundling options, apart per entry.
 */
export function bundledCode(entry: string): Code {
  const entryFile = entryPath(entry);
  return Code.fromAsset(dirname(entryFile), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("none"),
      command: ["infra/bundle-cli.ts", entry],
      local: {
        tryBundle(outputDir) {
          execFileSync(
            process.execPath,
            ["--import", "tsx", join(repoRoot, "infra", "bundle-cli.ts"), entry, outputDir],
            { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] },
          );
          return true;
        },
      },
    },
  });
}

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
  readonly function: LambdaFunction;
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

    this.function = new LambdaFunction(this, "Function", {
      code: bundledCode(props.entry),
      handler: "index.handler",
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
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        NODE_OPTIONS: "--enable-source-maps",
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
