// The step-host contract: the embedded engine's Task override, the Fargate runner and the remote invoker execute
// one step alike (shared/runs/step-execution.ts) — the same answer to the state machine, the same step record —
// against a real store (dynalite), a real blob folder and real MCP servers (server-everything, the fixture server).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform, type Platform } from "../../shared/platform.js";
import type { Runtime } from "../../shared/registry/schema.js";
import { OFFLOAD_BYTES, PREVIEW_CHARS } from "../../shared/runs/limits.js";
import type { StepRefs } from "../../shared/runs/step-call.js";
import { newRunId, Runs } from "../../shared/runs/store.js";
import { EVERYTHING_SCRIPT, publishServer, saveWorkflow } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";
import { FIXTURE_SERVER } from "../integration/mcp/npm-servers.js";

/** What a Task state receives from a host: the SendTaskSuccess output / the thrown or sent error and cause. */
export type TaskAnswer =
  | { status: "SUCCEEDED"; result: { status: string; output: Record<string, unknown> } }
  | { status: "FAILED"; error: string; cause: { message: string; tool?: string; stderr?: string[] } };

export interface StepHost {
  /** Runs one Task of a run; `runtime` is the step's server as the host would reach it (the runner's task env). */
  run(refs: StepRefs, runtime: Runtime): Promise<TaskAnswer>;
}

export const EVERYTHING_SERVER = "io.github.mcpflow-tests/step-host-everything";
export const FIXTURE_SERVER_NAME = "io.github.mcpflow-tests/step-host-fixture";
export const WORKFLOW = "step-host";
export const RUNTIMES = {
  everything: { transport: "stdio", command: process.execPath, args: [EVERYTHING_SCRIPT, "stdio"] },
  fixture: { transport: "stdio", command: process.execPath, args: [FIXTURE_SERVER] },
} satisfies Record<string, Runtime>;

const everything = `${EVERYTHING_SERVER}@1.0.0`;
const fixture = `${FIXTURE_SERVER_NAME}@1.0.0`;
/** Every step a case (or a host's own test) runs; the runtime is the server each step calls. */
export const STEPS = {
  echo: { server: everything, tool: "echo", arguments: { message: "{{ input.message }}" } },
  broken: { server: everything, tool: "no-such-tool" },
  crash: { server: fixture, tool: "crash" },
  hang: { server: fixture, tool: "hang", timeout_seconds: 2 },
  big: { server: everything, tool: "echo", arguments: { message: "{{ input.big }}" } },
  after: {
    server: everything,
    tool: "echo",
    arguments: { message: "{{ steps.big.output.text }}" },
    depends_on: ["big"],
  },
  slow: { server: everything, tool: "trigger-long-running-operation", arguments: { duration: 2, steps: 2 } },
  env: { server: everything, tool: "get-env" },
  // A call that outlasts any test: it ends only when something cuts it.
  long: {
    server: everything,
    tool: "trigger-long-running-operation",
    arguments: { duration: 600, steps: 600 },
    timeout_seconds: 900,
  },
} as const;
export type StepName = keyof typeof STEPS;
export const runtimeOf = (step: StepName): Runtime =>
  STEPS[step].server === everything ? RUNTIMES.everything : RUNTIMES.fixture;

export interface StepHostWorld {
  platform: TestPlatform;
  /** The embedded platform's adapters: the run store and blob folder every host records in. */
  store: Platform;
  runs(): Runs;
  /** A new RUNNING run of the step-host workflow. */
  newRun(input?: Record<string, unknown>): Promise<string>;
  refs(runId: string, step: StepName | "ghost"): StepRefs;
}

/** One embedded platform with both servers published and the step-host workflow saved, for a whole test file. */
export function useStepHostWorld(): StepHostWorld {
  const world = {} as StepHostWorld;
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
    const store = await getPlatform();
    for (const [name, runtime] of [
      [EVERYTHING_SERVER, RUNTIMES.everything],
      [FIXTURE_SERVER_NAME, RUNTIMES.fixture],
    ] as const) {
      await publishServer(
        platform,
        { name, version: "1.0.0", description: `step-host ${name}`, runtime },
        { probe: false },
      );
    }
    await saveWorkflow(platform, {
      name: WORKFLOW,
      steps: Object.entries(STEPS).map(([id, step]) => ({ id, ...step })),
    });
    Object.assign(world, {
      platform,
      store,
      runs: () => new Runs(store),
      async newRun(input = {}) {
        const id = newRunId();
        await new Runs(store).create({
          id,
          workflow: WORKFLOW,
          version: 1,
          input,
          startedBy: "user:contract",
        });
        return id;
      },
      refs: (runId: string, stepId: string) => ({ runId, stepId, workflow: WORKFLOW, workflowVersion: 1 }),
    } satisfies StepHostWorld);
  }, 60_000);
  afterAll(async () => {
    await platform?.cleanup();
  });
  return world;
}

async function stepRecord(world: StepHostWorld, runId: string, stepId: string) {
  const run = await world.runs().get(runId, { steps: true });
  return run.steps?.find((s) => s.stepId === stepId);
}

export function stepHostContract(name: string, world: StepHostWorld, host: () => StepHost): void {
  describe(`Step-host contract: ${name}`, () => {
    it("success: answers the normalised output and records the attempt with its arguments", async () => {
      const runId = await world.newRun({ message: "hello host" });
      const answer = await host().run(world.refs(runId, "echo"), runtimeOf("echo"));
      expect(answer).toEqual({
        status: "SUCCEEDED",
        result: {
          status: "SUCCEEDED",
          output: {
            text: "Echo: hello host",
            json: null,
            content: [{ type: "text", text: "Echo: hello host" }],
          },
        },
      });
      expect(await stepRecord(world, runId, "echo")).toMatchObject({
        status: "SUCCEEDED",
        attempts: 1,
        tool: "echo",
        server: everything,
        arguments: { message: "hello host" },
        output: { text: "Echo: hello host" },
      });
    });

    it("tool error: Mcp.ToolError with the tool's words, recorded FAILED", async () => {
      const runId = await world.newRun();
      const answer = await host().run(world.refs(runId, "broken"), runtimeOf("broken"));
      expect(answer).toMatchObject({
        status: "FAILED",
        error: "Mcp.ToolError",
        cause: { tool: "no-such-tool" },
      });
      expect(answer.status === "FAILED" && answer.cause.message).toMatch(/no-such-tool/);
      expect(await stepRecord(world, runId, "broken")).toMatchObject({
        status: "FAILED",
        error: { error: "Mcp.ToolError", cause: expect.stringMatching(/no-such-tool/) },
      });
    });

    it("crash: a server that dies mid-call is Mcp.ServerError, with its last stderr lines", async () => {
      const runId = await world.newRun();
      const answer = await host().run(world.refs(runId, "crash"), runtimeOf("crash"));
      // Mcp.ServerError with the crash's stderr, not the step's timeout (States.Timeout): no clock needed.
      expect(answer).toMatchObject({
        status: "FAILED",
        error: "Mcp.ServerError",
        cause: { tool: "crash", stderr: expect.arrayContaining(["fixture: crashing on purpose"]) },
      });
      expect(await stepRecord(world, runId, "crash")).toMatchObject({
        status: "FAILED",
        error: { error: "Mcp.ServerError" },
      });
    });

    it("timeout: a tool that never answers ends at the step's timeout as States.Timeout", async () => {
      const runId = await world.newRun();
      const started = Date.now();
      const answer = await host().run(world.refs(runId, "hang"), runtimeOf("hang"));
      const elapsed = Date.now() - started;
      expect(answer).toMatchObject({ status: "FAILED", error: "States.Timeout" });
      expect(elapsed).toBeGreaterThanOrEqual(2000);
      // The step's timeout counts from the attempt's start, the server's start inside it, as Step Functions counts a
      // Task's TimeoutSeconds; past it, closing the server and recording the failure (2.7-3.8 s in all at load ~20
      // with six busy loops, where a fresh server took 6-8 s to start and the timer once started only after it).
      expect(elapsed).toBeLessThan(2000 + 8000);
      expect(await stepRecord(world, runId, "hang")).toMatchObject({
        status: "FAILED",
        error: { error: "States.Timeout", cause: expect.stringMatching(/did not answer within 2s/) },
      });
    });

    it("an output over the offload threshold: the state gets a reference, a later step gets the data", async () => {
      const big = "x".repeat(OFFLOAD_BYTES + 1000);
      const runId = await world.newRun({ big });
      const answer = await host().run(world.refs(runId, "big"), runtimeOf("big"));
      expect(answer.status).toBe("SUCCEEDED");
      const output = (answer as Extract<TaskAnswer, { status: "SUCCEEDED" }>).result.output as {
        blob: { key: string; bytes: number };
        text: string;
      };
      expect(output.blob.key).toMatch(new RegExp(`^runs/${runId}/steps/big`));
      expect(output.text).toBe(`${`Echo: ${big}`.slice(0, PREVIEW_CHARS)}…`);
      const stored = JSON.parse(
        Buffer.from((await world.store.blobs.get(output.blob.key))!).toString("utf8"),
      );
      expect(stored.text).toBe(`Echo: ${big}`);
      expect((await stepRecord(world, runId, "big"))?.outputBlob).toEqual(output.blob);

      expect(await host().run(world.refs(runId, "after"), runtimeOf("after"))).toMatchObject({
        status: "SUCCEEDED",
      });
      const results = await world.runs().stepResults(runId, ["after"]);
      expect(results.after?.output).toMatchObject({ text: `Echo: Echo: ${big}` });
    });

    it("an unloadable call: Mcp.RunnerError, and the step is recorded FAILED saying why", async () => {
      const runId = await world.newRun();
      const answer = await host().run(world.refs(runId, "ghost"), runtimeOf("echo"));
      expect(answer).toMatchObject({ status: "FAILED", error: "Mcp.RunnerError" });
      expect(answer.status === "FAILED" && answer.cause.message).toMatch(
        /could not load the step call: .*ghost/,
      );
      expect(await stepRecord(world, runId, "ghost")).toMatchObject({
        status: "FAILED",
        tool: "(not loaded)",
        error: { error: "Mcp.RunnerError", cause: expect.stringMatching(/ghost/) },
      });
    });

    it("a superseded attempt: an attempt that ends after a newer one started does not overwrite it", async () => {
      const runId = await world.newRun();
      const runs = world.runs();
      const older = host().run(world.refs(runId, "slow"), runtimeOf("slow"));
      const record = () => stepRecord(world, runId, "slow");
      const deadline = Date.now() + 15_000;
      while ((await record())?.status !== "RUNNING" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The retry's attempt, as any host records it, starts and fails while the older call is still running.
      const call = { stepId: "slow", tool: STEPS.slow.tool, server: everything, arguments: {} };
      const newer = await runs.stepStarted(runId, call);
      expect(newer).toBe(2);
      await runs.stepEnded(
        runId,
        { stepId: "slow" },
        { status: "FAILED", error: { error: "Mcp.ServerError", cause: "the newer attempt" } },
        { attempt: newer },
      );
      expect((await older).status).toBe("SUCCEEDED");
      expect(await record()).toMatchObject({
        status: "FAILED",
        attempts: 2,
        error: { error: "Mcp.ServerError", cause: "the newer attempt" },
      });
    });
  });
}
