// The step-host contract over the three hosts: the embedded engine's Task override, the Fargate runner (its task
// environment built from the step's server, as the ECS launcher does) and the remote invoker. Only Step Functions is
// mocked (aws-sdk-client-mock): nothing here can run it; the store, the blobs and the MCP servers are real.
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect } from "vitest";
import { createRemoteMcpHandler } from "../../functions/invoker/remote-mcp.js";
import { EXIT_CODES, runFromEnv } from "../../functions/runner/runner.js";
import type { LocalOrchestrator } from "../../local/engine.js";
import type { Runtime } from "../../shared/registry/schema.js";
import type { StepRefs } from "../../shared/runs/step-call.js";
import { stepHostContract, type TaskAnswer, useStepHostWorld } from "./step-host.contract.js";

const sfnMock = mockClient(SFNClient);
const sfn = new SFNClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
});
afterAll(() => {
  sfnMock.restore();
});

/** What the state machine received through the task token: the one report sent with `taskToken`. */
function reported(taskToken: string): TaskAnswer {
  const successes = sfnMock
    .commandCalls(SendTaskSuccessCommand)
    .filter((c) => c.args[0].input.taskToken === taskToken);
  const failures = sfnMock
    .commandCalls(SendTaskFailureCommand)
    .filter((c) => c.args[0].input.taskToken === taskToken);
  expect(successes.length + failures.length).toBe(1);
  if (successes[0]) return { status: "SUCCEEDED", result: JSON.parse(successes[0].args[0].input.output!) };
  const input = failures[0]!.args[0].input;
  return { status: "FAILED", error: input.error!, cause: JSON.parse(input.cause!) };
}

const tokenOf = (refs: StepRefs) => `token-${refs.runId}-${refs.stepId}`;

/** One embedded platform for the three hosts: they write to the same store, as they do on AWS. */
const world = useStepHostWorld();

describe("embedded engine", () => {
  stepHostContract("embedded engine (Task override)", world, () => ({
    async run(refs) {
      const engine = world.store.orchestrator as LocalOrchestrator;
      // The Task's effective input, as the compiled ASL hands it to every step (statemachines/compile.ts).
      const parameters = {
        FunctionName: "arn:aws:lambda:local:000000000000:function:mcpflow-local-remote-mcp",
        Payload: {
          taskToken: tokenOf(refs),
          stepId: refs.stepId,
          ...(refs.itemIndex !== undefined ? { itemIndex: refs.itemIndex } : {}),
          run: { id: refs.runId, workflow: refs.workflow, version: String(refs.workflowVersion) },
        },
      };
      try {
        return { status: "SUCCEEDED", result: (await engine.invokeTask(parameters)) as never };
      } catch (error) {
        const failure = error as Error;
        return { status: "FAILED", error: failure.name, cause: JSON.parse(failure.message) };
      }
    },
  }));
});

describe("Fargate runner", () => {
  stepHostContract("Fargate runner", world, () => ({
    async run(refs, runtime: Runtime) {
      if (runtime.transport !== "stdio") throw new Error("the runner cases use stdio servers");
      const env = {
        MCPFLOW_TASK_TOKEN: tokenOf(refs),
        MCPFLOW_RUN_ID: refs.runId,
        MCPFLOW_STEP_ID: refs.stepId,
        MCPFLOW_WORKFLOW: refs.workflow,
        MCPFLOW_WORKFLOW_VERSION: String(refs.workflowVersion),
        MCPFLOW_SERVER_COMMAND: runtime.command,
        MCPFLOW_SERVER_ARGS: JSON.stringify(runtime.args ?? []),
      };
      const code = await runFromEnv(
        env,
        { sfn, store: world.store },
        { heartbeatIntervalMs: 60_000, startTimeoutMs: 15_000, closeGraceMs: 300 },
      );
      expect(code).toBe(EXIT_CODES.reported);
      return reported(tokenOf(refs));
    },
  }));
});

describe("remote invoker", () => {
  stepHostContract("remote invoker", world, () => ({
    async run(refs) {
      const invoke = createRemoteMcpHandler({ sfn, platform: async () => world.store });
      await invoke({
        taskToken: tokenOf(refs),
        stepId: refs.stepId,
        ...(refs.itemIndex !== undefined ? { itemIndex: refs.itemIndex } : {}),
        run: { id: refs.runId, workflow: refs.workflow, version: refs.workflowVersion },
      });
      return reported(tokenOf(refs));
    },
  }));
});
