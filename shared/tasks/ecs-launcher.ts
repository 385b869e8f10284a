// The AWS task launcher: one Fargate task definition per server version (family `taskFamily(name, version)`),
// which the compiled `ecs:runTask.waitForTaskToken` states start. Secrets are ECS `secrets` references to
// Secrets Manager; no secret value is ever part of a task definition.
import type { ContainerDefinition, ECSClient, KeyValuePair, Secret } from "@aws-sdk/client-ecs";
import { UnprocessableError } from "../errors.js";
import type { Runtime, ServerVersionRecord } from "../registry/schema.js";
import { taskFamily } from "./family.js";
import { fargateSize } from "./fargate-size.js";
import { runsInContainer, type TaskLauncher } from "./port.js";

export interface EcsTaskLauncherOptions {
  client: Pick<ECSClient, "send">;
  /** The runner image (the step runner; stdio server images are built FROM it). */
  runnerImage: string;
  taskRoleArn: string;
  executionRoleArn: string;
  /** awslogs group every container logs to; the stream prefix is the task family. */
  logGroup: string;
  region: string;
  /** `<secretsPrefix><server name>/<key>` is the Secrets Manager secret a `{secret: key}` reference names. */
  secretsPrefix: string;
  /** Must match ExecutionTarget.runnerContainerName: the compiled RunTask overrides this container's env. */
  runnerContainerName?: string;
  /** What the runner itself needs (table, blob bucket...), added to the runner container's environment. */
  runnerEnvironment?: Record<string, string>;
}

export const SERVER_CONTAINER = "server";
/** The runner's soft share of task memory when a server container sits beside it: it only relays one call. */
const RUNNER_MEMORY_RESERVATION = 128;

/** The ECS shape of a runtime's env: literals as `environment`, `{secret}` references as `secrets` (valueFrom). */
export function containerEnv(
  runtime: Runtime,
  server: string,
  secretsPrefix: string,
): { environment: KeyValuePair[]; secrets: Secret[] } {
  const environment: KeyValuePair[] = [];
  const secrets: Secret[] = [];
  for (const [name, value] of Object.entries(runtime.env ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof value === "string") environment.push({ name, value });
    else secrets.push({ name, valueFrom: `${secretsPrefix}${server}/${value.secret}` });
  }
  return { environment, secrets };
}

/** A path into a node_modules folder, relative (`node_modules/x`) or absolute (`/home/me/repo/node_modules/x`). */
const NODE_MODULES_PATH = /(^|[/\\])node_modules([/\\]|$)/;

/**
 * A stdio server without an image of its own runs in the runner image, which holds Node.js and the runner and
 * nothing of the repository it was published from: a command or argument that points into a node_modules folder
 * (as the examples do for the embedded platform) would fail in every task, so it is refused at publish.
 */
export function refuseRunnerImagePaths(runtime: Runtime): void {
  if (runtime.transport !== "stdio" || runtime.image) return;
  const values: [string, string | undefined][] = [
    ["runtime.command", runtime.command],
    ...(runtime.args ?? []).map((arg, i): [string, string] => [`runtime.args.${i}`, arg]),
  ];
  const issues = values
    .filter(([, value]) => value !== undefined && NODE_MODULES_PATH.test(value))
    .map(([field]) => ({
      field,
      rule: "points into node_modules, which the runner image does not have; give `runtime.image`, an image built FROM the runner base with the server installed (docs/container-contract.md)",
    }));
  if (issues.length > 0) {
    throw new UnprocessableError(
      "This runtime cannot run on AWS: a stdio server without `image` runs in the runner image, which has no node_modules of yours.",
      { issues },
    );
  }
}

/** The task definition for one version, as RegisterTaskDefinition takes it; pure, so it is tested without AWS. */
export function taskDefinitionFor(
  record: ServerVersionRecord,
  options: Omit<EcsTaskLauncherOptions, "client">,
) {
  const runtime = record.runtime;
  const { name, version } = record.server;
  if (!runsInContainer(runtime)) {
    throw new UnprocessableError(`${name}@${version} is called over HTTP and runs in no container.`);
  }
  refuseRunnerImagePaths(runtime);
  const family = taskFamily(name, version);
  const { cpu, memory } = fargateSize(runtime);
  const runnerName = options.runnerContainerName ?? "runner";
  const logConfiguration = {
    logDriver: "awslogs" as const,
    options: {
      "awslogs-group": options.logGroup,
      "awslogs-region": options.region,
      "awslogs-stream-prefix": family,
    },
  };
  // The runner records the server from the step call it loads; the task only needs to know the store.
  const runnerBase = Object.entries(options.runnerEnvironment ?? {}).map(([k, v]) => ({ name: k, value: v }));
  const { environment, secrets } = containerEnv(runtime, name, options.secretsPrefix);
  const containers: ContainerDefinition[] = [];

  if (runtime.image && runtime.port) {
    // The server serves Streamable HTTP in its own container; awsvpc tasks share localhost, so the runner
    // reaches it there. The server's env (and secrets) belong to the server container only.
    containers.push({
      name: SERVER_CONTAINER,
      image: runtime.image,
      essential: true,
      portMappings: [{ containerPort: runtime.port, protocol: "tcp" }],
      // Soft reservations that add up to the task's memory; no hard per-container limit, so either may burst.
      memoryReservation: memory - RUNNER_MEMORY_RESERVATION,
      environment,
      secrets,
      logConfiguration,
    });
    containers.push({
      name: runnerName,
      image: options.runnerImage,
      essential: true,
      dependsOn: [{ containerName: SERVER_CONTAINER, condition: "START" }],
      memoryReservation: RUNNER_MEMORY_RESERVATION,
      environment: [
        ...runnerBase,
        { name: "MCPFLOW_SERVER_URL", value: `http://localhost:${runtime.port}/mcp` },
        // The server container is the task's own loopback (awsvpc); the outbound guard refuses loopback otherwise.
        { name: "MCPFLOW_ALLOW_LOOPBACK_HTTP", value: "1" },
      ],
      logConfiguration,
    });
  } else {
    // stdio cannot cross containers: the runner starts the server as its child, in the same container. An image
    // built FROM the runner base may set MCPFLOW_SERVER_COMMAND itself (ENV), so a missing command is left out.
    const serverEnvKeys = [...environment.map((e) => e.name), ...secrets.map((s) => s.name!)];
    containers.push({
      name: runnerName,
      image: runtime.image ?? options.runnerImage,
      essential: true,
      // Root whatever the image's USER says, so that the runner can start the server as the image's user (1000):
      // a server of the runner's own uid would read the task token and the credential URI in its environ
      // (functions/runner/runner.ts runnerSandbox, decision 0005).
      user: "0",
      memoryReservation: memory,
      environment: [
        ...runnerBase,
        ...environment,
        ...(runtime.command ? [{ name: "MCPFLOW_SERVER_COMMAND", value: runtime.command }] : []),
        { name: "MCPFLOW_SERVER_ARGS", value: JSON.stringify(runtime.args ?? []) },
        { name: "MCPFLOW_SERVER_ENV_KEYS", value: JSON.stringify(serverEnvKeys) },
      ],
      secrets,
      logConfiguration,
    });
  }

  return {
    family,
    requiresCompatibilities: ["FARGATE" as const],
    networkMode: "awsvpc" as const,
    cpu: String(cpu),
    memory: String(memory),
    taskRoleArn: options.taskRoleArn,
    executionRoleArn: options.executionRoleArn,
    runtimePlatform: { operatingSystemFamily: "LINUX" as const, cpuArchitecture: "X86_64" as const },
    containerDefinitions: containers,
    tags: [
      { key: "mcpflow:server", value: name },
      { key: "mcpflow:version", value: version },
    ],
  };
}

export function createEcsTaskLauncher(options: EcsTaskLauncherOptions): TaskLauncher {
  const { client, ...rest } = options;
  return {
    refuseUnrunnable: refuseRunnerImagePaths,
    async register(record) {
      if (!runsInContainer(record.runtime)) return {};
      // Imported here, not at the top: the Lambda bundle loads only the SDK packages it calls (aws/lazy-client.ts).
      const { RegisterTaskDefinitionCommand } = await import("@aws-sdk/client-ecs");
      const registered = await client.send(
        new RegisterTaskDefinitionCommand(taskDefinitionFor(record, rest)),
      );
      const arn = registered.taskDefinition?.taskDefinitionArn;
      return arn ? { taskDefinitionArn: arn } : {};
    },
  };
}
