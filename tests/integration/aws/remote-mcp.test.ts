// The remote MCP invoker Lambda against a REAL MCP server over Streamable HTTP (server-everything) and a real
// embedded platform store; only Step Functions is mocked (aws-sdk-client-mock), as nothing here can run it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRemoteMcpHandler, handler } from "../../../functions/invoker/remote-mcp.js";
import { serveFromEnv } from "../../../functions/runner/host.js";
import { type LocalPlatform, startLocalPlatform } from "../../../local/platform.js";
import { createServices } from "../../../shared/compose.js";
import type { Caller } from "../../../shared/identity/roles.js";
import { getPlatform, type Platform } from "../../../shared/platform.js";
import { approveRuntime, runPermission } from "../../../shared/registry/approval.js";
import { grantSecret } from "../../../shared/registry/secret-grants.js";
import { Registry } from "../../../shared/registry/service.js";
import { hostKeySha256, newHostKey } from "../../../shared/runs/host-key.js";
import { newRunId, Runs } from "../../../shared/runs/store.js";
import { WorkflowDefinition } from "../../../shared/workflows/definition.js";
import { prepareWorkflow } from "../../../shared/workflows/prepare.js";
import { EVERYTHING_BIN, startEverythingHttp } from "../mcp/npm-servers.js";

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
});

const editor: Caller = { id: "user:editor", kind: "user", name: "editor", role: "editor" };
const admin: Caller = { id: "user:admin", kind: "user", name: "admin", role: "admin" };
const API_KEY = "remote-api-key-0123456789";

describe("remote MCP invoker", () => {
  const sfn = mockClient(SFNClient);
  let everything: Awaited<ReturnType<typeof startEverythingHttp>>;
  let url: string;
  let home: string;
  let local: LocalPlatform;
  let platform: Platform;

  beforeAll(async () => {
    everything = await startEverythingHttp();
    url = everything.url;

    home = await mkdtemp(join(tmpdir(), "mcpflow-remote-"));
    local = await startLocalPlatform({ home, port: 0 });
    platform = await getPlatform();
    const registry = new Registry(platform.table);
    await registry.publish(
      {
        name: "io.github.test/everything",
        description: "everything over HTTP",
        version: "1.0.0",
        runtime: { transport: "streamable-http", url },
      },
      editor,
    );
    await registry.publish(
      {
        name: "io.github.test/keyed",
        description: "everything behind an API key",
        version: "1.0.0",
        runtime: { transport: "streamable-http", url, headers: { "x-api-key": { secret: "api-key" } } },
      },
      editor,
    );
    // An admin approved both runtimes, and granted the keyed server its key (set later, in a test below).
    for (const name of ["io.github.test/everything", "io.github.test/keyed"]) {
      const record = await registry.getVersion(name, "1.0.0");
      const digest = (await runPermission(platform.table, record)).runtimeDigest!;
      await approveRuntime(platform.table, record, digest, admin);
    }
    await grantSecret(platform.table, "io.github.test/keyed", "api-key", "1.0.0", admin);
    const { workflows } = createServices(platform, { prepareWorkflow });
    await workflows.create(
      WorkflowDefinition.parse({
        name: "remote-echo",
        steps: [
          {
            id: "echo",
            server: "io.github.test/everything@1.0.0",
            tool: "echo",
            arguments: { message: "{{ input.message }}" },
          },
          {
            id: "broken",
            server: "io.github.test/everything@1.0.0",
            tool: "no-such-tool",
            depends_on: ["echo"],
          },
          {
            id: "keyed",
            server: "io.github.test/keyed@1.0.0",
            tool: "echo",
            arguments: { message: "with key" },
          },
          {
            id: "slow",
            server: "io.github.test/everything@1.0.0",
            tool: "trigger-long-running-operation",
            arguments: { duration: 3, steps: 3 },
            timeout_seconds: 30,
          },
          {
            // A call that would outlast the test: it ends only when something cuts it.
            id: "stalled",
            server: "io.github.test/everything@1.0.0",
            tool: "trigger-long-running-operation",
            arguments: { duration: 600, steps: 1 },
            timeout_seconds: 900,
          },
        ],
      }),
      editor,
    );
  });
  afterAll(async () => {
    sfn.restore();
    await local?.stop();
    if (home) await rm(home, { recursive: true, force: true });
    await everything?.stop();
  });
  beforeEach(() => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });

  async function newRun(input: unknown): Promise<string> {
    const id = newRunId();
    await new Runs(platform).create({
      id,
      workflow: "remote-echo",
      version: 1,
      input,
      startedBy: "user:editor",
    });
    return id;
  }
  // What a compiled step sends (statemachines/compile.ts): ids and the run's context; the step's server is read
  // from the workflow version.
  const payload = (runId: string, stepId: string, _server = "io.github.test/everything@1.0.0") => ({
    taskToken: `token-${runId}-${stepId}`,
    stepId,
    run: { id: runId, workflow: "remote-echo", version: "1", executor: "arn:aws:lambda:::function:x" },
  });

  it("calls the tool over Streamable HTTP, records the step and sends SendTaskSuccess with the output", async () => {
    const runId = await newRun({ message: "hello remote" });
    expect(await handler(payload(runId, "echo"))).toEqual({ status: "SUCCEEDED" });

    const calls = sfn.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.taskToken).toBe(`token-${runId}-echo`);
    const sent = JSON.parse(calls[0]!.args[0].input.output!);
    expect(sent).toEqual({
      status: "SUCCEEDED",
      output: expect.objectContaining({ text: "Echo: hello remote" }),
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);

    const run = await new Runs(platform).get(runId, { steps: true });
    expect(run.steps?.find((s) => s.stepId === "echo")).toMatchObject({
      status: "SUCCEEDED",
      attempts: 1,
      tool: "echo",
      server: "io.github.test/everything@1.0.0",
      arguments: { message: "hello remote" },
      output: { text: "Echo: hello remote" },
    });
  });

  it("reports a tool the server does not have as Mcp.ToolError with SendTaskFailure, and records it", async () => {
    const runId = await newRun({ message: "x" });
    expect(await handler(payload(runId, "broken"))).toEqual({ status: "FAILED", error: "Mcp.ToolError" });
    const failure = sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input;
    expect(failure).toMatchObject({ taskToken: `token-${runId}-broken`, error: "Mcp.ToolError" });
    expect(failure.cause).toContain("no-such-tool");
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    const step = (await new Runs(platform).get(runId, { steps: true })).steps?.find(
      (s) => s.stepId === "broken",
    );
    expect(step).toMatchObject({ status: "FAILED", error: { error: "Mcp.ToolError" } });
  });

  it("fails with Mcp.ServerError naming a missing secret, then succeeds once it is set, never sending its value", async () => {
    const first = await newRun({});
    expect(await handler(payload(first, "keyed", "io.github.test/keyed@1.0.0"))).toMatchObject({
      status: "FAILED",
      error: "Mcp.ServerError",
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input.cause).toContain("api-key");

    await platform.secrets.put("io.github.test/keyed", "api-key", API_KEY);
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    const second = await newRun({});
    expect(await handler(payload(second, "keyed", "io.github.test/keyed@1.0.0"))).toEqual({
      status: "SUCCEEDED",
    });
    expect(JSON.stringify(sfn.calls().map((call) => call.args[0].input))).not.toContain(API_KEY);
  });

  it("reports a step the workflow does not have as Mcp.RunnerError", async () => {
    const runId = await newRun({});
    expect(await handler(payload(runId, "ghost"))).toEqual({ status: "FAILED", error: "Mcp.RunnerError" });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input.cause).toMatch(/no step ghost/);
  });

  it("does not throw when Step Functions no longer knows the token (the task timed out meanwhile)", async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error("Task Timed Out"), { name: "TaskTimedOut" }));
    const runId = await newRun({ message: "late" });
    expect(await handler(payload(runId, "echo"))).toEqual({ status: "NOT_REPORTED" });
  });

  it("heartbeats while a call lasts longer than the state's HeartbeatSeconds, stops beating, then reports", async () => {
    sfn.on(SendTaskHeartbeatCommand).resolves({});
    const invoke = createRemoteMcpHandler({ sfn: new SFNClient({}), heartbeatIntervalMs: 200 });
    const runId = await newRun({});
    expect(await invoke(payload(runId, "slow"))).toEqual({ status: "SUCCEEDED" });
    const beats = sfn.commandCalls(SendTaskHeartbeatCommand);
    // 3 s of call at one beat per 200 ms.
    expect(beats.length).toBeGreaterThanOrEqual(8);
    expect(beats[0]!.args[0].input).toEqual({ taskToken: `token-${runId}-slow` });
    const beatsAtReport = beats.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sfn.commandCalls(SendTaskHeartbeatCommand)).toHaveLength(beatsAtReport);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it("stops the call and reports nothing once a heartbeat says the task is gone (a cancel, a timeout)", async () => {
    sfn
      .on(SendTaskHeartbeatCommand)
      .rejects(Object.assign(new Error("Task Timed Out"), { name: "TaskTimedOut" }));
    const invoke = createRemoteMcpHandler({ sfn: new SFNClient({}), heartbeatIntervalMs: 200 });
    const runId = await newRun({});
    // The 10-minute call (its step's timeout 15) returned: the first beat's answer cut it, whatever load did to when.
    expect(await invoke(payload(runId, "stalled"))).toEqual({ status: "NOT_REPORTED" });
    expect(sfn.commandCalls(SendTaskHeartbeatCommand)).toHaveLength(1);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  describe("a step whose server is one of the run's tasks (decision 0008)", () => {
    /** A real host (the runner in host mode) serving server-everything over stdio, keyed with the run's key. */
    async function startHost(key: string) {
      sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" });
      const stop = new AbortController();
      const served = serveFromEnv(
        {
          MCPFLOW_RUNNER_MODE: "host",
          MCPFLOW_TASK_TOKEN: "start-token",
          MCPFLOW_RUN_ID: "run-host",
          MCPFLOW_EXECUTION_ARN: "arn:aws:states:eu-west-1:123456789012:execution:mcpflow-test-w:run-host",
          MCPFLOW_HOST_KEY_SHA256: hostKeySha256(key),
          MCPFLOW_HOST_PORT: "0",
          MCPFLOW_HOST_ADDRESS: "127.0.0.1",
          MCPFLOW_SERVER_COMMAND: process.execPath,
          MCPFLOW_SERVER_ARGS: JSON.stringify([EVERYTHING_BIN, "stdio"]),
        },
        { sfn: new SFNClient({}), stop: stop.signal },
      );
      const deadline = Date.now() + 20_000;
      while (sfn.commandCalls(SendTaskSuccessCommand).length === 0) {
        if (Date.now() > deadline) throw new Error("the host never reported");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const report = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
      sfn.resetHistory();
      return { url: String(report.url), stop: () => stop.abort(), served };
    }
    async function keyedRun(input: unknown): Promise<{ runId: string; key: string }> {
      const runId = newRunId();
      const key = newHostKey();
      await new Runs(platform).create({
        id: runId,
        workflow: "remote-echo",
        version: 1,
        input,
        startedBy: "user:editor",
        hostKey: key,
      });
      return { runId, key };
    }
    const failureOf = () => sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;

    it("calls the tool through the host with the run's key, under the host rule (loopback admitted by the test flag)", async () => {
      const { runId, key } = await keyedRun({ message: "through the host" });
      const host = await startHost(key);
      vi.stubEnv("MCPFLOW_HOST_ALLOW_LOOPBACK", "1");
      try {
        const event = { ...payload(runId, "echo"), host: { url: host.url } };
        expect(await handler(event)).toEqual({ status: "SUCCEEDED" });
        const sent = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
        expect(sent.output.text).toBe("Echo: through the host");
        // Another run's key (here: a run whose key is not the host's) is refused by the host.
        const other = await keyedRun({ message: "wrong key" });
        sfn.resetHistory();
        expect(await handler({ ...payload(other.runId, "echo"), host: { url: host.url } })).toEqual({
          status: "FAILED",
          error: "Mcp.ServerError",
        });
        expect(JSON.stringify(failureOf())).not.toContain(other.key);
      } finally {
        vi.unstubAllEnvs();
        host.stop();
        expect(await host.served).toBe(0);
      }
    });

    it("refuses a host that is not a private IPv4 literal on the host port, without connecting", async () => {
      const { runId } = await keyedRun({ message: "x" });
      // Loopback without the test flag, a public address, the metadata service, a name, https, another port.
      for (const url of [
        "http://127.0.0.1:7777/mcp",
        "http://8.8.8.8:7777/mcp",
        "http://169.254.169.254:7777/mcp",
        "http://host.internal:7777/mcp",
        "https://10.0.1.2:7777/mcp",
        "http://10.0.1.2:22/mcp",
      ]) {
        sfn.resetHistory();
        expect(await handler({ ...payload(runId, "echo"), host: { url } }), url).toEqual({
          status: "FAILED",
          error: "Mcp.ServerError",
        });
        expect(failureOf()?.cause, url).toMatch(/must/);
      }
    });

    it("fails the step as Mcp.ServerError when its server's task did not start", async () => {
      const { runId } = await keyedRun({ message: "x" });
      const host = { Error: "States.Timeout", Cause: "the server task did not report in 600 s" };
      expect(await handler({ ...payload(runId, "echo"), host })).toEqual({
        status: "FAILED",
        error: "Mcp.ServerError",
      });
      expect(failureOf()?.cause).toContain("did not start: States.Timeout");
      const step = (await new Runs(platform).get(runId, { steps: true })).steps?.find(
        (s) => s.stepId === "echo",
      );
      expect(step).toMatchObject({ status: "FAILED", error: { error: "Mcp.ServerError" } });
    });
  });

  it("refuses a payload without a task token", async () => {
    await expect(handler({ stepId: "s", run: { id: "r", workflow: "w", version: 1 } })).rejects.toThrow();
  });
});
