// The Step Functions orchestrator against moto_server: deploy creates then updates (with versions and the `live`
// alias), start names the execution after the run, stop aborts it, events page through the history. moto does not
// execute states, so the ASL is a single Pass state and the history is moto's canned one.
import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { beforeAll, describe, expect, it } from "vitest";
import { createStepFunctionsOrchestrator, LIVE_ALIAS } from "../../../shared/orchestrator/step-functions.js";
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoAvailable, useMotoServer } from "../../helpers/moto.js";

/** A run's host key digest, as startRun hands it to the orchestrator (shared/runs/host-key.ts). */
const HOST_KEY_SHA256 = "ab".repeat(32);

const ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-test-states`;
const LOG_GROUP = `arn:aws:logs:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:log-group:/mcpflow/test/states:*`;
const pass = (result: string) =>
  JSON.stringify({ StartAt: "Only", States: { Only: { Type: "Pass", Result: { result }, End: true } } });

describe.skipIf(!motoAvailable)("Step Functions orchestrator on moto_server", () => {
  const moto = useMotoServer();
  let client: SFNClient;
  beforeAll(() => {
    client = new SFNClient(moto.clientConfig);
  });
  const orchestrator = (accountId?: string) =>
    createStepFunctionsOrchestrator({
      client,
      roleArn: ROLE,
      namePrefix: "mcpflow-test-",
      region: MOTO_REGION,
      logGroupArn: LOG_GROUP,
      ...(accountId ? { accountId } : {}),
    });

  it("creates the state machine on the first deploy, published as version 1 behind the live alias", async () => {
    const deployed = await orchestrator().deploy({ name: "sfn-create", version: 1, aslJson: pass("v1") });
    const machineArn = `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:stateMachine:mcpflow-test-sfn-create`;
    expect(deployed.stateMachineArn).toBe(`${machineArn}:1`);

    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    expect(machine).toMatchObject({ name: "mcpflow-test-sfn-create", type: "STANDARD", roleArn: ROLE });
    expect(JSON.parse(machine.definition!)).toEqual(JSON.parse(pass("v1")));
    expect(machine.tracingConfiguration).toEqual({ enabled: true });
    expect(machine.loggingConfiguration?.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn).toBe(
      LOG_GROUP,
    );

    const alias = await client.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machineArn}:${LIVE_ALIAS}` }),
    );
    expect(alias.routingConfiguration).toEqual([{ stateMachineVersionArn: `${machineArn}:1`, weight: 100 }]);
  });

  it("updates the existing state machine on the next deploy and moves the alias to the new version", async () => {
    // Without an account id the ARN is found by listing; with one it is computed. Both paths update.
    await orchestrator().deploy({ name: "sfn-update", version: 1, aslJson: pass("v1") });
    const second = await orchestrator().deploy({ name: "sfn-update", version: 2, aslJson: pass("v2") });
    const third = await orchestrator(MOTO_ACCOUNT_ID).deploy({
      name: "sfn-update",
      version: 3,
      aslJson: pass("v3"),
    });
    const machineArn = `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:stateMachine:mcpflow-test-sfn-update`;
    expect(second.stateMachineArn).toBe(`${machineArn}:2`);
    expect(third.stateMachineArn).toBe(`${machineArn}:3`);

    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    expect(JSON.parse(machine.definition!)).toEqual(JSON.parse(pass("v3")));
    const version2 = await client.send(
      new DescribeStateMachineCommand({ stateMachineArn: `${machineArn}:2` }),
    );
    expect(JSON.parse(version2.definition!)).toEqual(JSON.parse(pass("v2")));
    const alias = await client.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machineArn}:${LIVE_ALIAS}` }),
    );
    expect(alias.routingConfiguration?.[0]?.stateMachineVersionArn).toBe(`${machineArn}:3`);
  });

  it("starts an execution named after the run id and links it to the console", async () => {
    const sfn = orchestrator();
    await sfn.deploy({ name: "sfn-start", version: 1, aslJson: pass("v1") });
    const started = await sfn.start({
      runId: "run-start-1",
      workflow: "sfn-start",
      version: 1,
      aslJson: pass("v1"),
      hostKeySha256: HOST_KEY_SHA256,
      input: { n: 1 },
    });
    expect(started.executionArn).toBe(
      `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:execution:mcpflow-test-sfn-start:run-start-1`,
    );
    expect(started.consoleUrl).toBe(
      `https://${MOTO_REGION}.console.aws.amazon.com/states/home?region=${MOTO_REGION}#/v2/executions/details/${started.executionArn}`,
    );
    const execution = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(execution).toMatchObject({ name: "run-start-1", status: "RUNNING" });
    // The run input as a run carries it; the adapter wraps it as the compiled ASL expects, with the host key's hash.
    expect(JSON.parse(execution.input!)).toEqual({
      input: { n: 1 },
      runId: "run-start-1",
      hostKeySha256: HOST_KEY_SHA256,
    });
  });

  it("starts on the version the workflow version was deployed as, when the store knows it", async () => {
    const deployedVersions = new Map<number, string>();
    const sent: { input: { stateMachineArn?: string } }[] = [];
    const recording = {
      send: (command: { input: { stateMachineArn?: string } }) => {
        sent.push(command);
        return client.send(command as never);
      },
    } as unknown as SFNClient;
    const sfn = createStepFunctionsOrchestrator({
      client: recording,
      roleArn: ROLE,
      namePrefix: "mcpflow-test-",
      region: MOTO_REGION,
      versionArnOf: async (_workflow, version) => deployedVersions.get(version),
    });
    deployedVersions.set(
      1,
      (await sfn.deploy({ name: "sfn-pinned", version: 1, aslJson: pass("v1") })).stateMachineArn!,
    );
    await sfn.deploy({ name: "sfn-pinned", version: 2, aslJson: pass("v2") });
    // moto_server cannot start an execution of a version (it answers HTTP 500), so this proves the request only.
    await sfn
      .start({
        runId: "run-pinned-1",
        workflow: "sfn-pinned",
        version: 1,
        aslJson: pass("v1"),
        input: {},
        hostKeySha256: HOST_KEY_SHA256,
      })
      .catch(() => undefined);
    expect(sent.at(-1)?.input).toMatchObject({
      stateMachineArn: `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:stateMachine:mcpflow-test-sfn-pinned:1`,
      name: "run-pinned-1",
    });
  });

  it("refuses to start a second execution with the same run id", async () => {
    const sfn = orchestrator();
    await sfn.deploy({ name: "sfn-twice", version: 1, aslJson: pass("v1") });
    const run = {
      runId: "run-twice",
      workflow: "sfn-twice",
      version: 1,
      aslJson: pass("v1"),
      hostKeySha256: HOST_KEY_SHA256,
    };
    await sfn.start({ ...run, input: { a: 1 } });
    await expect(sfn.start({ ...run, input: { a: 2 } })).rejects.toMatchObject({
      name: "ExecutionAlreadyExists",
    });
  });

  it("stops a running execution: it ends ABORTED", async () => {
    const sfn = orchestrator();
    await sfn.deploy({ name: "sfn-stop", version: 1, aslJson: pass("v1") });
    const { executionArn } = await sfn.start({
      runId: "run-stop-1",
      workflow: "sfn-stop",
      version: 1,
      aslJson: pass("v1"),
      hostKeySha256: HOST_KEY_SHA256,
      input: {},
    });
    await sfn.stop({ runId: "run-stop-1", executionArn }, "cancelled by a test");
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe("ABORTED");
    expect(execution.stopDate).toBeInstanceOf(Date);
  });

  it("maps the execution history to execution events with state names and details", async () => {
    const sfn = orchestrator();
    await sfn.deploy({ name: "sfn-history", version: 1, aslJson: pass("v1") });
    const { executionArn } = await sfn.start({
      runId: "run-history-1",
      workflow: "sfn-history",
      version: 1,
      aslJson: pass("v1"),
      hostKeySha256: HOST_KEY_SHA256,
      input: {},
    });
    const events = await sfn.events({ runId: "run-history-1", executionArn });
    // moto answers a fixed history for every execution (it runs no states).
    expect(events.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
    expect(events[0]).toMatchObject({
      id: 1,
      timestamp: "2020-01-01T00:00:00.000Z",
      detail: { roleArn: ROLE },
    });
    expect(events[1]).toMatchObject({
      id: 2,
      stateName: "A State",
      detail: { name: "A State", input: "{}" },
    });
    expect(events[3]).toMatchObject({ id: 4, detail: { output: "An output", previousEventId: 3 } });
  });

  it("says which workflow has no state machine when a run starts before any deploy", async () => {
    await expect(
      orchestrator().start({
        runId: "run-none",
        workflow: "sfn-never-deployed",
        version: 1,
        aslJson: pass("v1"),
        hostKeySha256: HOST_KEY_SHA256,
        input: {},
      }),
    ).rejects.toThrow(/sfn-never-deployed has no state machine/);
  });
});
