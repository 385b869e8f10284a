// The ECS task launcher against moto_server: the task definition it registers for each kind of containerised
// server (stdio in the runner, an image serving HTTP beside the runner), with secrets only as references; and a
// RunTask of it on a cluster, as the compiled Task state would do.
import {
  CreateClusterCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RunTaskCommand,
} from "@aws-sdk/client-ecs";
import { beforeAll, describe, expect, it } from "vitest";
import { UnprocessableError } from "../../../shared/errors.js";
import type { Runtime, ServerVersionRecord } from "../../../shared/registry/schema.js";
import { createEcsTaskLauncher, refuseRunnerImagePaths } from "../../../shared/tasks/ecs-launcher.js";
import { fargateSize } from "../../../shared/tasks/fargate-size.js";
import { taskFamily } from "../../../shared/workflows/service.js";
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoAvailable, useMotoServer } from "../../helpers/moto.js";

const SECRET_VALUE = "sk-live-very-secret-value-123";
const RUNNER_IMAGE = `${MOTO_ACCOUNT_ID}.dkr.ecr.${MOTO_REGION}.amazonaws.com/mcpflow-runner:1`;

function record(name: string, version: string, runtime: Runtime | undefined): ServerVersionRecord {
  const at = new Date().toISOString();
  return {
    server: { name, version, description: "test server", ...(runtime ? { runtime } : {}) },
    ...(runtime ? { runtime } : {}),
    runtimeSource: runtime ? "declared" : "none",
    status: "active",
    isLatest: true,
    publishedAt: at,
    updatedAt: at,
    publishedBy: "user:test",
  };
}

describe("Fargate sizes", () => {
  it("defaults to 256 CPU units and 512 MiB", () => {
    expect(fargateSize(undefined)).toEqual({ cpu: 256, memory: 512 });
  });
  it("accepts the pairs Fargate runs and refuses the others, naming the allowed range", () => {
    expect(fargateSize({ cpu: 1024, memory: 3072 })).toEqual({ cpu: 1024, memory: 3072 });
    expect(fargateSize({ cpu: 1024 })).toEqual({ cpu: 1024, memory: 2048 });
    expect(() => fargateSize({ cpu: 256, memory: 4096 })).toThrow(UnprocessableError);
    expect(() => fargateSize({ cpu: 300 })).toThrow(/not a size Fargate runs/);
  });
});

describe("runtimes the runner image cannot run", () => {
  const refusal = (runtime: Runtime) => {
    try {
      refuseRunnerImagePaths(runtime);
      return undefined;
    } catch (error) {
      return error as UnprocessableError;
    }
  };
  it("Noncompliance: a stdio command or argument in node_modules, relative or absolute, naming the field", () => {
    const example = refusal({
      transport: "stdio",
      command: "node",
      args: ["node_modules/@modelcontextprotocol/server-everything/dist/index.js", "stdio"],
    });
    expect(example).toBeInstanceOf(UnprocessableError);
    expect(example?.issues.map((issue) => issue.field)).toEqual(["runtime.args.0"]);
    expect(example?.issues[0]?.rule).toMatch(/runner image does not have; give `runtime.image`/);
    expect(
      refusal({ transport: "stdio", command: "/home/me/repo/node_modules/.bin/mcp-server-memory" })?.issues,
    ).toEqual([expect.objectContaining({ field: "runtime.command" })]);
  });
  it("Compliance: an image of its own, npx, a command on the image's PATH, a remote URL", () => {
    expect(
      refusal({
        transport: "stdio",
        image: "ghcr.io/acme/x:1",
        command: "node",
        args: ["node_modules/x.js"],
      }),
    ).toBeUndefined();
    expect(refusal({ transport: "stdio", command: "npx", args: ["-y", "@acme/mcp@1.0.0"] })).toBeUndefined();
    expect(refusal({ transport: "stdio", command: "mcp-server-memory" })).toBeUndefined();
    expect(refusal({ transport: "streamable-http", url: "https://mcp.example.com/mcp" })).toBeUndefined();
  });
});

describe.skipIf(!motoAvailable)("ECS task launcher on moto_server", () => {
  const moto = useMotoServer();
  let client: ECSClient;
  let launcher: ReturnType<typeof createEcsTaskLauncher>;
  beforeAll(() => {
    client = new ECSClient(moto.clientConfig);
    launcher = createEcsTaskLauncher({
      client,
      runnerImage: RUNNER_IMAGE,
      taskRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-test-task`,
      executionRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-test-execution`,
      logGroup: "/mcpflow/test/runner",
      region: MOTO_REGION,
      secretsPrefix: "mcpflow/test/",
      runnerEnvironment: { MCPFLOW_TABLE: "mcpflow-test", MCPFLOW_BLOB_BUCKET: "mcpflow-test-payloads" },
    });
  });
  const describeFamily = async (family: string) =>
    (await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }))).taskDefinition!;

  it("registers a stdio server as one runner container with its command, env and secret references", async () => {
    const runtime: Runtime = {
      transport: "stdio",
      command: "node",
      args: ["server.js", "--stdio"],
      env: { LOG_LEVEL: "debug", API_TOKEN: { secret: "api-token" } },
    };
    const registered = await launcher.register(record("io.github.acme/weather", "1.2.0", runtime));
    const family = taskFamily("io.github.acme/weather", "1.2.0");
    expect(registered.taskDefinitionArn).toBe(
      `arn:aws:ecs:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:task-definition/${family}:1`,
    );

    const definition = await describeFamily(family);
    expect(definition).toMatchObject({
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      taskRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-test-task`,
      executionRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-test-execution`,
    });
    expect(definition.containerDefinitions).toHaveLength(1);
    const runner = definition.containerDefinitions![0]!;
    // The runner runs as root to start the server as the image's user (decision 0005).
    expect(runner).toMatchObject({ name: "runner", image: RUNNER_IMAGE, essential: true, user: "0" });
    const env = Object.fromEntries(runner.environment!.map((e) => [e.name, e.value]));
    expect(env).toEqual({
      MCPFLOW_TABLE: "mcpflow-test",
      MCPFLOW_BLOB_BUCKET: "mcpflow-test-payloads",
      LOG_LEVEL: "debug",
      MCPFLOW_SERVER_COMMAND: "node",
      MCPFLOW_SERVER_ARGS: JSON.stringify(["server.js", "--stdio"]),
      MCPFLOW_SERVER_ENV_KEYS: JSON.stringify(["LOG_LEVEL", "API_TOKEN"]),
    });
    expect(runner.secrets).toEqual([
      { name: "API_TOKEN", valueFrom: "mcpflow/test/io.github.acme/weather/api-token" },
    ]);
    expect(runner.logConfiguration).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "/mcpflow/test/runner",
        "awslogs-region": MOTO_REGION,
        "awslogs-stream-prefix": family,
      },
    });
  });

  it("registers an image serving Streamable HTTP beside the runner, which reaches it on localhost", async () => {
    const runtime: Runtime = {
      transport: "streamable-http",
      image: "ghcr.io/acme/search-mcp:2.0.0",
      port: 8080,
      cpu: 512,
      memory: 1024,
      env: { SEARCH_KEY: { secret: "search-key" }, REGION: "eu-west-1" },
    };
    await launcher.register(record("io.github.acme/search", "2.0.0", runtime));
    const definition = await describeFamily(taskFamily("io.github.acme/search", "2.0.0"));
    expect(definition).toMatchObject({ cpu: "512", memory: "1024" });
    const [server, runner] = definition.containerDefinitions!;
    expect(server).toMatchObject({
      name: "server",
      image: "ghcr.io/acme/search-mcp:2.0.0",
      essential: true,
      portMappings: [expect.objectContaining({ containerPort: 8080, protocol: "tcp" })],
      environment: [{ name: "REGION", value: "eu-west-1" }],
      secrets: [{ name: "SEARCH_KEY", valueFrom: "mcpflow/test/io.github.acme/search/search-key" }],
    });
    expect(runner).toMatchObject({
      name: "runner",
      image: RUNNER_IMAGE,
      dependsOn: [{ containerName: "server", condition: "START" }],
    });
    expect(runner!.environment).toContainEqual({
      name: "MCPFLOW_SERVER_URL",
      value: "http://localhost:8080/mcp",
    });
    expect(runner!.secrets ?? []).toEqual([]);
  });

  it("registers a stdio image built FROM the runner base as the runner container itself", async () => {
    const runtime: Runtime = {
      transport: "stdio",
      image: "ghcr.io/acme/files-mcp:1.0.0",
      command: "files-mcp",
    };
    await launcher.register(record("io.github.acme/files", "1.0.0", runtime));
    const definition = await describeFamily(taskFamily("io.github.acme/files", "1.0.0"));
    expect(definition.containerDefinitions).toHaveLength(1);
    expect(definition.containerDefinitions![0]).toMatchObject({
      name: "runner",
      image: "ghcr.io/acme/files-mcp:1.0.0",
    });
  });

  it("never puts a secret value in a task definition", async () => {
    const runtime: Runtime = { transport: "stdio", command: "node", env: { TOKEN: { secret: "token" } } };
    await launcher.register(record("io.github.acme/secretive", "0.1.0", runtime));
    const definition = await describeFamily(taskFamily("io.github.acme/secretive", "0.1.0"));
    const text = JSON.stringify(definition);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).toContain('"valueFrom":"mcpflow/test/io.github.acme/secretive/token"');
  });

  it("registers nothing for a remote Streamable HTTP URL", async () => {
    const remote = record("io.github.acme/remote", "1.0.0", {
      transport: "streamable-http",
      url: "https://mcp.example.com/mcp",
    });
    expect(await launcher.register(remote)).toEqual({});
  });

  /** No EC2 client is installed: moto's default VPC subnet and security group via the EC2 query API (unsigned). */
  async function defaultNetwork(): Promise<{ subnet: string; securityGroup: string }> {
    const query = async (action: string) => {
      const response = await fetch(moto.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `AWS4-HMAC-SHA256 Credential=moto/20200101/${MOTO_REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: `Action=${action}&Version=2016-11-15`,
      });
      return response.text();
    };
    const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(await query("DescribeSubnets"))?.[1];
    const securityGroup = /<groupId>([^<]+)<\/groupId>/.exec(await query("DescribeSecurityGroups"))?.[1];
    if (!subnet || !securityGroup) throw new Error("moto has no default VPC");
    return { subnet, securityGroup };
  }

  it("runs the registered task on a cluster with the runner's overrides, as the compiled Task state does", async () => {
    const { subnet, securityGroup } = await defaultNetwork();
    const cluster = await client.send(new CreateClusterCommand({ clusterName: "mcpflow-test" }));
    await launcher.register(
      record("io.github.acme/runnable", "1.0.0", { transport: "stdio", command: "node" }),
    );
    const ran = await client.send(
      new RunTaskCommand({
        cluster: cluster.cluster!.clusterArn,
        taskDefinition: taskFamily("io.github.acme/runnable", "1.0.0"),
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [subnet],
            securityGroups: [securityGroup],
            assignPublicIp: "DISABLED",
          },
        },
        overrides: {
          containerOverrides: [{ name: "runner", environment: [{ name: "MCPFLOW_RUN_ID", value: "run-1" }] }],
        },
      }),
    );
    expect(ran.failures ?? []).toEqual([]);
    expect(ran.tasks).toHaveLength(1);
    expect(ran.tasks![0]).toMatchObject({
      clusterArn: cluster.cluster!.clusterArn,
      launchType: "FARGATE",
      taskDefinitionArn: expect.stringContaining(
        `task-definition/${taskFamily("io.github.acme/runnable", "1.0.0")}:1`,
      ),
    });
  });
});
