// The mcpflow CDK app: four stacks per stage (data, auth, execution, api), checked by cdk-nag on every synth.
// Run by the CDK CLI through cdk.json (`npx tsx infra/app.ts`); tests call buildApp() with their own context.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App, type AppProps, type Environment, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadConfig, type McpflowConfig } from "./config.js";
import { stageNames } from "./naming.js";
import { ApiStack } from "./stacks/api-stack.js";
import { AuthStack } from "./stacks/auth-stack.js";
import { DataStack } from "./stacks/data-stack.js";
import { ExecutionStack } from "./stacks/execution-stack.js";

export interface McpflowApp {
  readonly app: App;
  readonly config: McpflowConfig;
  readonly data: DataStack;
  readonly auth: AuthStack;
  readonly execution: ExecutionStack;
  readonly api: ApiStack;
}

export interface BuildAppOptions extends AppProps {
  /** Override of the runner Docker build context (tests point it at a scratch directory). */
  readonly runnerContextDir?: string;
}

export function buildApp(options: BuildAppOptions = {}): McpflowApp {
  const { runnerContextDir, ...appProps } = options;
  const app = new App(appProps);
  const config = loadConfig(app);
  const names = stageNames(config.stage);
  // Environment-agnostic unless the CLI knows the account (needed only for a vpcId lookup).
  const env: Environment | undefined =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined;
  const common = { env, config };

  const data = new DataStack(app, `${names.prefix}-data`, {
    ...common,
    description: "mcpflow data: DynamoDB table and payload bucket",
    terminationProtection: config.deletionProtection,
  });
  const auth = new AuthStack(app, `${names.prefix}-auth`, {
    ...common,
    description: "mcpflow auth: Cognito user pool, groups, web, CLI and machine clients",
    terminationProtection: config.deletionProtection,
  });
  const execution = new ExecutionStack(app, `${names.prefix}-execution`, {
    ...common,
    description: "mcpflow execution: VPC, ECS cluster, runner roles, state machine role, run-status events",
    table: data.table,
    ...(runnerContextDir ? { runnerContextDir } : {}),
  });
  const api = new ApiStack(app, `${names.prefix}-api`, {
    ...common,
    description: "mcpflow API: REST API and one Lambda per API area",
    table: data.table,
    userPool: auth.userPool,
    clients: [auth.webClient, auth.machineClient, auth.cliClient],
    execution,
  });
  // The payload bucket is referenced by its fixed name rather than an export, so order the stacks explicitly.
  execution.addStackDependency(data);
  api.addStackDependency(data);

  Tags.of(app).add("project", "mcpflow");
  Tags.of(app).add("stage", config.stage);
  // cdk-nag 3 is a CDK policy-validation plugin (v2 was an Aspect): it runs on every synth and fails it on any
  // unacknowledged finding; acknowledgements are Validations.of(construct).acknowledge() next to the resource.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, config, data, auth, execution, api };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  buildApp().app.synth();
}
