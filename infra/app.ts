// The mcpflow CDK app: six stacks per stage (web, data, auth, execution, api, web-content), checked by cdk-nag on
// every synth.
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
import { WebContentStack } from "./stacks/web-content-stack.js";
import { WebStack } from "./stacks/web-stack.js";

export interface McpflowApp {
  readonly app: App;
  readonly config: McpflowConfig;
  readonly data: DataStack;
  readonly auth: AuthStack;
  readonly execution: ExecutionStack;
  readonly api: ApiStack;
  readonly web: WebStack;
  readonly webContent: WebContentStack;
}

export interface BuildAppOptions extends AppProps {
  /** Override of the runner Docker build context (tests point it at a scratch directory). */
  readonly runnerContextDir?: string;
  /** Override of the built console (web/dist). */
  readonly webDistDir?: string;
}

export function buildApp(options: BuildAppOptions = {}): McpflowApp {
  const { runnerContextDir, webDistDir, ...appProps } = options;
  const app = new App(appProps);
  const config = loadConfig(app);
  const names = stageNames(config.stage);
  // Environment-agnostic unless the CLI knows the account (needed only for a vpcId lookup).
  const env: Environment | undefined =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined;
  const common = { env, config };

  // First: Cognito's callback URLs and the API's CORS origin need the console's address.
  const web = new WebStack(app, `${names.prefix}-web`, {
    ...common,
    description: "mcpflow web: the console's private bucket behind CloudFront (origin access control)",
  });
  const data = new DataStack(app, `${names.prefix}-data`, {
    ...common,
    description: "mcpflow data: DynamoDB table and payload bucket",
    terminationProtection: config.deletionProtection,
  });
  const auth = new AuthStack(app, `${names.prefix}-auth`, {
    ...common,
    description: "mcpflow auth: Cognito user pool, groups, web, CLI and machine clients",
    terminationProtection: config.deletionProtection,
    consoleUrl: web.url,
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
    consoleUrl: web.url,
  });
  const webContent = new WebContentStack(app, `${names.prefix}-web-content`, {
    ...common,
    description: "mcpflow web content: the built console and its /config.json",
    api: api.api,
    userPool: auth.userPool,
    webClient: auth.webClient,
    domain: auth.domain,
    ...(webDistDir ? { distDir: webDistDir } : {}),
  });
  // The console bucket is referenced by its fixed name rather than an export.
  webContent.addStackDependency(web);
  // The payload bucket is referenced by its fixed name rather than an export, so order the stacks explicitly.
  execution.addStackDependency(data);
  api.addStackDependency(data);

  Tags.of(app).add("project", "mcpflow");
  Tags.of(app).add("stage", config.stage);
  // cdk-nag 3 is a CDK policy-validation plugin (v2 was an Aspect): it runs on every synth and fails it on any
  // unacknowledged finding; acknowledgements are Validations.of(construct).acknowledge() next to the resource.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, config, data, auth, execution, api, web, webContent };
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
