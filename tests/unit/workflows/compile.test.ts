import aslValidator from "asl-validator";
import { describe, expect, test } from "vitest";
import { UnprocessableError } from "../../../shared/errors.js";
import {
  ASL_MAX_DEFINITION_BYTES,
  aslLimits,
  compileWorkflow,
  type State,
  type StateMachine,
} from "../../../statemachines/compile.js";
import { loadFixtures } from "./fixtures/index.js";
import { optionsFor, SERVER, step, workflow } from "./harness.js";

/** Every state in the machine, nested ones included, by name. */
function allStates(asl: { States: Record<string, State> }): Map<string, State> {
  const found = new Map<string, State>();
  for (const [name, state] of Object.entries(asl.States)) {
    found.set(name, state);
    for (const branch of (state.Branches as StateMachine[] | undefined) ?? []) {
      for (const [n, s] of allStates(branch)) found.set(n, s);
    }
    const processor = state.ItemProcessor as StateMachine | undefined;
    if (processor) for (const [n, s] of allStates(processor)) found.set(n, s);
  }
  return found;
}

function expectValidAsl(asl: unknown) {
  // asl-validator writes QueryLanguage into every state it checks: give it a copy.
  const { isValid, errorsText } = aslValidator(structuredClone(asl), { checkPaths: true, checkArn: true });
  expect(isValid, errorsText("\n")).toBe(true);
}

function compileIssues(definition: ReturnType<typeof workflow>, options = optionsFor(definition)) {
  try {
    compileWorkflow(definition, options);
  } catch (error) {
    if (error instanceof UnprocessableError) return error.issues;
    throw error;
  }
  throw new Error("expected compileWorkflow to refuse the workflow");
}

const SHAPES: Record<string, ReturnType<typeof workflow>> = {
  single: workflow([step("a")]),
  sequence: workflow([step("a"), step("b", { depends_on: ["a"] }), step("c", { depends_on: ["b"] })]),
  diamond: workflow([
    step("a"),
    step("b", { depends_on: ["a"] }),
    step("c", { depends_on: ["a"] }),
    step("d", { depends_on: ["b", "c"] }),
  ]),
  "crossed (not series-parallel)": workflow([
    step("a"),
    step("b"),
    step("c", { depends_on: ["a", "b"] }),
    step("d", { depends_on: ["b"] }),
  ]),
  "every feature": workflow(
    [
      step("a", { retry: { max_attempts: 4, interval_seconds: 3, backoff_rate: 1.5 }, timeout_seconds: 30 }),
      step("b", {
        depends_on: ["a"],
        for_each: { items: "{{ steps.a.output.json.items }}", max_concurrency: 2 },
        on_error: "continue",
        when: {
          all: [{ path: "{{ steps.a.output.json.ok }}", truthy: true }, { not: { path: "input.x", lt: 3 } }],
        },
      }),
      step("c", {
        depends_on: ["a"],
        when: {
          any: [
            { path: "input.mode", equals: "fast" },
            { path: "input.n", gte: 2 },
            { path: "input.z", exists: false },
          ],
        },
        server: "io.github.example/remote@2.0.0",
      }),
    ],
    {
      output: {
        literal: 1,
        whole: "{{ steps.a.output.json }}",
        text: "a said '{{ steps.a.output.text }}' {ok}",
        list: ["{{ input.x }}", "two", 3, null],
        nested: [{ status: "{{ steps.c.status }}" }],
        dashed: "{{ steps.a.output.json.max-temp }}",
      },
    },
  ),
};

describe("compileWorkflow", () => {
  test.each([...Object.entries(SHAPES), ...loadFixtures().map((f) => [f.name, f.definition] as const)])(
    "%s compiles to ASL that asl-validator accepts",
    (name, definition) => {
      const remote = name === "every feature" ? ["io.github.example/remote@2.0.0"] : [];
      const { asl } = compileWorkflow(definition, optionsFor(definition, remote));
      expectValidAsl(asl);
      expect(asl.QueryLanguage).toBe("JSONPath");
    },
  );

  test("the same input compiles to byte-identical JSON", () => {
    for (const definition of Object.values(SHAPES)) {
      const options = optionsFor(definition, ["io.github.example/remote@2.0.0"]);
      const first = compileWorkflow(definition, options).json;
      const second = compileWorkflow(structuredClone(definition), structuredClone(options)).json;
      expect(second).toBe(first);
      expect(JSON.stringify(compileWorkflow(definition, options).asl)).toBe(first);
    }
  });

  test("every step is a waitForTaskToken call on the step executor with timeout, shorter heartbeat and state names under 80 characters", () => {
    const definition = SHAPES["every feature"]!;
    const { asl } = compileWorkflow(definition, optionsFor(definition, ["io.github.example/remote@2.0.0"]));
    const states = allStates(asl);
    const tasks = [...states].filter(([name, s]) => s.Type === "Task" && name.startsWith("Call "));
    expect(tasks.map(([name]) => name).sort()).toEqual(["Call a", "Call b", "Call c"]);
    for (const [, task] of tasks) {
      expect(task.TimeoutSeconds).toBeGreaterThan(task.HeartbeatSeconds as number);
      expect(task.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
      expect(task.Parameters).toMatchObject({ "FunctionName.$": "$.run.executor" });
    }
    for (const name of states.keys()) expect(name.length).toBeLessThanOrEqual(80);
    expect(states.get("Call a")).toMatchObject({ TimeoutSeconds: 30, HeartbeatSeconds: 29 });
  });

  test("a step's HeartbeatSeconds is the target's remoteHeartbeatSeconds (60 unless configured), below its timeout", () => {
    const definition = SHAPES["every feature"]!;
    const options = optionsFor(definition, ["io.github.example/remote@2.0.0"]);
    expect(allStates(compileWorkflow(definition, options).asl).get("Call c")).toMatchObject({
      TimeoutSeconds: 300,
      HeartbeatSeconds: 60,
    });
    options.target.remoteHeartbeatSeconds = 5;
    const states = allStates(compileWorkflow(definition, options).asl);
    // The executor beats for every step, whether its server is remote or one of the run's tasks.
    expect(states.get("Call c")).toMatchObject({ TimeoutSeconds: 300, HeartbeatSeconds: 5 });
    expect(states.get("Call b")).toMatchObject({ HeartbeatSeconds: 5 });
    expect(states.get("Call a")).toMatchObject({ TimeoutSeconds: 30, HeartbeatSeconds: 5 });
  });

  test("a run starts each Fargate server once, in parallel, before its first step (decision 0008)", () => {
    const definition = workflow([
      step("a"),
      { id: "b", server: "io.github.example/other@1.0.0", tool: "t", depends_on: ["a"] },
      step("c", { depends_on: ["b"] }),
      { id: "d", server: "io.github.example/remote@2.0.0", tool: "t", depends_on: ["c"] },
    ]);
    const { asl } = compileWorkflow(definition, optionsFor(definition, ["io.github.example/remote@2.0.0"]));
    expect(asl.StartAt).toBe("Start servers");
    const start = asl.States["Start servers"] as State & { Branches: StateMachine[] };
    expect(start).toMatchObject({
      Type: "Parallel",
      ResultSelector: { "s0.$": "$[0]", "s1.$": "$[1]" },
      ResultPath: "$.hosts",
      Next: "Start run",
    });
    // One task per distinct server@version the run uses; none for the remote server.
    expect(start.Branches.map((b) => b.States[b.StartAt]!.Comment)).toEqual([
      SERVER,
      "io.github.example/other@1.0.0",
    ]);
    const task = start.Branches[0]!.States["Start server 0"]!;
    expect(task).toMatchObject({
      Resource: "arn:aws:states:::ecs:runTask.waitForTaskToken",
      Parameters: {
        Cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/mcpflow",
        LaunchType: "FARGATE",
        "Group.$": "States.Format('mcpflow-run:{}', $.runId)",
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: expect.any(Array), SecurityGroups: expect.any(Array) },
        },
        Overrides: {
          ContainerOverrides: [
            {
              Name: "runner",
              Environment: [
                { Name: "MCPFLOW_RUNNER_MODE", Value: "host" },
                { Name: "MCPFLOW_TASK_TOKEN", "Value.$": "$$.Task.Token" },
                { Name: "MCPFLOW_RUN_ID", "Value.$": "$.runId" },
                { Name: "MCPFLOW_EXECUTION_ARN", "Value.$": "$$.Execution.Id" },
                { Name: "MCPFLOW_HOST_KEY_SHA256", "Value.$": "$.hostKeySha256" },
              ],
            },
          ],
        },
      },
      // A server that does not start is caught: only the steps that use it fail, under their own retry/on_error.
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "Server 0 did not start" }],
    });
    // The run's context is written once; each step reads its server's host from it.
    expect(asl.States["Start run"]).toMatchObject({
      Parameters: {
        "input.$": "$.input",
        run: {
          "id.$": "$.runId",
          workflow: "w",
          version: "3",
          executor: "arn:aws:lambda:eu-west-1:123456789012:function:mcpflow-remote-invoker",
          "hosts.$": "$.hosts",
        },
      },
    });
    const states = allStates(asl);
    expect((states.get("Call a")!.Parameters as State).Payload).toEqual({
      "taskToken.$": "$$.Task.Token",
      stepId: "a",
      "run.$": "$.run",
      "host.$": "$.run.hosts.s0",
    });
    expect((states.get("Call b")!.Parameters as State).Payload).toMatchObject({ "host.$": "$.run.hosts.s1" });
    expect((states.get("Call c")!.Parameters as State).Payload).toMatchObject({ "host.$": "$.run.hosts.s0" });
    expect((states.get("Call d")!.Parameters as State).Payload).not.toHaveProperty("host.$");
  });

  test("a workflow of remote servers only starts no task", () => {
    const definition = SHAPES["every feature"]!;
    const remoteOnly = optionsFor(definition);
    for (const key of Object.keys(remoteOnly.servers)) remoteOnly.servers[key] = { mode: "remote" };
    const { asl } = compileWorkflow(definition, remoteOnly);
    expect(asl.StartAt).toBe("Start run");
    expect(JSON.stringify(asl)).not.toContain("ecs:runTask");
  });

  test("a for_each step hands each item its server's host, and nothing of the items", () => {
    const definition = SHAPES["every feature"]!;
    const { asl } = compileWorkflow(definition, optionsFor(definition));
    const map = allStates(asl).get("For each b")!;
    expect(map.ItemSelector).toEqual({
      "index.$": "$$.Map.Item.Index",
      "run.$": "$.run",
      "host.$": "$.run.hosts.s0",
    });
    expect((allStates(asl).get("Call b")!.Parameters as State).Payload).toEqual({
      "taskToken.$": "$$.Task.Token",
      stepId: "b",
      "itemIndex.$": "$.index",
      "run.$": "$.run",
      "host.$": "$.host",
    });
  });

  test("a remote step invokes the step executor with the task token", () => {
    const definition = SHAPES["every feature"]!;
    const { asl } = compileWorkflow(definition, optionsFor(definition, ["io.github.example/remote@2.0.0"]));
    expect(allStates(asl).get("Call c")).toMatchObject({
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        "FunctionName.$": "$.run.executor",
        Payload: { "taskToken.$": "$$.Task.Token", "run.$": "$.run", stepId: "c" },
      },
      // The output reads only `steps.c.status`: the state keeps no more of c.
      ResultSelector: { status: "SUCCEEDED" },
      ResultPath: "$.steps.c",
    });
  });

  test("the state keeps a step's record only where a when, a for_each or the output reads it", () => {
    const definition = workflow(
      [
        step("a"),
        step("b", { depends_on: ["a"], for_each: { items: "{{ steps.a.output.json.items }}" } }),
        step("c", { depends_on: ["b"], arguments: { all: "{{ steps.b.output }}" } }),
        step("d", { depends_on: ["c"], when: { path: "{{ steps.c.status }}", equals: "SUCCEEDED" } }),
        step("e", { depends_on: ["d"], on_error: "continue" }),
      ],
      { output: { e: "{{ steps.e.output.text }}" } },
    );
    const { asl } = compileWorkflow(definition, optionsFor(definition));
    const states = allStates(asl);
    expect(states.get("Call a")).toMatchObject({ ResultPath: "$.steps.a" });
    // b is read by c's arguments only, which the step host resolves from the store.
    expect(states.get("For each b")).toMatchObject({ ResultPath: null });
    expect(states.get("For each b")).not.toHaveProperty("ResultSelector");
    expect(states.get("Call c")).toMatchObject({
      ResultSelector: { status: "SUCCEEDED" },
      ResultPath: "$.steps.c",
    });
    expect(states.get("Call d")).toMatchObject({ ResultPath: null });
    expect(states.get("Skip d")).toEqual({ Type: "Pass", Next: "Call e" });
    expect(states.get("Call e")).toMatchObject({ ResultPath: "$.steps.e" });
    expect(states.get("Record failure e")).toMatchObject({ Parameters: { status: "FAILED", output: null } });
  });

  test("retry becomes Retry on the MCP and Step Functions errors with max_attempts - 1 retries", () => {
    const { asl } = compileWorkflow(SHAPES["every feature"]!, optionsFor(SHAPES["every feature"]!));
    expect(allStates(asl).get("Call a")?.Retry).toEqual([
      {
        ErrorEquals: ["Mcp.ToolError", "Mcp.ServerError", "States.Timeout", "States.TaskFailed"],
        IntervalSeconds: 3,
        BackoffRate: 1.5,
        MaxAttempts: 3,
      },
    ]);
  });

  test("a diamond runs its middle steps in one Parallel state", () => {
    const { asl } = compileWorkflow(SHAPES.diamond!, optionsFor(SHAPES.diamond!));
    expect(Object.keys(asl.States)).toEqual([
      "Start servers",
      "Start run",
      "Call a",
      "Parallel 1",
      "Call d",
      "Build output",
    ]);
    const parallel = asl.States["Parallel 1"] as { Branches: StateMachine[] };
    expect(parallel.Branches.map((b) => b.StartAt)).toEqual(["Call b", "Call c"]);
  });

  test("an unpinned or unknown server version and an ECS server without task definition are refused", () => {
    const definition = workflow([
      { id: "a", server: "io.github.example/tools", tool: "t" },
      { id: "b", server: "io.github.example/other@1", tool: "t" },
      step("c"),
    ]);
    const options = optionsFor(definition);
    delete options.servers["io.github.example/other@1"];
    options.servers[SERVER] = { mode: "ecs" };
    expect(compileIssues(definition, options)).toEqual([
      { field: "steps[0].server", rule: "version must be pinned before the workflow is compiled" },
      { field: "steps[1].server", rule: "no runtime is known for io.github.example/other@1" },
      { field: "steps[2].server", rule: `${SERVER} runs on ECS but has no task definition` },
    ]);
  });

  test("validation issues stop compilation", () => {
    expect(compileIssues(workflow([step("a", { depends_on: ["b"] })]))).toEqual([
      { field: "steps[0].depends_on", rule: 'unknown step "b"' },
    ]);
  });

  test("an output template ASL cannot express is refused with its field", () => {
    const definition = workflow([step("a")], { output: { mixed: [{ x: 1 }, "{{ steps.a.output }}"] } });
    expect(compileIssues(definition)).toEqual([
      {
        field: "output.mixed",
        rule: "an array that holds objects cannot also hold reference strings; wrap each reference in an object",
      },
    ]);
  });
});

describe("aslLimits", () => {
  test("a definition over 1 MiB is reported with its size", () => {
    expect(aslLimits("x".repeat(ASL_MAX_DEFINITION_BYTES))).toEqual([]);
    expect(aslLimits(`${"x".repeat(ASL_MAX_DEFINITION_BYTES - 1)}é`)).toEqual([
      {
        field: "steps",
        rule: `compiled state machine is ${ASL_MAX_DEFINITION_BYTES + 1} bytes; Step Functions allows 1 MiB`,
      },
    ]);
  });

  test("compileWorkflow refuses a workflow whose state machine would exceed 1 MiB", () => {
    const steps = Array.from({ length: 4000 }, (_, i) =>
      step(`s${i}`, i > 0 ? { depends_on: [`s${i - 1}`] } : {}),
    );
    const issues = compileIssues(workflow(steps));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe("steps");
    expect(issues[0]?.rule).toMatch(/^compiled state machine is \d+ bytes; Step Functions allows 1 MiB$/);
  });
});
