// What run-status reads of a run on AWS for its cost (shared/costs/aws-measure.ts). Step Functions' history runs on
// moto (tests/e2e/aws-path.test.ts); moto's ECS keeps no task times, so the tasks' seconds are proven here with
// aws-sdk-client-mock: each task from its image pull to its stop (a running one until now), a minute at least;
// a history or a cluster longer than the bound, or an error, leaves the figure to the cost model.
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_HISTORY_PAGES, measureAwsRun } from "../../../shared/costs/aws-measure.js";

const ecsMock = mockClient(ECSClient);
const sfnMock = mockClient(SFNClient);
const ecs = new ECSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const sfn = new SFNClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/mcpflow-test";
const RUN = {
  runId: "run-1",
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:mcpflow-test-w:run-1",
};
const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + s * 1000);
const lambda = { resourceType: "lambda", resource: "invoke.waitForTaskToken" };
const HISTORY = [
  { id: 1, previousEventId: 0, type: "ExecutionStarted", timestamp: at(0) },
  { id: 2, previousEventId: 1, type: "TaskStateEntered", timestamp: at(0) },
  { id: 3, previousEventId: 2, type: "TaskScheduled", timestamp: at(0), taskScheduledEventDetails: lambda },
  { id: 4, previousEventId: 3, type: "TaskStarted", timestamp: at(1) },
  { id: 5, previousEventId: 4, type: "TaskSucceeded", timestamp: at(3) },
  { id: 6, previousEventId: 5, type: "TaskStateExited", timestamp: at(3) },
  { id: 7, previousEventId: 6, type: "ExecutionSucceeded", timestamp: at(3) },
];

let warnings: string[] = [];
const deps = () => ({
  sfn,
  ecs,
  cluster: CLUSTER,
  warn: (message: string) => warnings.push(message),
  now: () => at(100),
});

beforeEach(() => {
  warnings = [];
  ecsMock.reset();
  sfnMock.reset();
  sfnMock.on(GetExecutionHistoryCommand).resolves({ events: HISTORY as never });
  // Running: this run's task (pulled at 5 s) and another run's; stopped: this run's second task, 10 s to 40 s.
  ecsMock.on(ListTasksCommand, { desiredStatus: "RUNNING" }).resolves({ taskArns: ["t-run", "t-other"] });
  ecsMock.on(ListTasksCommand, { desiredStatus: "STOPPED" }).resolves({ taskArns: ["t-stopped"] });
  ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: input.tasks.map((arn) =>
      arn === "t-run"
        ? { taskArn: arn, group: "mcpflow-run:run-1", pullStartedAt: at(5), startedAt: at(30) }
        : arn === "t-stopped"
          ? { taskArn: arn, group: "mcpflow-run:run-1", startedAt: at(10), stoppedAt: at(40) }
          : { taskArn: arn, group: "mcpflow-run:run-2", startedAt: at(0) },
    ),
  }));
});
afterAll(() => {
  ecsMock.restore();
  sfnMock.restore();
});

describe("measureAwsRun", () => {
  it("counts the history's transitions and executor calls, and the run's tasks from pull to stop", async () => {
    const measured = await measureAwsRun(deps(), RUN);
    expect(measured).toEqual({
      stateTransitions: 1,
      executorInvocations: 1,
      executorSeconds: 2,
      tasks: 2,
      // The running task from its pull (5 s) until now (100 s): 95 s; the stopped one 30 s, billed a minute.
      taskSeconds: 95 + 60,
    });
    expect(warnings).toEqual([]);
    // The history is read without its inputs and outputs.
    expect(sfnMock.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input).toMatchObject({
      includeExecutionData: false,
      maxResults: 1000,
    });
  });

  it("leaves the history's figures to the model past MAX_HISTORY_PAGES pages, and says so", async () => {
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: HISTORY as never, nextToken: "more" });
    const measured = await measureAwsRun(deps(), RUN);
    expect(sfnMock.commandCalls(GetExecutionHistoryCommand)).toHaveLength(MAX_HISTORY_PAGES);
    expect(measured).toEqual({ tasks: 2, taskSeconds: 155 });
    expect(warnings).toEqual([expect.stringMatching(/history is longer than mcpflow reads/)]);
  });

  it("leaves the tasks to the model when a task's start is not known (moto keeps no times)", async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: "t-run", group: "mcpflow-run:run-1" }] });
    const measured = await measureAwsRun(deps(), RUN);
    expect(measured).toEqual({ stateTransitions: 1, executorInvocations: 1, executorSeconds: 2 });
  });

  it("an error reading either leaves that figure to the model; the run still ends", async () => {
    sfnMock.on(GetExecutionHistoryCommand).rejects(new Error("AccessDeniedException"));
    ecsMock.on(ListTasksCommand).rejects(new Error("ThrottlingException"));
    expect(await measureAwsRun(deps(), RUN)).toEqual({});
    expect(warnings).toHaveLength(2);
  });

  it("measures no task without a cluster, and a run with no task of its own as none", async () => {
    expect(await measureAwsRun({ ...deps(), cluster: undefined }, RUN)).not.toHaveProperty("tasks");
    ecsMock.on(ListTasksCommand).resolves({ taskArns: ["t-other"] });
    expect(await measureAwsRun(deps(), RUN)).toMatchObject({ tasks: 0, taskSeconds: 0 });
  });
});
