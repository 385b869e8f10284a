// The AWS path on moto_server, for the end-to-end suite: moto with Step Functions execution on, the resources the
// CDK stacks define (table, bucket, cluster, VPC, secrets prefix), the API handlers wired to the AWS adapters
// through the same HTTP adapter the embedded platform uses, and the test playing the parts moto cannot run here:
// Fargate (a runner process per task the interpreter started, with that task's environment, stopped with SIGTERM when
// the task is stopped), Lambda (the step executor, from the payload moto spooled) and EventBridge (the execution status
// change, to run-status). A run's server task (the runner in host mode, decision 0008) serves on 127.0.0.1 here, on a
// port of its own; MCPFLOW_HOST_ALLOW_LOOPBACK=1 lets the executor connect there (the CDK never sets it).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { chownSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  type ContainerDefinition,
  CreateClusterCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from "@aws-sdk/client-ecs";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { build } from "esbuild";
import { afterAll, beforeAll } from "vitest";
import type { AreaHandler } from "../../local/http-adapter.js";
import { REPO_ROOT } from "./examples.js";
import { MOTO_ACCOUNT_ID, MOTO_REGION, type MotoServer, useMotoServer } from "./moto.js";
import { scratchDir } from "./scratch.js";

export const STAGE = "e2e";
export const RUNNER_IMAGE = `${MOTO_ACCOUNT_ID}.dkr.ecr.${MOTO_REGION}.amazonaws.com/mcpflow-runner:e2e`;
/** Images built FROM the runner base with a server installed globally (docs/container-contract.md). */
export const serverImage = (bin: string) =>
  `${MOTO_ACCOUNT_ID}.dkr.ecr.${MOTO_REGION}.amazonaws.com/${bin}:e2e`;
/** The runner base image's HOME and working directory (functions/runner/Dockerfile). */
const IMAGE_HOME = "/home/node";
/** Numbers each task's stand-in image user (see startTask). */
let taskCount = Math.floor(Math.random() * 1_000_000);
const INVOKER_ARN = `arn:aws:lambda:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:function:mcpflow-${STAGE}-remote-invoker`;
/**
 * HeartbeatSeconds of every call's Task in this suite (configuration, as an operator may set it). It must cover the
 * executor's start before its first beat: here the Lambda double and the executor share this process with the API,
 * the other doubles and up to ten concurrent calls, and at load ~30 (eight busy loops) a call's first beat came more
 * than 4 s after its Task started, which Step Functions times out (States.Timeout) as it would a lost executor.
 */
export const REMOTE_HEARTBEAT_SECONDS = 10;
const role = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-${STAGE}-${name}`;

export interface FargateTask {
  taskArn: string;
  image: string;
  /** The runner container's environment as Fargate would give it: definition, overrides, resolved secrets. */
  env: Record<string, string>;
  /** Names of the variables that came from the task definition's `secrets`. */
  secretNames: string[];
  process: ChildProcess;
  output: string;
  exited: Promise<number | null>;
  exitCode?: number | null;
  /** When the task was stopped (ECS StopTask) while it ran: the double sent the runner SIGTERM then. */
  stopRequestedAt?: number;
}

export interface LambdaInvocation {
  functionName: string;
  payload: Record<string, unknown>;
  outcome: Promise<unknown>;
}

export interface ApiAnswer {
  status: number;
  body: any;
  text: string;
}

export interface AwsPath {
  moto: MotoServer;
  clients: { ecs: ECSClient; sfn: SFNClient; s3: S3Client; secrets: SecretsManagerClient };
  /** A request through the API functions, as an admin (x-api-key); `body` as JSON, or text with its type. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiAnswer>;
  tasks: FargateTask[];
  invocations: LambdaInvocation[];
  /** Errors of the doubles themselves (not of the runs), so a test can say why nothing happened. */
  doubleErrors: string[];
  /** Waits for the execution to end and hands its status change to run-status, as EventBridge would. */
  settle(runId: string, timeoutMs?: number): Promise<string>;
}

/** The EC2 query API (no EC2 SDK package is installed); moto does not check signatures. */
async function ec2(endpoint: string, action: string, params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: "2016-11-15", ...params });
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=moto/20200101/${MOTO_REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`EC2 ${action}: ${response.status} ${text}`);
  return text;
}
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? "";

/** The VPC as the execution stack defines it: DNS support and hostnames on, private subnets in two zones, one SG. */
async function createNetwork(endpoint: string) {
  const vpcId = tag(await ec2(endpoint, "CreateVpc", { CidrBlock: "10.0.0.0/16" }), "vpcId");
  await ec2(endpoint, "ModifyVpcAttribute", { VpcId: vpcId, "EnableDnsSupport.Value": "true" });
  await ec2(endpoint, "ModifyVpcAttribute", { VpcId: vpcId, "EnableDnsHostnames.Value": "true" });
  const subnets: string[] = [];
  for (const [i, zone] of ["a", "b"].entries()) {
    const xml = await ec2(endpoint, "CreateSubnet", {
      VpcId: vpcId,
      CidrBlock: `10.0.${i}.0/24`,
      AvailabilityZone: `${MOTO_REGION}${zone}`,
    });
    subnets.push(tag(xml, "subnetId"));
  }
  const securityGroup = tag(
    await ec2(endpoint, "CreateSecurityGroup", {
      GroupName: `mcpflow-${STAGE}-tasks`,
      GroupDescription: "mcpflow tasks",
      VpcId: vpcId,
    }),
    "groupId",
  );
  return { vpcId, subnets, securityGroup };
}

/** The runner as the image builds it (functions/runner/Dockerfile): one ESM bundle of functions/runner/main.ts. */
async function bundleRunner(dir: string): Promise<string> {
  const outfile = join(dir, "runner.mjs");
  await build({
    entryPoints: [join(REPO_ROOT, "functions/runner/main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  return outfile;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers beforeAll/afterAll hooks that bring the AWS path up and down; the fields are filled in once beforeAll
 * ran. Call at the top of a `describe.skipIf(!motoAvailable)` block. Sets process.env as the CDK stacks set the
 * functions' environment, so the handlers build the AWS platform (shared/aws-platform.ts) against moto.
 */
export function useAwsPath(): AwsPath {
  const spool = scratchDir("mcpflow-e2e-spool-");
  const moto = useMotoServer({ execute: true, lambdaSpool: () => spool });
  const tasks: FargateTask[] = [];
  const invocations: LambdaInvocation[] = [];
  const doubleErrors: string[] = [];
  const handle = { moto, tasks, invocations, doubleErrors } as unknown as AwsPath;
  let server: Server | undefined;
  let stopped = false;
  let loops: Promise<void>[] = [];

  beforeAll(async () => {
    const endpoint = moto.endpoint;
    const clients = {
      ecs: new ECSClient(moto.clientConfig),
      sfn: new SFNClient(moto.clientConfig),
      s3: new S3Client(moto.clientConfig),
      secrets: new SecretsManagerClient(moto.clientConfig),
    };
    handle.clients = clients;
    const network = await createNetwork(endpoint);
    const cluster = (await clients.ecs.send(new CreateClusterCommand({ clusterName: `mcpflow-${STAGE}` })))
      .cluster!.clusterArn!;
    const table = `mcpflow-${STAGE}`;
    const bucket = `mcpflow-${STAGE}-payloads`;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // The page cursors' key, as the API stack generates it (infra/stacks/api-stack.ts).
    const cursorKey = await clients.secrets.send(
      new CreateSecretCommand({
        Name: `mcpflow-${STAGE}-cursor-key`,
        SecretString: randomBytes(48).toString("base64url"),
      }),
    );

    // What the CDK stacks give the functions (infra/stacks/execution-stack.ts, api-stack.ts), pointing at moto.
    const awsEnv = {
      AWS_REGION: MOTO_REGION,
      AWS_DEFAULT_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: "moto",
      AWS_SECRET_ACCESS_KEY: "moto",
      AWS_ENDPOINT_URL: endpoint,
    };
    Object.assign(process.env, awsEnv, {
      MCPFLOW_MODE: "aws",
      MCPFLOW_STAGE: STAGE,
      MCPFLOW_TABLE: table,
      MCPFLOW_BUCKET: bucket,
      MCPFLOW_SECRETS_PREFIX: `mcpflow/${STAGE}/`,
      MCPFLOW_ACCOUNT_ID: MOTO_ACCOUNT_ID,
      MCPFLOW_STATE_MACHINE_ROLE_ARN: role("states"),
      MCPFLOW_CLUSTER_ARN: cluster,
      MCPFLOW_SUBNETS: network.subnets.join(","),
      MCPFLOW_SECURITY_GROUPS: network.securityGroup,
      MCPFLOW_RUNNER_IMAGE: RUNNER_IMAGE,
      MCPFLOW_TASK_ROLE_ARN: role("task"),
      MCPFLOW_EXECUTION_ROLE_ARN: role("execution"),
      MCPFLOW_LOG_GROUP: `/mcpflow/${STAGE}/runner`,
      MCPFLOW_REMOTE_INVOKER_ARN: INVOKER_ARN,
      // Seconds, not the minute a remote call's Task allows on AWS: a call of a few seconds already needs the
      // invoker's beats (every second here) to live.
      MCPFLOW_REMOTE_HEARTBEAT_SECONDS: String(REMOTE_HEARTBEAT_SECONDS),
      MCPFLOW_HEARTBEAT_SECONDS: "1",
      // The hosts run on this machine, each on 127.0.0.1 and a port of its own (see startTask).
      MCPFLOW_HOST_ALLOW_LOOPBACK: "1",
      // Cognito cannot be reached (its JWKS is on AWS); the suite signs in with an API key instead.
      MCPFLOW_USER_POOL_ID: `${MOTO_REGION}_e2e`,
      MCPFLOW_USER_POOL_CLIENT_IDS: "e2e",
      MCPFLOW_CURSOR_KEY_SECRET: cursorKey.ARN!,
    });

    const { createTable, ensureTable } = await import("../../shared/store/table.js");
    await ensureTable(createTable({ name: table }));
    const { createApiKey } = await import("../../shared/identity/api-keys.js");
    const { key } = await createApiKey(
      createTable({ name: table }),
      { name: "e2e admin", role: "admin" },
      { id: "user:e2e", kind: "user", name: "e2e", role: "admin" },
    );

    // The API functions, each area's Lambda handler behind the embedded platform's HTTP adapter.
    const { createRequestListener } = await import("../../local/http-adapter.js");
    const areas = [
      "registry",
      "registry-sync",
      "identity",
      "meta",
      "mcds",
      "search",
      "workflows",
      "runs",
    ] as const;
    const handlers = Object.fromEntries(
      await Promise.all(
        areas.map(async (area) => {
          const module = (await import(`../../functions/api/${area}.ts`)) as { handler: AreaHandler };
          return [area, module.handler] as const;
        }),
      ),
    ) as Record<(typeof areas)[number], AreaHandler>;
    server = createServer(createRequestListener(handlers));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handle.api = async (method, path, body, contentType) => {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          "x-api-key": key,
          ...(body === undefined ? {} : { "content-type": contentType ?? "application/json" }),
        },
        ...(body === undefined ? {} : { body: contentType ? String(body) : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text };
    };

    const runnerBundle = await bundleRunner(scratchDir("mcpflow-e2e-runner-"));
    const { handler: invoker } = await import("../../functions/invoker/remote-mcp.js");
    const { handler: runStatus } = await import("../../functions/events/run-status.js");

    // Fargate: every task the interpreter started becomes a runner process with the task's environment.
    const definitions = new Map<string, ContainerDefinition[]>();
    const seen = new Set<string>();
    const startTask = async (task: Task) => {
      const arn = task.taskDefinitionArn!;
      if (!definitions.has(arn)) {
        const described = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
        definitions.set(arn, described.taskDefinition!.containerDefinitions!);
      }
      const runner = definitions.get(arn)!.find((c) => c.name === "runner")!;
      const overrides = task.overrides?.containerOverrides?.find((c) => c.name === "runner");
      const env: Record<string, string> = {};
      for (const pair of [...(runner.environment ?? []), ...(overrides?.environment ?? [])]) {
        env[pair.name!] = pair.value!;
      }
      // ECS resolves `secrets` with the execution role before the container starts.
      const secretNames: string[] = [];
      for (const secret of runner.secrets ?? []) {
        const value = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secret.valueFrom! }));
        env[secret.name!] = value.SecretString!;
        secretNames.push(secret.name!);
      }
      // Each task its own filesystem, as each Fargate task has: the image's home (/home/node, the runner base's
      // WORKDIR) is a folder of the task's own, in paths the environment names too; the image's global bins on
      // PATH (a stdio server image built FROM the runner base installs its server globally); AWS credentials and
      // endpoint as the task role and the VPC endpoints would give them.
      const home = scratchDir("mcpflow-e2e-task-");
      for (const [name, value] of Object.entries(env)) {
        if (value === IMAGE_HOME || value.startsWith(`${IMAGE_HOME}/`))
          env[name] = home + value.slice(IMAGE_HOME.length);
      }
      // The task definition runs the runner as root, which starts the server as the image's user (1000, the owner
      // of /home/node). Each task is a machine of its own on Fargate; here a uid of its own stands for that, so
      // that tasks running side by side (and other test runs on this machine) do not share one.
      const imageUser = 2_100_000_000 + (taskCount++ % 1_000_000);
      // ECS gives every container of a task the task role's credential endpoint by this variable.
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = `/v2/credentials/${crypto.randomUUID()}`;
      if (env.MCPFLOW_RUNNER_MODE === "host") {
        // Fargate would give the task an address of its own in the VPC (the metadata endpoint names it); here
        // every host shares 127.0.0.1, so each listens on a free port and reports it.
        env.MCPFLOW_HOST_ADDRESS = "127.0.0.1";
        env.MCPFLOW_HOST_PORT = "0";
      }
      if (process.getuid?.() === 0) chownSync(home, imageUser, imageUser);
      const child = spawn(process.execPath, [runnerBundle], {
        cwd: home,
        env: {
          PATH: `${join(REPO_ROOT, "node_modules/.bin")}:${process.env.PATH}`,
          HOME: home,
          ...awsEnv,
          MCPFLOW_SANDBOX_UID: String(imageUser),
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const record: FargateTask = {
        taskArn: task.taskArn!,
        image: runner.image!,
        env,
        secretNames,
        process: child,
        output: "",
        exited: once(child, "exit").then(([code]) => code as number | null),
      };
      const keep = (chunk: Buffer) => {
        record.output = (record.output + chunk.toString()).slice(-20_000);
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      tasks.push(record);
      started.set(task.taskArn!, record);
      void record.exited.then(async (code) => {
        record.exitCode = code;
        // The essential container exited: Fargate stops the task.
        await clients.ecs
          .send(
            new StopTaskCommand({
              cluster,
              task: task.taskArn!,
              reason: "Essential container in task exited",
            }),
          )
          .catch((error: unknown) => doubleErrors.push(`StopTask: ${String(error)}`));
      });
    };
    const started = new Map<string, FargateTask>();
    const fargate = async () => {
      while (!stopped) {
        try {
          const listed = await clients.ecs.send(new ListTasksCommand({ cluster, desiredStatus: "RUNNING" }));
          const fresh = (listed.taskArns ?? []).filter((arn) => !seen.has(arn));
          if (fresh.length > 0) {
            for (const arn of fresh) seen.add(arn);
            const described = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: fresh }));
            for (const task of described.tasks ?? []) await startTask(task);
          }
          // StopTask (run-status at the run's end): ECS sends the container SIGTERM.
          const stopping = await clients.ecs.send(
            new ListTasksCommand({ cluster, desiredStatus: "STOPPED" }),
          );
          for (const arn of stopping.taskArns ?? []) {
            const record = started.get(arn);
            if (!record || record.exitCode !== undefined || record.stopRequestedAt) continue;
            record.stopRequestedAt = Date.now();
            record.process.kill("SIGTERM");
          }
        } catch (error) {
          if (!stopped) doubleErrors.push(`fargate: ${String(error)}`);
        }
        await sleep(150);
      }
    };

    // Lambda: each spooled invocation of the remote invoker is handed to its real handler.
    const lambda = async () => {
      while (!stopped) {
        for (const file of readdirSync(spool)
          .filter((f) => f.endsWith(".json"))
          .sort()) {
          const path = join(spool, file);
          const record = JSON.parse(readFileSync(path, "utf8")) as {
            functionName: string;
            payload: Record<string, unknown>;
          };
          rmSync(path);
          if (record.functionName !== INVOKER_ARN) {
            doubleErrors.push(`lambda: unknown function ${record.functionName}`);
            continue;
          }
          const outcome = invoker(record.payload, { getRemainingTimeInMillis: () => 900_000 }).catch(
            (error: unknown) => {
              doubleErrors.push(`lambda: ${String(error)}`);
              return undefined;
            },
          );
          invocations.push({ ...record, outcome });
        }
        await sleep(100);
      }
    };
    loops = [fargate(), lambda()];

    handle.settle = async (runId, timeoutMs = 90_000) => {
      const run = await handle.api("GET", `/v1/runs/${runId}`);
      const executionArn = String(run.body?.executionArn ?? "");
      if (!executionArn) throw new Error(`run ${runId} has no execution: ${run.text}`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const execution = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (execution.status !== "RUNNING") {
          // The event EventBridge delivers for a Step Functions execution status change.
          await runStatus({
            version: "0",
            id: `e2e-${runId}`,
            "detail-type": "Step Functions Execution Status Change",
            source: "aws.states",
            account: MOTO_ACCOUNT_ID,
            time: new Date().toISOString(),
            region: MOTO_REGION,
            resources: [executionArn],
            detail: {
              executionArn,
              stateMachineArn: execution.stateMachineArn,
              name: execution.name,
              status: execution.status,
              startDate: execution.startDate?.getTime(),
              stopDate: execution.stopDate?.getTime() ?? null,
              input: execution.input ?? null,
              output: execution.output ?? null,
              error: execution.error ?? null,
              cause: execution.cause ?? null,
            },
          });
          return execution.status!;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `execution of run ${runId} still RUNNING after ${timeoutMs} ms; doubles: ${doubleErrors.join("; ")}`,
          );
        }
        await sleep(200);
      }
    };
  });

  afterAll(async () => {
    stopped = true;
    await Promise.all(loops);
    for (const task of tasks) {
      if (task.exitCode === undefined) {
        try {
          process.kill(-task.process.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(tasks.map((task) => task.exited));
    await Promise.all(invocations.map((invocation) => invocation.outcome));
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });
  return handle;
}
