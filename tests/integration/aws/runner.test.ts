// The step runner's own duties around the step protocol (which tests/contract/step-host.* proves on every host):
// its task environment, heartbeats, deadlines, the server's env and secrets, a late sidecar, and its exit codes.
// Real MCP servers (server-everything over stdio and HTTP), a real store (dynalite); Step Functions mocked with
// aws-sdk-client-mock.

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
import { EXIT_CODES, type RunnerDeps, runFromEnv } from "../../../functions/runner/runner.js";
import { connectServer } from "../../../shared/mcp/connect.js";
import { MCP_RUNNER_ERROR, MCP_SERVER_ERROR } from "../../../shared/mcp/errors.js";
import type { ConnectFn } from "../../../shared/mcp/pool.js";
import { isAlive } from "../../../shared/mcp/process-tree.js";
import { type StepName, useStepHostWorld, WORKFLOW } from "../../contract/step-host.contract.js";
import { freePort } from "../../helpers/ports.js";
import { EVERYTHING_BIN, FIXTURE_SERVER } from "../mcp/npm-servers.js";

const sfnMock = mockClient(SFNClient);
const sfn = new SFNClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });

const world = useStepHostWorld();

/** The task environment the ECS launcher and the compiled Task give the runner, for `step` of a new run. */
async function taskEnv(step: StepName, input: Record<string, unknown> = {}) {
  return {
    MCPFLOW_TASK_TOKEN: "task-token-1",
    MCPFLOW_RUN_ID: await world.newRun(input),
    MCPFLOW_STEP_ID: step,
    MCPFLOW_WORKFLOW: WORKFLOW,
    MCPFLOW_WORKFLOW_VERSION: "1",
    MCPFLOW_SERVER_COMMAND: process.execPath,
    MCPFLOW_SERVER_ARGS: JSON.stringify([EVERYTHING_BIN, "stdio"]),
  };
}
const FAST = { heartbeatIntervalMs: 60_000, startTimeoutMs: 15_000, closeGraceMs: 300 };

function deps(extra: Partial<RunnerDeps> = {}): RunnerDeps {
  return { sfn, store: world.store, ...extra };
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
  it("reports a server that cannot start as Mcp.ServerError with its stderr, secrets masked", async () => {
    const env = {
      ...(await taskEnv("echo", { message: "hi" })),
      MCPFLOW_SERVER_ARGS: JSON.stringify([
        "-e",
        "console.error('bad key ' + process.env.API_TOKEN); process.exit(1)",
      ]),
      MCPFLOW_SERVER_ENV_KEYS: JSON.stringify(["API_TOKEN"]),
      API_TOKEN: "tok-abcdef-123",
    };
    expect(await runFromEnv(env, deps(), FAST)).toBe(EXIT_CODES.reported);
    const { error, cause } = failure();
    expect(error).toBe(MCP_SERVER_ERROR);
    expect(cause.message).toBe("MCP server failed to start: exited with code 1 before answering initialize");
    expect(cause.stderr).toEqual(["bad key ***"]);
    expect(JSON.stringify(sfnMock.calls().map((c) => c.args[0].input))).not.toContain("tok-abcdef-123");
    const run = await world.runs().get(env.MCPFLOW_RUN_ID, { steps: true });
    expect(JSON.stringify(run)).not.toContain("tok-abcdef-123");
  });

  it("forwards only the declared server env to the server, never the task token or AWS credentials", async () => {
    const env = {
      ...(await taskEnv("env")),
      MCPFLOW_SERVER_ENV_KEYS: JSON.stringify(["API_TOKEN", "MCPFLOW_TASK_TOKEN", "AWS_SECRET_ACCESS_KEY"]),
      API_TOKEN: "tok-1",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      UNRELATED: "x",
    };
    expect(await runFromEnv(env, deps(), FAST)).toBe(EXIT_CODES.reported);
    const serverEnv = successOutput().output.json as Record<string, string>;
    // It reached the server whole; the output the runner reports has it masked (issue 10, finding 2).
    expect(serverEnv.API_TOKEN).toBe("***");
    expect(serverEnv.MCPFLOW_TASK_TOKEN).toBeUndefined();
    expect(serverEnv.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(serverEnv.UNRELATED).toBeUndefined();
    // A scratch folder of its own is its HOME and temp folder, not the runner's (decision 0005).
    expect(serverEnv.HOME).toMatch(/mcpflow-server-/);
    expect(serverEnv.TMPDIR).toBe(serverEnv.HOME);
  });

  it("keeps heartbeating while a tool hangs, then reports the timeout and leaves no server behind", async () => {
    let pid = 0;
    const tracking: ConnectFn = async (runtime, options) => {
      const connection = await connectServer(runtime, options);
      pid = connection.pid!;
      return connection;
    };
    const env = {
      ...(await taskEnv("hang")),
      MCPFLOW_SERVER_ARGS: JSON.stringify([FIXTURE_SERVER]),
    };
    const started = Date.now();
    const code = await runFromEnv(env, deps({ connect: tracking }), { ...FAST, heartbeatIntervalMs: 200 });
    const elapsed = Date.now() - started;
    expect(code).toBe(EXIT_CODES.reported);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand).length).toBeGreaterThanOrEqual(4);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)[0]!.args[0].input).toEqual({
      taskToken: "task-token-1",
    });
    const { error, cause } = failure();
    expect(error).toBe("States.Timeout");
    expect(cause.message).toMatch(/did not answer within 2s/);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(2000 + 8000); // generous: includes the server start on a loaded machine
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
      const {
        MCPFLOW_SERVER_COMMAND: _c,
        MCPFLOW_SERVER_ARGS: _a,
        ...env
      } = await taskEnv("echo", {
        message: "sidecar",
      });
      const code = await runFromEnv(
        { ...env, MCPFLOW_SERVER_URL: `http://127.0.0.1:${port}/mcp` },
        deps(),
        FAST,
      );
      expect(code).toBe(EXIT_CODES.reported);
      expect(successOutput().output.text).toBe("Echo: sidecar");
    } finally {
      clearTimeout(late);
      sidecar?.kill("SIGKILL");
    }
  });

  it("exits non-zero when Step Functions rejects the report", async () => {
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ message: "Task Timed Out", $metadata: {} }));
    expect(await runFromEnv(await taskEnv("echo", { message: "hi" }), deps(), FAST)).toBe(
      EXIT_CODES.reportFailed,
    );
  });

  it("stops and exits non-zero when a heartbeat says the task timed out", async () => {
    sfnMock
      .on(SendTaskHeartbeatCommand)
      .rejects(new TaskTimedOut({ message: "Task Timed Out", $metadata: {} }));
    // The 10-minute call ended within the test: the heartbeat's answer stopped it, however late load made it.
    expect(await runFromEnv(await taskEnv("long"), deps(), { ...FAST, heartbeatIntervalMs: 200 })).toBe(
      EXIT_CODES.reportFailed,
    );
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it("exits 2 without calling Step Functions when there is no task token", async () => {
    const { MCPFLOW_TASK_TOKEN: _token, ...env } = await taskEnv("echo");
    expect(await runFromEnv(env, deps(), FAST)).toBe(EXIT_CODES.config);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it("reports Mcp.RunnerError when the environment is incomplete but has a task token", async () => {
    const { MCPFLOW_WORKFLOW: _workflow, ...env } = await taskEnv("echo");
    expect(await runFromEnv({ ...env, MCPFLOW_SERVER_URL: "http://127.0.0.1:1/mcp" }, deps(), FAST)).toBe(
      EXIT_CODES.reported,
    );
    const { error, cause } = failure();
    expect(error).toBe(MCP_RUNNER_ERROR);
    expect(cause.message).toContain("MCPFLOW_WORKFLOW");
    expect(cause.message).toContain("set exactly one of MCPFLOW_SERVER_URL and MCPFLOW_SERVER_COMMAND");
  });

  it("reports Mcp.RunnerError when the task has no run store to load the step from", async () => {
    expect(await runFromEnv(await taskEnv("echo"), deps({ store: undefined }), FAST)).toBe(
      EXIT_CODES.reported,
    );
    const { error, cause } = failure();
    expect(error).toBe(MCP_RUNNER_ERROR);
    expect(cause.message).toContain("MCPFLOW_TABLE and MCPFLOW_BUCKET must be set");
  });

  it("exits non-zero when SendTaskFailure itself fails", async () => {
    sfnMock.on(SendTaskFailureCommand).rejects(new Error("network down"));
    expect(await runFromEnv(await taskEnv("broken"), deps(), FAST)).toBe(EXIT_CODES.reportFailed);
  });
});
