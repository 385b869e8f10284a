// One mcpflow Lambda: a NodejsFunction (esbuild, ESM, minified) on the newest Node runtime, with its own role, log
// group and tracing. The role is built here so it carries no AWS managed policy (AwsSolutions-IAM4) and can write
// only to its own log group. esbuild runs from node_modules, never in Docker; bench/bundles.ts measures the assets
// this produces.
import { join } from "node:path";
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import { Effect, type IRole, Policy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledgeWildcards, type WildcardAcknowledgement } from "../nag.js";
import { entryPath, repoRoot } from "../paths.js";

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (AwsSolutions-L1 checks the same list). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** Context key that makes esbuild write `index.meta.json` beside each bundle (bench/bundles.ts sets it). */
export const BUNDLE_METAFILE_CONTEXT = "mcpflow:bundleMetafile";

/** Gives ESM bundles a `require` for CommonJS dependencies that require Node built-ins. */
const REQUIRE_BANNER =
  "import{createRequire as __mcpflowCreateRequire}from'node:module';const require=__mcpflowCreateRequire(import.meta.url);";

const META_ENTRY = "functions/api/meta.ts";

/** How every entry is bundled; the meta function also gets its OpenAPI document written beside the bundle. */
function bundlingFor(entry: string, options: { metafile?: boolean } = {}): BundlingOptions {
  const isMeta = entry === META_ENTRY;
  return {
    format: OutputFormat.ESM,
    target: "node24",
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    // ESM entry points of dependencies first: they are what esbuild can tree-shake.
    mainFields: ["module", "main"],
    // The Lambda runtime's own AWS SDK v3. The meta function serves the OpenAPI document written at bundling (see
    // functions/api/meta.ts), so the generator and every area's route contracts stay out of its bundle.
    externalModules: ["@aws-sdk/*", ...(isMeta ? ["../../shared/api/openapi.js"] : [])],
    banner: REQUIRE_BANNER,
    // Licence texts go to index.mjs.LEGAL.txt beside the bundle, not into the code every cold start parses.
    esbuildArgs: { "--legal-comments": "linked" },
    metafile: options.metafile ?? false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        isMeta
          ? [`cd "${inputDir}" && "${process.execPath}" --import tsx infra/write-openapi.ts "${outputDir}"`]
          : [],
    },
  };
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
  /** In the VPC, in these subnets, with this security group (the step executor: it reaches the run's tasks). */
  readonly network?: { vpc: IVpc; subnets: SubnetSelection; securityGroup: ISecurityGroup };
}

export class McpflowFunction extends Construct {
  readonly function: NodejsFunction;
  /** The entry file, relative to the repository root. */
  readonly entry: string;
  readonly serviceName: string;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: McpflowFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.serviceName = props.serviceName;

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
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, "package-lock.json"),
      bundling: bundlingFor(props.entry, {
        metafile: [true, "true"].includes(this.node.tryGetContext(BUNDLE_METAFILE_CONTEXT)),
      }),
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: [props.network.securityGroup],
          }
        : {}),
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
