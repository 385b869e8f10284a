// The AWS adapters, wired from the environment variables the CDK API stack gives every function. SDK packages other
// than DynamoDB's are imported when an adapter is first called (aws/lazy-client.ts), not at cold start.
import { lazyClient } from "./aws/lazy-client.js";
import { createS3BlobStore } from "./blobs/s3-store.js";
import { createCognitoTokenVerifier } from "./identity/tokens.js";
import { createLambdaProber } from "./mcp/lambda-prober.js";
import { createStepFunctionsOrchestrator } from "./orchestrator/step-functions.js";
import type { ExecutionTarget, Platform } from "./platform.js";
import { createSecretCursorKeys } from "./secrets/cursor-key-secret.js";
import { createSecretsManagerStore } from "./secrets/secrets-manager-store.js";
import { createTable, tableAnswers } from "./store/table.js";
import { createEcsTaskLauncher } from "./tasks/ecs-launcher.js";
import { publishedStateMachineArn } from "./workflows/keys.js";

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing environment variable ${name}; the CDK stack sets it.`);
  return value;
}

/**
 * Builds an adapter the first time one of its members is read. Not every function gets every variable (the
 * remote invoker and the run-status Lambda have no user pool, cluster or runner image), so an adapter whose
 * variables are missing fails when it is used, naming the variable, instead of when the platform is built.
 */
function onFirstUse<T extends object>(build: () => T): T {
  let built: T | undefined;
  const instance = () => {
    built ??= build();
    return built;
  };
  // ownKeys/getOwnPropertyDescriptor too, so that spreading or schema-parsing a plain-data adapter (the target)
  // sees its fields.
  return new Proxy({} as T, {
    get(_target, key) {
      const value: unknown = Reflect.get(instance(), key);
      return typeof value === "function" ? value.bind(instance()) : value;
    },
    has: (_target, key) => Reflect.has(instance(), key),
    ownKeys: () => Reflect.ownKeys(instance()),
    getOwnPropertyDescriptor(_target, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(instance(), key);
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
  });
}

const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

export function createAwsPlatform(env: NodeJS.ProcessEnv): Platform {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const secretsPrefix = required(env, "MCPFLOW_SECRETS_PREFIX");
  const target = onFirstUse<ExecutionTarget>(() => ({
    clusterArn: required(env, "MCPFLOW_CLUSTER_ARN"),
    subnets: list(required(env, "MCPFLOW_SUBNETS")),
    securityGroups: list(required(env, "MCPFLOW_SECURITY_GROUPS")),
    remoteInvokerArn: required(env, "MCPFLOW_REMOTE_INVOKER_ARN"),
    runnerContainerName: env.MCPFLOW_RUNNER_CONTAINER_NAME ?? "runner",
    ...(env.MCPFLOW_REMOTE_HEARTBEAT_SECONDS
      ? { remoteHeartbeatSeconds: Number(env.MCPFLOW_REMOTE_HEARTBEAT_SECONDS) }
      : {}),
  }));
  const table = createTable({ name: required(env, "MCPFLOW_TABLE") });
  return {
    mode: "aws",
    table,
    health: () => tableAnswers(table),
    blobs: createS3BlobStore(required(env, "MCPFLOW_BUCKET")),
    secrets: createSecretsManagerStore(secretsPrefix),
    // Only the functions that serve a list get the variable (and may read the secret).
    cursorKeys: createSecretCursorKeys(() => required(env, "MCPFLOW_CURSOR_KEY_SECRET")),
    verifier: onFirstUse(() =>
      createCognitoTokenVerifier({
        userPoolId: required(env, "MCPFLOW_USER_POOL_ID"),
        clientIds: list(required(env, "MCPFLOW_USER_POOL_CLIENT_IDS")),
      }),
    ),
    orchestrator: onFirstUse(() =>
      createStepFunctionsOrchestrator({
        client: lazyClient(() => import("@aws-sdk/client-sfn").then((m) => new m.SFNClient({ region }))),
        roleArn: required(env, "MCPFLOW_STATE_MACHINE_ROLE_ARN"),
        namePrefix: `mcpflow-${required(env, "MCPFLOW_STAGE")}-`,
        region,
        ...(env.MCPFLOW_ACCOUNT_ID ? { accountId: env.MCPFLOW_ACCOUNT_ID } : {}),
        ...(env.MCPFLOW_STATE_MACHINE_LOG_GROUP_ARN
          ? { logGroupArn: env.MCPFLOW_STATE_MACHINE_LOG_GROUP_ARN }
          : {}),
        // The version ARN deploy() returned is kept on the workflow version item; runs start on exactly it.
        versionArnOf: (workflow, version) => publishedStateMachineArn(table, workflow, version),
      }),
    ),
    tasks: onFirstUse(() =>
      createEcsTaskLauncher({
        client: lazyClient(() => import("@aws-sdk/client-ecs").then((m) => new m.ECSClient({ region }))),
        runnerImage: required(env, "MCPFLOW_RUNNER_IMAGE"),
        taskRoleArn: required(env, "MCPFLOW_TASK_ROLE_ARN"),
        executionRoleArn: required(env, "MCPFLOW_EXECUTION_ROLE_ARN"),
        logGroup: required(env, "MCPFLOW_LOG_GROUP"),
        region,
        secretsPrefix,
        // What functions/runner/main.ts reads: the table and bucket to load the step call and record the step,
        // the stage the task families are named after. MCPFLOW_BLOB_BUCKET is what its blob writer reads.
        runnerEnvironment: {
          MCPFLOW_STAGE: required(env, "MCPFLOW_STAGE"),
          MCPFLOW_TABLE: required(env, "MCPFLOW_TABLE"),
          MCPFLOW_BUCKET: required(env, "MCPFLOW_BUCKET"),
          MCPFLOW_BLOB_BUCKET: required(env, "MCPFLOW_BUCKET"),
          MCPFLOW_SECRETS_PREFIX: secretsPrefix,
        },
      }),
    ),
    prober: onFirstUse(() =>
      createLambdaProber({
        client: lazyClient(() =>
          import("@aws-sdk/client-lambda").then((m) => new m.LambdaClient({ region })),
        ),
        functionName: required(env, "MCPFLOW_REMOTE_INVOKER_ARN"),
      }),
    ),
    target,
  };
}
