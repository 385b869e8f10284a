// The AWS path end to end on moto_server (Step Functions execution on: LocalStack's interpreter inside moto). The
// API functions on the AWS adapters publish servers (task definitions), save workflows (state machine, version,
// alias) and start runs (StartExecution); the test plays Fargate with the real runner (each run's servers start once,
// in host mode: decision 0008), Lambda with the real step executor and EventBridge for the run-status function, then
// reads the run back through the API. Nothing reaches AWS; docs/e2e.md says what this proves and what it does not.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DescribeTaskDefinitionCommand, DescribeTasksCommand } from "@aws-sdk/client-ecs";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cursorKey,
  cursorKeyId,
  cursorKeyring,
  newCursorSecret,
  sealCursor,
} from "../../shared/store/signed-cursor.js";
import { taskFamily } from "../../shared/tasks/family.js";
import { type FargateTask, REMOTE_HEARTBEAT_SECONDS, serverImage, useAwsPath } from "../helpers/aws-path.js";
import { EVERYTHING, EVERYTHING_NAME, EXAMPLE_VERSION, MEMORY_NAME, REPO_ROOT } from "../helpers/examples.js";
import { motoAvailable } from "../helpers/moto.js";
import { startEverythingHttp } from "../integration/mcp/npm-servers.js";

const E2E = "io.github.mcpflow-e2e";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** server-everything as an image built FROM the runner base would hold it: its bin on PATH. */
const everythingImage = (env?: Record<string, unknown>) => ({
  transport: "stdio",
  image: serverImage("mcp-server-everything"),
  command: "mcp-server-everything",
  args: ["stdio"],
  ...(env ? { env } : {}),
});

// Each test's run waits up to 90 s for its execution (aws.settle) and up to 60 s for each thing it watches, and starts
// server tasks (node processes) on moto's interpreter: 37 s for a run of two servers at load ~20, 62 % of vitest's
// default 60 s, which cut those waits short. The suite's bound is above its waits, so theirs are the ones that fire.
describe.skipIf(!motoAvailable)("the AWS path on moto_server", { timeout: 120_000 }, () => {
  const aws = useAwsPath();
  let remote: Awaited<ReturnType<typeof startEverythingHttp>>;

  beforeAll(async () => {
    remote = await startEverythingHttp();
    await publish({
      name: EVERYTHING_NAME,
      version: EXAMPLE_VERSION,
      description: "server-everything in an image built FROM the runner base",
      runtime: everythingImage(),
    });
    await publish({
      name: MEMORY_NAME,
      version: EXAMPLE_VERSION,
      description: "server-memory in an image built FROM the runner base",
      runtime: {
        transport: "stdio",
        image: serverImage("mcp-server-memory"),
        command: "mcp-server-memory",
        env: { MEMORY_FILE_PATH: "/home/node/memory.jsonl" },
      },
    });
  });
  afterAll(async () => {
    await remote?.stop();
  });

  async function publish(server: Record<string, unknown>) {
    // An admin's publish carries its approval, so the versions may run (docs/decisions/0004-running-code.md).
    const published = await aws.api("POST", "/v1/servers?approve=true", server);
    expect(published.status, published.text).toBe(201);
    return published.body;
  }
  async function saveExample(file: string) {
    const text = await readFile(join(REPO_ROOT, "examples/workflows", file), "utf8");
    const type = file.endsWith(".json") ? "application/json" : "application/yaml";
    const saved = await aws.api("POST", "/v1/workflows", text, type);
    expect(saved.status, saved.text).toBe(201);
    return saved.body;
  }
  async function save(definition: Record<string, unknown>) {
    const saved = await aws.api("POST", "/v1/workflows", definition);
    expect(saved.status, saved.text).toBe(201);
    return saved.body;
  }
  async function start(workflow: string, input: unknown = {}) {
    const started = await aws.api("POST", `/v1/workflows/${workflow}/runs`, { input });
    expect(started.status, started.text).toBe(202);
    return String(started.body.id);
  }
  async function finished(runId: string, timeoutMs?: number) {
    await aws.settle(runId, timeoutMs);
    const run = await aws.api("GET", `/v1/runs/${runId}`);
    expect(run.status, run.text).toBe(200);
    return run.body;
  }
  /** The run's server tasks: one RunTask each, which the Fargate double saw in ECS. */
  const tasksOf = (runId: string) => aws.tasks.filter((t) => t.env.MCPFLOW_RUN_ID === runId);
  /** The step executor's invocations for the run (one per step call, item and attempt). */
  const callsOf = (runId: string) =>
    aws.invocations.filter((i) => (i.payload.run as { id?: string } | undefined)?.id === runId);
  const stepsCalled = (runId: string) => callsOf(runId).map((i) => String(i.payload.stepId));
  /** What a failed expectation should show: the run, the doubles' own errors, the runners' logs. */
  const explain = (run: unknown, runId?: string) =>
    JSON.stringify(
      {
        run,
        doubles: aws.doubleErrors,
        runners: (runId ? tasksOf(runId) : aws.tasks).map((t: FargateTask) => t.output.slice(-1500)),
      },
      null,
      1,
    );
  async function waitForAsync<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${explain(undefined)}`);
      await sleep(200);
    }
  }
  async function waitFor<T>(what: string, read: () => T | undefined, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${explain(undefined)}`);
      await sleep(100);
    }
  }

  it("signs page cursors with the key the stack generates (Secrets Manager), and refuses a forged one", async () => {
    for (const name of ["e2e paging 1", "e2e paging 2"]) {
      expect((await aws.api("POST", "/v1/api-keys", { name, role: "viewer" })).status).toBe(201);
    }
    const first = await aws.api("GET", "/v1/api-keys?limit=1");
    expect(first.status, first.text).toBe(200);
    const secret = await aws.clients.secrets.send(
      new GetSecretValueCommand({ SecretId: process.env.MCPFLOW_CURSOR_KEY_SECRET }),
    );
    expect(cursorKeyId(first.body.nextCursor)).toBe(cursorKey(secret.SecretString!).id);
    const second = await aws.api(
      "GET",
      `/v1/api-keys?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.status, second.text).toBe(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const forged = sealCursor(cursorKeyring(newCursorSecret()), "listApiKeys", "eyJvIjozfQ");
    const refused = await aws.api("GET", `/v1/api-keys?cursor=${forged}`);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.errors[0].field).toBe("query.cursor");
  });

  it("refuses the examples' servers on AWS (their runtime points into node_modules), and stores no version", async () => {
    for (const file of ["server-everything.json", "server-memory.json"]) {
      const server = JSON.parse(await readFile(join(REPO_ROOT, "examples/servers", file), "utf8"));
      const refused = await aws.api("POST", "/v1/servers?approve=true", {
        ...server,
        version: "0.0.1-example",
      });
      expect(refused.status, refused.text).toBe(422);
      expect(refused.body.errors, refused.text).toEqual([
        expect.objectContaining({ field: expect.stringMatching(/^runtime\.args\.\d+$/) }),
      ]);
      const stored = await aws.api("GET", `/v1/servers/${server.name}/versions/0.0.1-example`);
      expect(stored.status).toBe(404);
    }
  });

  it("everything-diamond: Parallel, Map and Choice on moto's interpreter, its server one Fargate task for the run", async () => {
    const saved = await saveExample("everything-diamond.yaml");
    // Saving deployed the state machine, published version 1 and pointed the alias `live` at it.
    expect(saved.version).toBe(1);
    const runId = await start("everything-diamond", { name: "Ada", a: 2, b: 3, words: ["alpha", "beta"] });
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(run.output.greeting).toBe("Echo: Hello Ada");
    expect(run.output.sum).toContain("5");
    expect(run.output.words.map((w: { text: string }) => w.text)).toEqual(["Echo: alpha!", "Echo: beta!"]);
    expect(run.output.report.status).toBe("SUCCEEDED");
    expect(run.steps.map((s: { stepId: string; status: string }) => [s.stepId, s.status])).toEqual(
      expect.arrayContaining([
        ["greet", "SUCCEEDED"],
        ["sum", "SUCCEEDED"],
        ["report", "SUCCEEDED"],
      ]),
    );
    // One RunTask for the run's one server, in host mode, from the version's task definition; every call (greet,
    // sum, report and one per word) went to it through the step executor.
    const tasks = tasksOf(runId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.image).toBe(serverImage("mcp-server-everything"));
    expect(tasks[0]!.env.MCPFLOW_RUNNER_MODE).toBe("host");
    expect(stepsCalled(runId).sort()).toEqual(["greet", "report", "shout", "shout", "sum"]);
    expect(
      callsOf(runId)
        .filter((i) => i.payload.stepId === "shout")
        .map((i) => i.payload.itemIndex)
        .sort(),
    ).toEqual([0, 1]);
    // The host key's hash is in the history (the RunTask overrides); the key is nowhere in it.
    const history = JSON.stringify(
      await aws.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: run.executionArn })),
    );
    expect(history).toContain(tasks[0]!.env.MCPFLOW_HOST_KEY_SHA256);
    expect(JSON.stringify(run)).not.toContain("hostKey");
    const events = await aws.api("GET", `/v1/runs/${runId}/events`);
    expect(events.status).toBe(200);
    const types = events.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(["ExecutionStarted", "ParallelStateEntered", "MapStateEntered"]),
    );
    expect(types.at(-1)).toBe("ExecutionSucceeded");
  });

  // server-memory keeps its graph in a file: the run's one task keeps it from step to step (decision 0008).
  it("memory-sequence keeps its knowledge graph from step to step, its server started once for the run", async () => {
    await saveExample("memory-sequence.json");
    const runId = await start("memory-sequence", { person: "Ada", company: "ACME", fact: "writes programs" });
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(JSON.stringify(run.output.graph)).toContain("works_at");
    expect(tasksOf(runId)).toHaveLength(1);
    expect(stepsCalled(runId)).toHaveLength(4);
  });

  it("starts each server a run uses once, in parallel, and stops them when the run ends", async () => {
    await save({
      name: "e2e-two-servers",
      steps: [
        { id: "one", server: EVERYTHING, tool: "echo", arguments: { message: "one" } },
        { id: "remember", server: `${MEMORY_NAME}@${EXAMPLE_VERSION}`, tool: "read_graph" },
        { id: "two", server: EVERYTHING, tool: "echo", depends_on: ["one"], arguments: { message: "two" } },
        {
          id: "again",
          server: `${MEMORY_NAME}@${EXAMPLE_VERSION}`,
          tool: "read_graph",
          depends_on: ["remember"],
        },
        {
          id: "three",
          server: EVERYTHING,
          tool: "echo",
          depends_on: ["two"],
          arguments: { message: "three" },
        },
      ],
      output: { three: "{{ steps.three.output.text }}" },
    });
    const runId = await start("e2e-two-servers");
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(run.output.three).toBe("Echo: three");
    // Five calls, two distinct servers: two RunTask calls, both in the run's task group.
    expect(stepsCalled(runId)).toHaveLength(5);
    const tasks = tasksOf(runId);
    expect(tasks.map((t) => t.image).sort()).toEqual(
      [serverImage("mcp-server-everything"), serverImage("mcp-server-memory")].sort(),
    );
    const described = await aws.clients.ecs.send(
      new DescribeTasksCommand({
        cluster: process.env.MCPFLOW_CLUSTER_ARN,
        tasks: tasks.map((t) => t.taskArn),
      }),
    );
    expect(described.tasks!.map((t) => t.group)).toEqual([`mcpflow-run:${runId}`, `mcpflow-run:${runId}`]);
    // run-status stopped them at the run's end (StopTask: SIGTERM), not their idle limit.
    const codes = await Promise.all(tasks.map((t) => t.exited));
    expect(codes).toEqual([0, 0]);
    expect(tasks.every((t) => t.stopRequestedAt !== undefined)).toBe(true);
  });

  it("retries a failing call, then continues past it with on_error: continue", async () => {
    await save({
      name: "e2e-retry",
      steps: [
        {
          id: "bad",
          server: EVERYTHING,
          tool: "get-sum",
          arguments: { a: "not a number", b: 1 },
          retry: { max_attempts: 2, interval_seconds: 1, backoff_rate: 1 },
          on_error: "continue",
        },
        {
          id: "after",
          server: EVERYTHING,
          tool: "echo",
          depends_on: ["bad"],
          arguments: { message: "went on" },
        },
      ],
      output: { bad: "{{ steps.bad.status }}", after: "{{ steps.after.output.text }}" },
    });
    const runId = await start("e2e-retry");
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(run.output).toEqual({ bad: "FAILED", after: "Echo: went on" });
    expect(stepsCalled(runId).filter((id) => id === "bad")).toHaveLength(2);
    expect(tasksOf(runId)).toHaveLength(1);
    const bad = run.steps.find((s: { stepId: string }) => s.stepId === "bad");
    expect(bad).toMatchObject({ status: "FAILED", error: { error: "Mcp.ToolError" } });
    // Its cost from what AWS measured (run-status read the execution's history): every state the history says was
    // entered, plus the retry (the second TaskScheduled of `Call bad`, after its TaskFailed), and one executor
    // invocation per call the Lambda double handed to the executor.
    const history = await aws.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: run.executionArn, maxResults: 1000 }),
    );
    const entered = history.events!.filter((e) => e.type!.endsWith("StateEntered")).length;
    const retried = history.events!.filter(
      (e) =>
        e.type === "TaskScheduled" &&
        history.events!.find((p) => p.id === e.previousEventId)?.type === "TaskFailed",
    ).length;
    expect(retried).toBe(1);
    expect(run.usage.stateTransitions).toBe(entered + retried);
    expect(run.usage.functionRequests).toBe(2 + callsOf(runId).length);
    expect(run.usage.measured).toEqual(expect.arrayContaining(["stateTransitions", "functionRequests"]));
    expect(run.cost).toMatchObject({ estimated: false, currency: "USD" });
    expect(run.cost.usd).toBeGreaterThan(0);
  });

  it("fails the run with Mcp.ToolError when a call fails and nothing catches it", async () => {
    await save({
      name: "e2e-tool-error",
      steps: [{ id: "bad", server: EVERYTHING, tool: "get-sum", arguments: { a: "x", b: 1 } }],
    });
    const runId = await start("e2e-tool-error");
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("FAILED");
    expect(run.error.error).toBe("Mcp.ToolError");
    expect(run.steps[0]).toMatchObject({
      stepId: "bad",
      status: "FAILED",
      error: { error: "Mcp.ToolError" },
    });
    expect(tasksOf(runId)).toHaveLength(1);
  });

  it("calls a remote server through lambda:invoke.waitForTaskToken, once per item of a for_each", async () => {
    await publish({
      name: `${E2E}/remote-everything`,
      version: "1.0.0",
      description: "server-everything over Streamable HTTP",
      runtime: { transport: "streamable-http", url: remote.url },
    });
    await save({
      name: "e2e-remote",
      input: { type: "object", properties: { words: { type: "array", items: { type: "string" } } } },
      steps: [
        {
          id: "shout",
          server: `${E2E}/remote-everything@1.0.0`,
          tool: "echo",
          for_each: { items: "{{ input.words }}" },
          arguments: { message: "{{ item }}?" },
        },
      ],
      output: { words: "{{ steps.shout.output }}" },
    });
    const before = aws.tasks.length;
    const runId = await start("e2e-remote", { words: ["one", "two", "three"] });
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(run.output.words.map((w: { text: string }) => w.text)).toEqual([
      "Echo: one?",
      "Echo: two?",
      "Echo: three?",
    ]);
    const mine = callsOf(runId);
    expect(mine.map((i) => i.payload.itemIndex).sort()).toEqual([0, 1, 2]);
    expect(mine.every((i) => i.payload.host === undefined)).toBe(true);
    expect(aws.tasks.length).toBe(before); // no Fargate task for a remote server
  });

  it("keeps a remote call longer than its Task's HeartbeatSeconds alive with the invoker's heartbeats", async () => {
    await publish({
      name: `${E2E}/remote-long`,
      version: "1.0.0",
      description: "server-everything over Streamable HTTP, for a long call",
      runtime: { transport: "streamable-http", url: remote.url },
    });
    const seconds = 2 * REMOTE_HEARTBEAT_SECONDS;
    await save({
      name: "e2e-remote-long",
      steps: [
        {
          id: "long",
          server: `${E2E}/remote-long@1.0.0`,
          tool: "trigger-long-running-operation",
          arguments: { duration: seconds, steps: seconds },
          timeout_seconds: 60,
        },
      ],
      output: { text: "{{ steps.long.output.text }}" },
    });
    const runId = await start("e2e-remote-long");
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(run.output.text).toMatch(/completed/i);
    const history = await aws.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: run.executionArn }),
    );
    const call = history.events?.find((e) => e.type === "TaskScheduled");
    expect(JSON.parse(call!.taskScheduledEventDetails!.parameters!)).toBeDefined();
    expect(call!.taskScheduledEventDetails!.heartbeatInSeconds).toBe(REMOTE_HEARTBEAT_SECONDS);
  });

  it("cancels a run: StopExecution, the run CANCELLED, its server task stopped and the executor's call dropped", async () => {
    await save({
      name: "e2e-cancel",
      steps: [
        {
          id: "long",
          server: EVERYTHING,
          tool: "trigger-long-running-operation",
          arguments: { duration: 40, steps: 40 },
          timeout_seconds: 60,
        },
      ],
    });
    const runId = await start("e2e-cancel");
    const host = await waitFor("the run's server task to serve", () =>
      tasksOf(runId).find((t) => t.output.includes("serving the run's server")),
    );
    const call = await waitFor("the step executor's call", () => callsOf(runId)[0]);
    await waitForAsync("the step to be running", async () => {
      const run = (await aws.api("GET", `/v1/runs/${runId}`)).body;
      return run.steps?.find((s: { status: string }) => s.status === "RUNNING");
    });
    const cancelled = await aws.api("POST", `/v1/runs/${runId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(await aws.settle(runId)).toBe("ABORTED");
    const run = (await aws.api("GET", `/v1/runs/${runId}`)).body;
    expect(run.status).toBe("CANCELLED");
    // run-status stopped the task (the run's task group, StopTask); ECS's SIGTERM ends the host. Nothing else would end
    // it within the test (its idle limit is 30 minutes): that it exited, told to stop, is the proof, not a clock.
    const code = await host.exited;
    expect(host.stopRequestedAt).toBeDefined();
    expect(code).toBe(0);
    expect(host.output).toMatch(/told to stop/);
    // Step Functions does not stop a waitForTaskToken Lambda; the executor learns at its next heartbeat (every
    // second here) that the token is gone, and reports nothing.
    expect(await call.outcome).toEqual({ status: "NOT_REPORTED" });
  }, 120_000);

  // The step protocol has one offload shape (shared/runs/step-execution.ts): the step record keeps `outputBlob`
  // and the next step's arguments resolve `steps.big.output.text` to the whole text read back from S3.
  it("hands a later step an output over 256 KB whole, through S3 and not through the state", async () => {
    const big = "x".repeat(150_000);
    await save({
      name: "e2e-big",
      input: { type: "object", properties: { text: { type: "string" } } },
      steps: [
        { id: "big", server: EVERYTHING, tool: "echo", arguments: { message: "{{ input.text }}" } },
        {
          id: "later",
          server: EVERYTHING,
          tool: "echo",
          depends_on: ["big"],
          arguments: { message: "{{ steps.big.output.text }}" },
        },
      ],
      output: { length: "{{ steps.later.output.text }}" },
    });
    const runId = await start("e2e-big", { text: big });
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    const later = callsOf(runId).find((i) => i.payload.stepId === "later")!;
    expect(await later.outcome).toEqual({ status: "SUCCEEDED" });
    expect(tasksOf(runId)).toHaveLength(1);
    const steps = (await aws.api("GET", `/v1/runs/${runId}`)).body.steps;
    const laterRecord = steps.find((s: { stepId: string }) => s.stepId === "later");
    // The later call received the whole text, not the preview the state carried: it echoed all of it, so its
    // own output went to S3 as well (arguments that large are kept there too, and not shown inline).
    expect(laterRecord.outputBlob?.bytes).toBeGreaterThan(150_000);
  });

  // 40 items: with the 100 KB input, their 4 KB previews alone would take the state past 256 KiB.
  it("keeps every state under 256 KiB while each of 40 calls returns 100 KB (the state keeps what the ASL reads)", async () => {
    await publish({
      name: `${E2E}/remote-large`,
      version: "1.0.0",
      description: "server-everything over Streamable HTTP, echoing 100 KB",
      runtime: { transport: "streamable-http", url: remote.url },
    });
    await save({
      name: "e2e-large-calls",
      input: {
        type: "object",
        properties: { text: { type: "string" }, items: { type: "array" } },
      },
      steps: [
        {
          id: "each",
          server: `${E2E}/remote-large@1.0.0`,
          tool: "echo",
          for_each: { items: "{{ input.items }}", max_concurrency: 10 },
          arguments: { message: "{{ input.text }}" },
        },
      ],
      output: { each: "{{ steps.each.status }}" },
    });
    const items = Array.from({ length: 40 }, (_, i) => i);
    const runId = await start("e2e-large-calls", { text: "y".repeat(100_000), items });
    const run = await finished(runId, 170_000);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    expect(run.output).toEqual({ each: "SUCCEEDED" });
    // Each item's 100 KB went to S3; the step record keeps a reference per item.
    const each = run.steps.find((s: { stepId: string }) => s.stepId === "each");
    expect(each.items).toHaveLength(40);
    expect(
      each.items.every((item: { outputBlob?: { bytes: number } }) => item.outputBlob!.bytes > 100_000),
    ).toBe(true);
    // Every payload the execution's history holds (state inputs and outputs, task results), measured.
    const sizes: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await aws.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn: run.executionArn, nextToken, maxResults: 1000 }),
      );
      for (const event of page.events ?? []) {
        for (const payload of [
          event.stateEnteredEventDetails?.input,
          event.stateExitedEventDetails?.output,
          event.taskSucceededEventDetails?.output,
        ])
          if (payload !== undefined) sizes.push(Buffer.byteLength(payload));
      }
      nextToken = page.nextToken;
    } while (nextToken);
    expect(sizes.length).toBeGreaterThan(40);
    // The 100 KB input is there; the 70 outputs of 100 KB (each offloaded, with a 4 KB preview) are not.
    expect(Math.max(...sizes)).toBeGreaterThan(100_000);
    expect(Math.max(...sizes)).toBeLessThan(256 * 1024);
  }, 180_000);

  it("delivers a secret through the task definition's secrets, never as a value in it", async () => {
    const name = `${E2E}/everything-with-token`;
    await publish({
      name,
      version: "1.0.0",
      description: "server-everything that needs a token",
      runtime: everythingImage({ API_TOKEN: { secret: "api-token" } }),
    });
    const secret = "tok-e2e-4f1c9a7b2d";
    const put = await aws.api("PUT", `/v1/servers/${name}/secrets/api-token`, {
      value: secret,
      versions: "1.0.0",
    });
    expect(put.status, put.text).toBe(200);
    await save({
      name: "e2e-secret",
      steps: [{ id: "env", server: `${name}@1.0.0`, tool: "get-env" }],
      output: { text: "{{ steps.env.output.text }}" },
    });
    const runId = await start("e2e-secret");
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    const definition = await aws.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: taskFamily(name, "1.0.0") }),
    );
    expect(JSON.stringify(definition.taskDefinition)).not.toContain(secret);
    expect(definition.taskDefinition!.containerDefinitions![0]!.secrets).toEqual([
      { name: "API_TOKEN", valueFrom: `mcpflow/e2e/${name}/api-token` },
    ]);
    const tasks = tasksOf(runId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.secretNames).toEqual(["API_TOKEN"]);
    // The server saw the variable (its value is the platform's to mask in what it stores).
    expect(run.output.text).toContain("API_TOKEN");
  });

  it("a hostile stdio server in the task reads neither the runner's task token nor its credential URI (issue 10)", async () => {
    const name = `${E2E}/hostile`;
    await publish({
      name,
      version: "1.0.0",
      description: "a hostile server an admin approved by mistake, in an image built FROM the runner base",
      runtime: {
        transport: "stdio",
        image: serverImage("hostile"),
        command: "node",
        args: [join(REPO_ROOT, "tests/fixtures/mcp/hostile-server.mjs")],
      },
    });
    await save({
      name: "e2e-hostile",
      steps: [{ id: "loot", server: `${name}@1.0.0`, tool: "loot", arguments: { home: "/home/node" } }],
      output: { text: "{{ steps.loot.output.text }}" },
    });
    const runId = await start("e2e-hostile");
    const run = await finished(runId);
    expect(run.status, explain(run, runId)).toBe("SUCCEEDED");
    const attempts = JSON.parse(run.output.text) as { what: string; ok: boolean; sample?: string }[];
    const read = attempts.filter((a) => a.ok && a.what !== "own-identity");
    const identity = attempts.find((a) => a.what === "own-identity")?.sample ?? "";
    // The runner's environ (its parent), its cwd, every other process's environ: none readable.
    for (const what of ["parent-environ", "parent-cwd", "other-environs"]) {
      expect(
        read.map((a) => a.what),
        `${identity}: ${JSON.stringify(read)}`,
      ).not.toContain(what);
    }
    const [task] = tasksOf(runId);
    expect(run.output.text).not.toContain(task!.env.MCPFLOW_TASK_TOKEN);
    expect(run.output.text).not.toContain(task!.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
    // Not root, in a scratch working directory that is its HOME, not the task's /home/node.
    expect(identity).not.toMatch(/uid=0\b/);
    const cwd = /cwd=(\S+)/.exec(identity)?.[1];
    expect(cwd).toBe(/home=(\S+)/.exec(identity)?.[1]);
    expect(cwd).toMatch(/mcpflow-server-/);
  });

  // The step's server task freezes after it served (runner and server: nothing answers). The executor keeps beating,
  // so the step's TimeoutSeconds ends it: States.Timeout, as a lost executor's silence would (HeartbeatSeconds).
  it("ends a step whose server task hangs in States.Timeout", async () => {
    await save({
      name: "e2e-hung",
      steps: [
        { id: "hung", server: EVERYTHING, tool: "echo", arguments: { message: "never" }, timeout_seconds: 8 },
      ],
    });
    const runId = await start("e2e-hung");
    const task = await waitFor("the run's server task to serve", () =>
      tasksOf(runId).find((t) => t.output.includes("serving the run's server")),
    );
    process.kill(-task.process.pid!, "SIGSTOP");
    try {
      const run = await finished(runId);
      expect(run.status, explain(run, runId)).toBe("FAILED");
      expect(run.error.error).toBe("States.Timeout");
      const history = await aws.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn: run.executionArn }),
      );
      expect(history.events?.map((e) => e.type)).toContain("TaskTimedOut");
      expect(await callsOf(runId)[0]!.outcome).toEqual({ status: "NOT_REPORTED" });
    } finally {
      process.kill(-task.process.pid!, "SIGKILL");
    }
  });
});
