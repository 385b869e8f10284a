// The runner's server-host mode against a REAL MCP server (server-memory over stdio): it serves the run's server
// over Streamable HTTP to callers holding the run's host key, reports its address with the task token, keeps the
// server's state from one caller to the next (as a run's steps), and ends itself with its run or when idle. Only
// Step Functions is mocked (aws-sdk-client-mock), as nothing here can run it.
import { createHash, randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { serveFromEnv, taskAddress } from "../../../functions/runner/host.js";
import { connectServer } from "../../../shared/mcp/connect.js";
import { childPids, isAlive } from "../../helpers/examples.js";
import { MEMORY_BIN } from "../mcp/npm-servers.js";

const sfn = mockClient(SFNClient);
const memoryFile = join(tmpdir(), `mcpflow-host-memory-${process.pid}.jsonl`);
const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:mcpflow-test-w:run-1";

afterAll(async () => {
  sfn.restore();
  await rm(memoryFile, { force: true });
});
beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" });
});

function hostEnv(key: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    MCPFLOW_RUNNER_MODE: "host",
    MCPFLOW_TASK_TOKEN: "start-token",
    MCPFLOW_RUN_ID: "run-1",
    MCPFLOW_EXECUTION_ARN: EXECUTION,
    MCPFLOW_HOST_KEY_SHA256: createHash("sha256").update(key).digest("hex"),
    MCPFLOW_HOST_PORT: "0",
    MCPFLOW_HOST_ADDRESS: "127.0.0.1",
    MCPFLOW_HOST_CHECK_SECONDS: "0.2",
    MCPFLOW_SERVER_COMMAND: process.execPath,
    MCPFLOW_SERVER_ARGS: JSON.stringify([MEMORY_BIN]),
    MCPFLOW_SERVER_ENV_KEYS: '["MEMORY_FILE_PATH"]',
    MEMORY_FILE_PATH: memoryFile,
    ...extra,
  };
}

/** Starts a host and waits for its report; `served` ends with its exit code. */
async function startHost(env: NodeJS.ProcessEnv, stop?: AbortSignal) {
  const served = serveFromEnv(env, { sfn: new SFNClient({}), ...(stop ? { stop } : {}) });
  const deadline = Date.now() + 20_000;
  while (
    sfn.commandCalls(SendTaskSuccessCommand).length + sfn.commandCalls(SendTaskFailureCommand).length ===
    0
  ) {
    if (Date.now() > deadline) throw new Error("the host never reported");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const success = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
  return { served, url: success ? (JSON.parse(success.output!) as { url: string }).url : undefined };
}

/** A step executor's connection: Streamable HTTP with the run's host key. */
const caller = (url: string, key?: string) =>
  connectServer(
    { transport: "streamable-http", url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) },
    { timeoutMs: 10_000 },
  );

describe("the run's server host", () => {
  it("reports its address, keeps the server's state from one caller to the next, and ends with its run", async () => {
    const key = randomBytes(32).toString("base64url");
    const { served, url } = await startHost(hostEnv(key));
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.taskToken).toBe("start-token");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    // The report carries no key.
    expect(JSON.stringify(sfn.calls().map((c) => c.args[0].input))).not.toContain(key);

    // Two steps, two connections: the second sees what the first wrote (one server process for the run).
    const first = await caller(url!, key);
    const created = await first.callTool(
      "create_entities",
      { entities: [{ name: "Ada", entityType: "person", observations: ["writes programs"] }] },
      { timeoutMs: 10_000 },
    );
    expect(created.isError).toBeFalsy();
    await first.close();
    const second = await caller(url!, key);
    expect((await second.listTools()).map((t) => t.name)).toContain("read_graph");
    const graph = await second.callTool("read_graph", {}, { timeoutMs: 10_000 });
    expect(JSON.stringify(graph.content)).toContain("writes programs");
    await second.close();
    const servers = await childPids(MEMORY_BIN);
    expect(servers).toHaveLength(1);

    // The run ends: at the next check the host stops and ends its server.
    sfn.on(DescribeExecutionCommand).resolves({ status: "SUCCEEDED" });
    expect(await served).toBe(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]!.args[0].input).toEqual({ executionArn: EXECUTION });
    await expect(caller(url!, key)).rejects.toThrow();
    expect(isAlive(servers[0]!)).toBe(false);
  }, 60_000);

  it("answers 401 without the run's key: no header, another key, another scheme", async () => {
    const key = randomBytes(32).toString("base64url");
    const stop = new AbortController();
    const { served, url } = await startHost(hostEnv(key), stop.signal);
    for (const authorization of [undefined, "Bearer wrong", `Basic ${key}`, `Bearer ${key}x`]) {
      const response = await fetch(url!, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(response.status, String(authorization)).toBe(401);
    }
    await expect(caller(url!, "another-run's-key")).rejects.toThrow();
    stop.abort();
    expect(await served).toBe(0);
  }, 60_000);

  it("ends itself once nobody called it for the idle limit, and its server process with it", async () => {
    const key = randomBytes(32).toString("base64url");
    const { served, url } = await startHost(hostEnv(key, { MCPFLOW_HOST_IDLE_SECONDS: "1" }));
    const children = await childPids(MEMORY_BIN);
    expect(children.length).toBeGreaterThan(0);
    // Nothing else ends this host, and the default idle limit is 30 minutes: ending within the test's minute is the
    // 1 s limit's doing, however late load makes it.
    expect(await served).toBe(0);
    await expect(caller(url!, key)).rejects.toThrow();
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  }, 60_000);

  it("reports a server that does not start as Mcp.ServerError with its stderr, and exits", async () => {
    const env = hostEnv("k", {
      MCPFLOW_SERVER_ARGS: JSON.stringify(["-e", "console.error('no config here'); process.exit(3)"]),
    });
    const { served, url } = await startHost(env);
    expect(url).toBeUndefined();
    const failure = sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input;
    expect(failure).toMatchObject({ taskToken: "start-token", error: "Mcp.ServerError" });
    expect(failure.cause).toContain("no config here");
    expect(await served).toBe(0);
  }, 60_000);

  it("refuses a task environment without the run's key hash, reporting why by name", async () => {
    const env = hostEnv("k");
    delete env.MCPFLOW_HOST_KEY_SHA256;
    expect(await serveFromEnv(env, { sfn: new SFNClient({}) })).toBe(0);
    const failure = sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input;
    expect(failure.error).toBe("Mcp.RunnerError");
    expect(failure.cause).toContain("MCPFLOW_HOST_KEY_SHA256");
  });

  it("takes the task's address from the ECS container metadata endpoint (v4) on Fargate", async () => {
    // The metadata endpoint as Fargate serves it to a container (a local double on 127.0.0.1).
    const metadata = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          Name: "runner",
          Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: ["10.0.1.23"] }],
        }),
      );
    });
    metadata.listen(0, "127.0.0.1");
    await new Promise((resolve) => metadata.once("listening", resolve));
    const uri = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/abc`;
    try {
      expect(await taskAddress({ ECS_CONTAINER_METADATA_URI_V4: uri, MCPFLOW_HOST_ADDRESS: "1.2.3.4" })).toBe(
        "10.0.1.23",
      );
    } finally {
      metadata.close();
    }
    expect(await taskAddress({ MCPFLOW_HOST_ADDRESS: "127.0.0.1" })).toBe("127.0.0.1");
    await expect(taskAddress({})).rejects.toThrow(/ECS_CONTAINER_METADATA_URI_V4/);
  });
});
