// The step runner against a real MCP server (server-everything over stdio), Step Functions mocked with
// aws-sdk-client-mock: what it reports in each outcome, and its exit code.

import { type ChildProcess, spawn } from "node:child_process";
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StepRefs } from "../../../functions/runner/config.js";
import { EXIT_CODES, type RunnerDeps, runFromEnv, type StepCall } from "../../../functions/runner/runner.js";
import { connectServer } from "../../../shared/mcp/connect.js";
import {
  MCP_RUNNER_ERROR,
  MCP_SERVER_ERROR,
  MCP_TIMEOUT,
  MCP_TOOL_ERROR,
} from "../../../shared/mcp/errors.js";
import type { ConnectFn } from "../../../shared/mcp/pool.js";
import { isAlive } from "../../../shared/mcp/process-tree.js";
import { freePort } from "../../helpers/ports.js";
import { EVERYTHING_BIN } from "../../integration/mcp/npm-servers.js";

const sfnMock = mockClient(SFNClient);
const sfn = new SFNClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });

const BASE_ENV = {
  MCPFLOW_TASK_TOKEN: "task-token-1",
  MCPFLOW_RUN_ID: "run-1",
  MCPFLOW_STEP_ID: "fetch",
  MCPFLOW_WORKFLOW: "acme/report",
  MCPFLOW_WORKFLOW_VERSION: "3",
  MCPFLOW_SERVER_COMMAND: process.execPath,
  MCPFLOW_SERVER_ARGS: JSON.stringify([EVERYTHING_BIN, "stdio"]),
};
const FAST = { heartbeatIntervalMs: 60_000, startTimeoutMs: 15_000, closeGraceMs: 300 };

interface Harness {
  deps: RunnerDeps;
  loaded: StepRefs[];
  blobs: Map<string, Uint8Array>;
}

function harness(call: StepCall | (() => Promise<StepCall>), extra: Partial<RunnerDeps> = {}): Harness {
  const loaded: StepRefs[] = [];
  const blobs = new Map<string, Uint8Array>();
  return {
    loaded,
    blobs,
    deps: {
      sfn,
      blobs: { put: async (key, bytes) => void blobs.set(key, bytes) },
      loadStepCall: async (refs) => {
        loaded.push(refs);
        return typeof call === "function" ? call() : call;
      },
      ...extra,
    },
  };
}

function successOutput(): { status: string; output: Record<string, unknown> } {
  const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.args[0].input.taskToken).toBe("task-token-1");
  return JSON.parse(calls[0]!.args[0].input.output!);
}

function failure(): { error: string; cause: { message: string; tool?: string; stderr?: string[] } } {
  const calls = sfnMock.commandCalls(SendTaskFailureCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]!.args[0].input;
  expect(input.taskToken).toBe("task-token-1");
  return { error: input.error!, cause: JSON.parse(input.cause!) };
}

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
  sfnMock.on(SendTaskHeartbeatCommand).resolves({});
});
afterEach(() => {
  sfnMock.reset();
});

describe("runner", () => {
  it("reports SendTaskSuccess with the normalised output and exits 0", async () => {
    const h = harness({ tool: "echo", arguments: { message: "hi" }, timeoutSeconds: 10 });
    const code = await runFromEnv({ ...BASE_ENV, MCPFLOW_ITEM_INDEX: "4" }, h.deps, FAST);
    expect(code).toBe(EXIT_CODES.reported);
    expect(h.loaded).toEqual([
      { runId: "run-1", stepId: "fetch", itemIndex: 4, workflow: "acme/report", workflowVersion: "3" },
    ]);
    expect(successOutput()).toEqual({
      status: "SUCCEEDED",
      output: { text: "Echo: hi", json: null, content: [{ type: "text", text: "Echo: hi" }] },
    });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it("reports structured content as output.json", async () => {
    const h = harness({
      tool: "get-structured-content",
      arguments: { location: "New York" },
      timeoutSeconds: 10,
    });
    expect(await runFromEnv(BASE_ENV, h.deps, FAST)).toBe(EXIT_CODES.reported);
    expect(successOutput().output.json).toEqual({ temperature: 33, conditions: "Cloudy", humidity: 82 });
  });

  it("reports a tool error as SendTaskFailure Mcp.ToolError", async () => {
    const h = harness({ tool: "echo", arguments: { message: 42 }, timeoutSeconds: 10 });
    expect(await runFromEnv(BASE_ENV, h.deps, FAST)).toBe(EXIT_CODES.reported);
    const { error, cause } = failure();
    expect(error).toBe(MCP_TOOL_ERROR);
    expect(cause.tool).toBe("echo");
    expect(cause.message).toMatch(/tool "echo" failed: .*Input validation error/);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it("reports a server that dies mid-call as Mcp.ServerError", async () => {
    const killing: ConnectFn = async (runtime, options) => {
      const connection = await connectServer(runtime, options);
      setTimeout(() => process.kill(connection.pid!, "SIGKILL"), 300);
      return connection;
    };
    const h = harness(
      { tool: "trigger-long-running-operation", arguments: { duration: 10, steps: 10 }, timeoutSeconds: 20 },
      { connect: killing },
    );
    const started = Date.now();
    expect(await runFromEnv(BASE_ENV, h.deps, FAST)).toBe(EXIT_CODES.reported);
    const { error, cause } = failure();
    expect(error).toBe(MCP_SERVER_ERROR);
    expect(cause.message).toMatch(
      /closed the connection during tools\/call "trigger-long-running-operation" \(it was killed by SIGKILL\)/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("reports a server that cannot start as Mcp.ServerError with its stderr, secrets masked", async () => {
    const h = harness({ tool: "echo", arguments: { message: "hi" }, timeoutSeconds: 10 });
    const env = {
      ...BASE_ENV,
      MCPFLOW_SERVER_ARGS: JSON.stringify([
        "-e",
        "console.error('bad key ' + process.env.API_TOKEN); process.exit(1)",
      ]),
      MCPFLOW_SERVER_ENV_KEYS: JSON.stringify(["API_TOKEN"]),
      API_TOKEN: "tok-abcdef-123",
    };
    expect(await runFromEnv(env, h.deps, FAST)).toBe(EXIT_CODES.reported);
    const { error, cause } = failure();
    expect(error).toBe(MCP_SERVER_ERROR);
    expect(cause.message).toBe("MCP server failed to start: exited with code 1 before answering initialize");
    expect(cause.stderr).toEqual(["bad key ***"]);
    expect(JSON.stringify(sfnMock.calls().map((c) => c.args[0].input))).not.toContain("tok-abcdef-123");
  });

  it("forwards only the declared server env to the server, never the task token or AWS credentials", async () => {
    const h = harness({ tool: "get-env", arguments: {}, timeoutSeconds: 10 });
    const env = {
      ...BASE_ENV,
      MCPFLOW_SERVER_ENV_KEYS: JSON.stringify(["API_TOKEN", "MCPFLOW_TASK_TOKEN", "AWS_SECRET_ACCESS_KEY"]),
      API_TOKEN: "tok-1",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      UNRELATED: "x",
    };
    expect(await runFromEnv(env, h.deps, FAST)).toBe(EXIT_CODES.reported);
    const serverEnv = successOutput().output.json as Record<string, string>;
    // It reached the server whole; the output the runner reports has it masked (issue 10, finding 2).
    expect(serverEnv.API_TOKEN).toBe("***");
    expect(serverEnv.MCPFLOW_TASK_TOKEN).toBeUndefined();
    expect(serverEnv.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(serverEnv.UNRELATED).toBeUndefined();
  });

  it("keeps heartbeating while a tool hangs, then reports Mcp.Timeout at the deadline", async () => {
    let pid = 0;
    const tracking: ConnectFn = async (runtime, options) => {
      const connection = await connectServer(runtime, options);
      pid = connection.pid!;
      return connection;
    };
    const h = harness(
      { tool: "trigger-long-running-operation", arguments: { duration: 30, steps: 30 }, timeoutSeconds: 1.5 },
      { connect: tracking },
    );
    const started = Date.now();
    const code = await runFromEnv(BASE_ENV, h.deps, { ...FAST, heartbeatIntervalMs: 200 });
    const elapsed = Date.now() - started;
    expect(code).toBe(EXIT_CODES.reported);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand).length).toBeGreaterThanOrEqual(4);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)[0]!.args[0].input).toEqual({
      taskToken: "task-token-1",
    });
    const { error, cause } = failure();
    expect(error).toBe(MCP_TIMEOUT);
    expect(cause.message).toMatch(/did not answer .*within 1\.5s/);
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(1500 + 8000); // generous: includes the server start on a loaded machine
    expect(isAlive(pid)).toBe(false);
  });

  it("waits for a sidecar HTTP server that opens its port late, then calls it", async () => {
    const port = await freePort();
    let sidecar: ChildProcess | undefined;
    const late = setTimeout(() => {
      sidecar = spawn(process.execPath, [EVERYTHING_BIN, "streamableHttp"], {
        env: { PATH: process.env.PATH, PORT: String(port) },
        stdio: "ignore",
      });
    }, 1000);
    try {
      const h = harness({ tool: "echo", arguments: { message: "sidecar" }, timeoutSeconds: 10 });
      const { MCPFLOW_SERVER_COMMAND: _c, MCPFLOW_SERVER_ARGS: _a, ...env } = BASE_ENV;
      const code = await runFromEnv(
        { ...env, MCPFLOW_SERVER_URL: `http://127.0.0.1:${port}/mcp` },
        h.deps,
        FAST,
      );
      expect(code).toBe(EXIT_CODES.reported);
      expect(successOutput().output.text).toBe("Echo: sidecar");
    } finally {
      clearTimeout(late);
      sidecar?.kill("SIGKILL");
    }
  });

  it("puts an output over the inline limit in a blob and reports a reference with a text preview", async () => {
    const message = "x".repeat(300_000);
    const h = harness({ tool: "echo", arguments: { message }, timeoutSeconds: 20 });
    expect(await runFromEnv({ ...BASE_ENV, MCPFLOW_ITEM_INDEX: "2" }, h.deps, FAST)).toBe(
      EXIT_CODES.reported,
    );
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    const raw = calls[0]!.args[0].input.output!;
    expect(Buffer.byteLength(raw)).toBeLessThan(256 * 1024);
    const sent = JSON.parse(raw) as {
      status: string;
      output: { blob: { key: string; bytes: number }; text: string };
    };
    expect(sent.status).toBe("SUCCEEDED");
    expect(sent.output.blob.key).toMatch(/^runs\/run-1\/steps\/fetch\/items\/2\/[0-9a-f]{16}\/output\.json$/);
    expect(sent.output.blob.key).not.toContain("task-token-1");
    expect(sent.output.text.startsWith("Echo: xxx")).toBe(true);
    expect(sent.output.text.length).toBeLessThanOrEqual(4097);
    const stored = h.blobs.get(sent.output.blob.key)!;
    expect(stored.byteLength).toBe(sent.output.blob.bytes);
    const full = JSON.parse(Buffer.from(stored).toString("utf8"));
    expect(full.text).toBe(`Echo: ${message}`);
    expect(full.json).toBeNull();
  });

  it("exits non-zero when Step Functions rejects the report", async () => {
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ message: "Task Timed Out", $metadata: {} }));
    const h = harness({ tool: "echo", arguments: { message: "hi" }, timeoutSeconds: 10 });
    expect(await runFromEnv(BASE_ENV, h.deps, FAST)).toBe(EXIT_CODES.reportFailed);
  });

  it("stops and exits non-zero when a heartbeat says the task timed out", async () => {
    sfnMock
      .on(SendTaskHeartbeatCommand)
      .rejects(new TaskTimedOut({ message: "Task Timed Out", $metadata: {} }));
    const h = harness({
      tool: "trigger-long-running-operation",
      arguments: { duration: 30, steps: 30 },
      timeoutSeconds: 30,
    });
    const started = Date.now();
    expect(await runFromEnv(BASE_ENV, h.deps, { ...FAST, heartbeatIntervalMs: 200 })).toBe(
      EXIT_CODES.reportFailed,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it("exits 2 without calling Step Functions when there is no task token", async () => {
    const { MCPFLOW_TASK_TOKEN: _token, ...env } = BASE_ENV;
    const h = harness({ tool: "echo", arguments: { message: "hi" }, timeoutSeconds: 10 });
    expect(await runFromEnv(env, h.deps, FAST)).toBe(EXIT_CODES.config);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(h.loaded).toHaveLength(0);
  });

  it("reports Mcp.RunnerError when the environment is incomplete but has a task token", async () => {
    const { MCPFLOW_WORKFLOW: _workflow, ...env } = BASE_ENV;
    const h = harness({ tool: "echo", arguments: { message: "hi" }, timeoutSeconds: 10 });
    expect(await runFromEnv({ ...env, MCPFLOW_SERVER_URL: "http://127.0.0.1:1/mcp" }, h.deps, FAST)).toBe(
      EXIT_CODES.reported,
    );
    const { error, cause } = failure();
    expect(error).toBe(MCP_RUNNER_ERROR);
    expect(cause.message).toContain("MCPFLOW_WORKFLOW");
    expect(cause.message).toContain("set exactly one of MCPFLOW_SERVER_URL and MCPFLOW_SERVER_COMMAND");
  });

  it("reports Mcp.RunnerError when the step call cannot be loaded", async () => {
    const h = harness(async () => {
      throw new Error("step fetch not found in run run-1");
    });
    expect(await runFromEnv(BASE_ENV, h.deps, FAST)).toBe(EXIT_CODES.reported);
    const { error, cause } = failure();
    expect(error).toBe(MCP_RUNNER_ERROR);
    expect(cause.message).toBe("could not load the step call: step fetch not found in run run-1");
  });

  it("exits non-zero when SendTaskFailure itself fails", async () => {
    sfnMock.on(SendTaskFailureCommand).rejects(new Error("network down"));
    const h = harness({ tool: "echo", arguments: { message: 42 }, timeoutSeconds: 10 });
    expect(await runFromEnv(BASE_ENV, h.deps, FAST)).toBe(EXIT_CODES.reportFailed);
  });
});
