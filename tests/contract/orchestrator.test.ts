// Orchestrator: the embedded engine (aws-local-stepfunctions) and the Step Functions adapter (on moto_server)
// pass one contract. moto runs no states unless asked, so the main contract holds to what both can show; the execution
// input case runs on a moto that executes states (LocalStack's interpreter), one execution per server.
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { createStepFunctionsOrchestrator } from "../../shared/orchestrator/step-functions.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { Runs } from "../../shared/runs/store.js";
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoAvailable, useMotoServer } from "../helpers/moto.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";
import { executionInputContract, orchestratorContract } from "./orchestrator.contract.js";

/** Reads until `ok`, for at most 10 s: an execution ends asynchronously on both interpreters. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe("embedded engine", () => {
  let p: TestPlatform;
  let platform: Platform;
  beforeAll(async () => {
    p = await startTestPlatform();
    platform = await getPlatform();
  });
  afterAll(async () => {
    await p?.cleanup();
  });
  const fixture = () => ({
    orchestrator: platform.orchestrator,
    prepareRun: (runId: string, workflow: string) =>
      new Runs(platform).create({ id: runId, workflow, version: 1, input: {}, startedBy: "user:contract" }),
    outputOf: async ({ runId }: { runId: string }) => {
      const run = await eventually(
        () => new Runs(platform).get(runId),
        (r) => r.status !== "RUNNING",
      );
      expect(run.status).toBe("SUCCEEDED");
      return run.output;
    },
  });
  orchestratorContract("aws-local-stepfunctions", fixture);
  executionInputContract("aws-local-stepfunctions", fixture);
});

describe.skipIf(!motoAvailable)("Step Functions on moto_server", () => {
  const moto = useMotoServer();
  let client: SFNClient;
  beforeAll(() => {
    client = new SFNClient(moto.clientConfig);
  });
  orchestratorContract("Step Functions (moto)", () => ({
    orchestrator: createStepFunctionsOrchestrator({
      client,
      roleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-contract-states`,
      namePrefix: "mcpflow-contract-",
      region: MOTO_REGION,
    }),
  }));
});

describe.skipIf(!motoAvailable)("Step Functions on moto_server, executing states", () => {
  const moto = useMotoServer();
  let client: SFNClient;
  beforeAll(async () => {
    client = new SFNClient(moto.clientConfig);
    // moto runs states only when asked; it then embeds LocalStack's ASL interpreter, independent of ours.
    const response = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: "POST",
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(response.ok).toBe(true);
  });
  executionInputContract("Step Functions (moto, executing)", () => ({
    orchestrator: createStepFunctionsOrchestrator({
      client,
      roleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-contract-states`,
      namePrefix: "mcpflow-contract-",
      region: MOTO_REGION,
    }),
    outputOf: async ({ executionArn }) => {
      const execution = await eventually(
        () => client.send(new DescribeExecutionCommand({ executionArn })),
        (e) => e.status !== "RUNNING",
      );
      expect(execution.status).toBe("SUCCEEDED");
      return JSON.parse(execution.output ?? "null");
    },
  }));
});
