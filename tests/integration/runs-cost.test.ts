// A local run's record carries what it used and what it would cost on AWS (issue 15): counted by the engine where it
// can (state transitions, store requests), the rest from the model in shared/costs/usage.ts, priced in one place.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRICES } from "../../shared/costs/prices.js";
import {
  EVERYTHING,
  FLAKY,
  publishExampleServers,
  publishFlakyServer,
  saveWorkflow,
  startRun,
  waitForRun,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const memoryFile = join(tmpdir(), `mcpflow-runs-cost-memory-${process.pid}.jsonl`);

beforeAll(async () => {
  p = await startTestPlatform();
  await publishExampleServers(p, memoryFile);
  await publishFlakyServer(p);
});
afterAll(async () => {
  await p?.cleanup();
  await rm(memoryFile, { force: true });
});

const echo = (id: string, after?: string) => ({
  id,
  server: EVERYTHING,
  tool: "echo",
  arguments: { message: id },
  ...(after ? { depends_on: [after] } : {}),
});

describe("a run's usage and cost", () => {
  it("a sequence of three steps: its server started once, three calls and two Pass states entered, one task, its store requests counted", async () => {
    await saveWorkflow(p, { name: "cost-sequence", steps: [echo("a"), echo("b", "a"), echo("c", "b")] });
    const id = await startRun(p, "cost-sequence");
    const run = await waitForRun(p, id);
    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");

    const { usage, cost } = run;
    // The states entered, as the engine counted them from its history (the events API shows the same ones).
    const events = (await p.api("GET", `/v1/runs/${id}/events`, { role: "viewer" })).body.events as {
      type: string;
    }[];
    const entered = events.filter((e) => e.type.endsWith("StateEntered")).length;
    expect(usage.stateTransitions).toBe(entered);
    // "Start servers" (a Parallel of one Task, decision 0008), "Start run", the three calls, "Build output".
    expect(events.filter((e) => e.type === "TaskStateEntered")).toHaveLength(4);
    expect(entered).toBe(7);
    expect(usage.measured).toEqual(["stateTransitions", "storeReads", "storeWrites"]);
    // One server, started once for the run: a task billed one minute at least.
    expect(usage).toMatchObject({ tasks: 1, taskSeconds: 60, apiRequests: 1, functionRequests: 5 });
    // Each step wrote its attempt in one write (a call within 100 ms) or two (start, then end); the start and the
    // end of the run add theirs (2 + 1, modelled).
    expect(usage.storeWrites).toBeGreaterThanOrEqual(3 * 1 + 3);
    expect(usage.storeWrites).toBeLessThanOrEqual(3 * 2 + 3);
    expect(usage.storeReads).toBeGreaterThanOrEqual(3);
    expect(usage.functionGbSeconds).toBeGreaterThan(0);

    const prices = PRICES["us-east-1"]!;
    expect(cost).toMatchObject({
      currency: "USD",
      region: "us-east-1",
      pricesAsOf: prices.asOf,
      estimated: true,
    });
    // A minute of the default task, seven transitions, and the functions, store requests and API request.
    const task = 60 * (0.25 * prices.fargateVcpuSecond + 0.5 * prices.fargateGbSecond);
    const others =
      usage.functionGbSeconds * prices.lambdaGbSecond +
      usage.functionRequests * prices.lambdaRequest +
      usage.storeReads * prices.dynamoRead +
      usage.storeWrites * prices.dynamoWrite +
      prices.apiRequest;
    expect(cost.usd).toBeCloseTo(task + entered * prices.stateTransition + others, 8);

    // The listing's summaries leave them out; the record keeps them.
    const again = (await p.api("GET", `/v1/runs/${id}`, { role: "viewer" })).body;
    expect(again.cost).toEqual(cost);
  });

  it("a retried step: each retry is a transition and an attempt of the step executor", async () => {
    await saveWorkflow(p, {
      name: "cost-retry",
      steps: [
        {
          id: "call",
          server: FLAKY,
          tool: "flaky",
          arguments: { key: "cost-retry", failures: 1 },
          retry: { max_attempts: 2, interval_seconds: 1, backoff_rate: 1 },
        },
      ],
    });
    const run = await waitForRun(p, await startRun(p, "cost-retry"));
    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    // Start servers and its Task, start, the call entered once and retried once, the output.
    expect(run.usage.stateTransitions).toBe(6);
    expect(run.usage.functionRequests).toBe(2 + 2);
    expect(run.usage.tasks).toBe(1);
  });
});
