// Orchestrator: the embedded engine (aws-local-stepfunctions) and the Step Functions adapter (on moto_server)
// pass one contract. moto runs no states, so the contract holds to what both can show.
import { SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe } from "vitest";
import { createStepFunctionsOrchestrator } from "../../shared/orchestrator/step-functions.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { Runs } from "../../shared/runs/store.js";
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoAvailable, useMotoServer } from "../helpers/moto.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";
import { orchestratorContract } from "./orchestrator.contract.js";

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
  orchestratorContract("aws-local-stepfunctions", () => ({
    orchestrator: platform.orchestrator,
    prepareRun: (runId, workflow) =>
      new Runs(platform).create({ id: runId, workflow, version: 1, input: {}, startedBy: "user:contract" }),
  }));
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
