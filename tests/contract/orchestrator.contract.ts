// The Orchestrator contract: what the embedded engine and Step Functions do alike with a deployed workflow —
// versioned ARNs, executions named after the run, a history that starts with ExecutionStarted, a stop that holds.
import { describe, expect, it } from "vitest";
import { ExecutionInput } from "../../shared/orchestrator/execution-input.js";
import type { Orchestrator } from "../../shared/orchestrator/port.js";

/** A run's host key digest, as startRun hands it to the orchestrator (shared/runs/host-key.ts). */
const HOST_KEY_SHA256 = "ab".repeat(32);

const PASS = JSON.stringify({
  QueryLanguage: "JSONPath",
  StartAt: "Only",
  States: { Only: { Type: "Pass", Result: { ok: true }, End: true } },
});

/** A state machine whose output is its execution input: what the compiled ASL's first state reads as `$`. */
const ECHO = JSON.stringify({
  QueryLanguage: "JSONPath",
  StartAt: "Echo",
  States: { Echo: { Type: "Pass", End: true } },
});

export interface ExecutionOutputFixture extends OrchestratorFixture {
  /** The output of an execution once it has ended (Step Functions' DescribeExecution, the embedded run record). */
  outputOf(started: { runId: string; executionArn: string }): Promise<unknown>;
}

export interface OrchestratorFixture {
  orchestrator: Orchestrator;
  /** Called before start, for adapters whose bookkeeping needs the run to exist. */
  prepareRun?(runId: string, workflow: string): Promise<unknown>;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

export function orchestratorContract(name: string, fixture: () => OrchestratorFixture): void {
  describe(`Orchestrator contract: ${name}`, () => {
    it("deploys each workflow version to its own ARN, naming the workflow", async () => {
      const { orchestrator } = fixture();
      const v1 = await orchestrator.deploy({ name: "contract-deploy", version: 1, aslJson: PASS });
      const v2 = await orchestrator.deploy({ name: "contract-deploy", version: 2, aslJson: PASS });
      expect(v1.stateMachineArn).toContain("contract-deploy");
      expect(v2.stateMachineArn).toContain("contract-deploy");
      expect(v2.stateMachineArn).not.toBe(v1.stateMachineArn);
    });

    it("names the execution after the run id, and its history starts with ExecutionStarted", async () => {
      const { orchestrator, prepareRun } = fixture();
      const runId = `contract-${Date.now().toString(36)}`;
      await orchestrator.deploy({ name: "contract-run", version: 1, aslJson: PASS });
      await prepareRun?.(runId, "contract-run");
      const started = await orchestrator.start({
        runId,
        workflow: "contract-run",
        version: 1,
        aslJson: PASS,
        hostKeySha256: HOST_KEY_SHA256,
        input: {},
      });
      expect(started.executionArn.endsWith(`:${runId}`)).toBe(true);
      const events = await eventually(
        () => orchestrator.events({ runId, executionArn: started.executionArn }),
        (list) => list.length > 0,
      );
      expect(events[0]?.type).toBe("ExecutionStarted");
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    });

    it("stops an execution, and stopping it again is not an error", async () => {
      const { orchestrator, prepareRun } = fixture();
      const runId = `contract-stop-${Date.now().toString(36)}`;
      await orchestrator.deploy({ name: "contract-stop", version: 1, aslJson: PASS });
      await prepareRun?.(runId, "contract-stop");
      const started = await orchestrator.start({
        runId,
        workflow: "contract-stop",
        version: 1,
        aslJson: PASS,
        hostKeySha256: HOST_KEY_SHA256,
        input: {},
      });
      await orchestrator.stop({ runId, executionArn: started.executionArn }, "contract");
      await orchestrator.stop({ runId, executionArn: started.executionArn }, "contract again");
    });
  });
}

/**
 * Whatever runs the state machine, it starts from the same `$`: `{ input, runId }`. Apart from the contract above
 * because an interpreter that executes states (moto with execution on) can run only one execution per server.
 */
export function executionInputContract(name: string, fixture: () => ExecutionOutputFixture): void {
  describe(`Orchestrator contract, execution input: ${name}`, () => {
    it("hands the state machine the run's input and id as `$`, as the compiled ASL reads them", async () => {
      const { orchestrator, prepareRun, outputOf } = fixture();
      const runId = `contract-input-${Date.now().toString(36)}`;
      const input = { name: "Ada", words: ["alpha", "beta"], nested: { n: 2 } };
      await orchestrator.deploy({ name: "contract-input", version: 1, aslJson: ECHO });
      await prepareRun?.(runId, "contract-input");
      const started = await orchestrator.start({
        runId,
        workflow: "contract-input",
        version: 1,
        aslJson: ECHO,
        hostKeySha256: HOST_KEY_SHA256,
        input,
      });
      const dollar = ExecutionInput.parse(await outputOf({ runId, executionArn: started.executionArn }));
      expect(dollar).toEqual({ input, runId, hostKeySha256: HOST_KEY_SHA256 });
    });
  });
}
