// The run-status Lambda: EventBridge "Step Functions Execution Status Change" events end runs in a real embedded
// store (the execution name is the run id), once, whatever order or number of times they arrive.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handler, runEndOf } from "../../../functions/events/run-status.js";
import { type LocalPlatform, startLocalPlatform } from "../../../local/platform.js";
import { createServices } from "../../../shared/compose.js";
import type { Caller } from "../../../shared/identity/roles.js";
import { getPlatform, type Platform } from "../../../shared/platform.js";
import { Registry } from "../../../shared/registry/service.js";
import { cancelRun } from "../../../shared/runs/lifecycle.js";
import { newRunId, Runs } from "../../../shared/runs/store.js";
import { WorkflowDefinition } from "../../../shared/workflows/definition.js";
import { prepareWorkflow } from "../../../shared/workflows/prepare.js";

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
});

const editor: Caller = { id: "user:editor", kind: "user", name: "editor", role: "editor" };

function statusChange(runId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    version: "0",
    id: `event-${runId}-${status}`,
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [`arn:aws:states:us-east-1:123456789012:execution:mcpflow-test-status:${runId}`],
    detail: {
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:mcpflow-test-status:${runId}`,
      stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:mcpflow-test-status",
      name: runId,
      status,
      startDate: Date.now() - 1000,
      stopDate: status === "RUNNING" ? null : Date.now(),
      input: "{}",
      output: null,
      ...extra,
    },
  };
}

describe("run-status Lambda", () => {
  let home: string;
  let local: LocalPlatform;
  let platform: Platform;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "mcpflow-status-"));
    local = await startLocalPlatform({ home, port: 0 });
    platform = await getPlatform();
    await new Registry(platform.table).publish(
      {
        name: "io.github.test/remote",
        description: "remote",
        version: "1.0.0",
        runtime: { transport: "streamable-http", url: "http://127.0.0.1:9/mcp" },
      },
      editor,
    );
    await createServices(platform, { prepareWorkflow }).workflows.create(
      WorkflowDefinition.parse({
        name: "status",
        steps: [
          { id: "first", server: "io.github.test/remote@1.0.0", tool: "echo" },
          { id: "second", server: "io.github.test/remote@1.0.0", tool: "echo", depends_on: ["first"] },
        ],
      }),
      editor,
    );
  });
  afterAll(async () => {
    await local?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  async function newRun(): Promise<string> {
    const id = newRunId();
    await new Runs(platform).create({
      id,
      workflow: "status",
      version: 1,
      input: {},
      startedBy: "user:editor",
    });
    return id;
  }

  it("ends a run SUCCEEDED with the output parsed from the event, and settles steps that never ran", async () => {
    const runId = await newRun();
    const result = await handler(
      statusChange(runId, "SUCCEEDED", { output: JSON.stringify({ first: { text: "ok" } }) }),
    );
    expect(result).toEqual({ runId, updated: true });
    const run = await new Runs(platform).get(runId, { steps: true });
    expect(run).toMatchObject({ status: "SUCCEEDED", output: { first: { text: "ok" } } });
    expect(run.endedAt).toBeDefined();
    expect(run.steps?.map((s) => [s.stepId, s.status])).toEqual([
      ["first", "SKIPPED"],
      ["second", "SKIPPED"],
    ]);
    // Its usage from the model (run-status counted nothing): a remote server needs no task; two Pass states.
    expect(run.usage).toMatchObject({ tasks: 0, taskSeconds: 0, stateTransitions: 2, measured: [] });
    expect(run.cost).toMatchObject({ currency: "USD", region: "us-east-1", estimated: true });
  });

  it("ends a run FAILED with the execution's error and cause", async () => {
    const runId = await newRun();
    await handler(
      statusChange(runId, "FAILED", { error: "Mcp.ToolError", cause: 'tool "echo" failed: nope' }),
    );
    const run = await new Runs(platform).get(runId);
    expect(run).toMatchObject({
      status: "FAILED",
      error: { error: "Mcp.ToolError", cause: 'tool "echo" failed: nope' },
    });
  });

  it("maps TIMED_OUT to TIMED_OUT and ABORTED to CANCELLED", async () => {
    const timedOut = await newRun();
    await handler(statusChange(timedOut, "TIMED_OUT"));
    expect(await new Runs(platform).get(timedOut)).toMatchObject({
      status: "TIMED_OUT",
      error: { error: "States.Timeout" },
    });
    const aborted = await newRun();
    await handler(statusChange(aborted, "ABORTED", { error: "Run.Cancelled", cause: "cancelled by editor" }));
    expect(await new Runs(platform).get(aborted)).toMatchObject({
      status: "CANCELLED",
      error: { error: "Run.Cancelled", cause: "cancelled by editor" },
    });
  });

  it("keeps the first end when events repeat or race (a cancel then a late failure)", async () => {
    const runId = await newRun();
    expect((await handler(statusChange(runId, "ABORTED"))).updated).toBe(true);
    expect((await handler(statusChange(runId, "ABORTED"))).updated).toBe(false);
    expect((await handler(statusChange(runId, "FAILED", { error: "States.TaskFailed" }))).updated).toBe(
      false,
    );
    expect((await new Runs(platform).get(runId)).status).toBe("CANCELLED");
  });

  it("settles what the tasks left RUNNING after a cancel ended the run, and no late report overwrites it", async () => {
    // On AWS a cancel ends the run at StopExecution; a Fargate task may still start its step and report later.
    const runId = await newRun();
    const runs = new Runs(platform);
    await cancelRun(platform, runId);
    const attempt = await runs.stepStarted(runId, {
      stepId: "first",
      tool: "echo",
      server: "io.github.test/remote@1.0.0",
      arguments: {},
    });
    expect(await handler(statusChange(runId, "ABORTED", { error: "Run.Cancelled" }))).toEqual({
      runId,
      updated: false,
    });
    const late = await runs.stepEnded(
      runId,
      { stepId: "first" },
      { status: "SUCCEEDED", output: { text: "too late" } },
      { attempt },
    );
    expect(late.superseded).toBe(true);
    const run = await runs.get(runId, { steps: true });
    expect(run.status).toBe("CANCELLED");
    expect(run.steps?.map((s) => [s.stepId, s.status, s.error?.error])).toEqual([
      ["first", "CANCELLED", "Run.Cancelled"],
      ["second", "NOT_RUN", undefined],
    ]);
  });

  it("ignores RUNNING, executions with no run, and events of another kind", async () => {
    const runId = await newRun();
    expect(await handler(statusChange(runId, "RUNNING"))).toEqual({ runId, updated: false });
    expect((await new Runs(platform).get(runId)).status).toBe("RUNNING");
    expect(await handler(statusChange("not-a-run", "SUCCEEDED"))).toEqual({
      runId: "not-a-run",
      updated: false,
    });
    expect(await handler({ "detail-type": "EC2 Instance State-change Notification", detail: {} })).toEqual({
      updated: false,
    });
  });

  it("keeps a non-JSON output as the string it is", () => {
    expect(runEndOf({ executionArn: "a", name: "r", status: "SUCCEEDED", output: "plain" })).toEqual({
      status: "SUCCEEDED",
      output: "plain",
    });
  });
});
