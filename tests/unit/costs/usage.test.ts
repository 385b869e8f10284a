// The usage model on known inputs: what a host counted is kept, the rest comes from the model's per-attempt and
// per-run numbers; one task per server for the run, a minute at least; a tool call is one API function.
import { describe, expect, it } from "vitest";
import { estimateCost } from "../../../shared/costs/estimate.js";
import { PRICES } from "../../../shared/costs/prices.js";
import { MODEL, runUsage } from "../../../shared/costs/usage.js";

const run = {
  startedAt: "2026-11-27T10:00:00.000Z",
  endedAt: "2026-11-27T10:01:30.400Z",
  // Two steps, the second retried once: 3 attempts, 2 s and 10 s of calls.
  calls: [
    { attempts: 1, seconds: 2 },
    { attempts: 2, seconds: 10 },
  ],
  taskServers: 2,
  toolCall: false,
};

describe("runUsage", () => {
  it("models every figure when nothing was counted (the AWS path's store requests)", () => {
    const usage = runUsage({ ...run, measured: {} });
    expect(usage).toEqual({
      stateTransitions: MODEL.transitionsPerRun + 3,
      tasks: 2,
      // 90.4 s of run: each of the two tasks billed 91 s.
      taskSeconds: 2 * 91,
      // API start 1 GB x 0.1 s, the executor 0.5 GB x 12 s, run-status 0.5 GB x 0.5 s.
      functionGbSeconds: 0.1 + 6 + 0.25,
      functionRequests: 2 + 3,
      storeReads: MODEL.start.reads + MODEL.end.reads + 3 * MODEL.attempt.reads,
      storeWrites: MODEL.start.writes + MODEL.end.writes + 3 * MODEL.attempt.writes,
      apiRequests: 1,
      measured: [],
    });
  });

  it("keeps what the host counted and says which figures those are", () => {
    const usage = runUsage({ ...run, measured: { stateTransitions: 9, storeReads: 40, storeWrites: 7 } });
    expect(usage.stateTransitions).toBe(9);
    expect(usage.storeReads).toBe(MODEL.start.reads + MODEL.end.reads + 40);
    expect(usage.storeWrites).toBe(MODEL.start.writes + MODEL.end.writes + 7);
    expect(usage.measured).toEqual(["stateTransitions", "storeReads", "storeWrites"]);
  });

  it("bills a task a minute however short the run, and none for remote servers only", () => {
    const short = { ...run, endedAt: "2026-11-27T10:00:03.000Z", measured: {} };
    expect(runUsage({ ...short, taskServers: 1 }).taskSeconds).toBe(60);
    expect(runUsage({ ...short, taskServers: 0 })).toMatchObject({ tasks: 0, taskSeconds: 0 });
  });

  it("a tool call from the API: one function for the call's length, no transition, no task", () => {
    const usage = runUsage({
      ...run,
      endedAt: "2026-11-27T10:00:01.500Z",
      calls: [{ attempts: 1, seconds: 1.2 }],
      toolCall: true,
      measured: {},
    });
    expect(usage).toMatchObject({
      stateTransitions: 0,
      tasks: 0,
      taskSeconds: 0,
      functionGbSeconds: 1.5,
      functionRequests: 1,
      apiRequests: 1,
    });
  });

  it("prices the modelled run: 182 task-seconds are most of it", () => {
    const prices = PRICES["us-east-1"]!;
    const { usd } = estimateCost(runUsage({ ...run, measured: {} }), prices);
    const taskSecond = 0.25 * prices.fargateVcpuSecond + 0.5 * prices.fargateGbSecond;
    expect(usd).toBeGreaterThan(182 * taskSecond);
    // $0.000624 of tasks, $0.000125 of transitions, $0.000106 of Lambda; store ($0.0000054), the API request
    // ($0.0000035) and Lambda requests ($0.000001) the rest.
    expect(usd).toBeCloseTo(0.000624 + 0.000125 + 0.000106 + 0.0000054 + 0.0000035 + 0.000001, 6);
  });
});

describe("runUsage with what AWS measured", () => {
  it("takes the tasks, task-seconds and the executor's invocations and seconds from the measurement", () => {
    const usage = runUsage({
      ...run,
      measured: {
        stateTransitions: 14,
        tasks: 2,
        taskSeconds: 61 + 95,
        executorInvocations: 4,
        executorSeconds: 3.5,
      },
    });
    expect(usage).toMatchObject({
      stateTransitions: 14,
      tasks: 2,
      taskSeconds: 156,
      // API start 1 GB x 0.1 s, the executor 0.5 GB x 3.5 s (measured), run-status 0.5 GB x 0.5 s.
      functionGbSeconds: 0.1 + 1.75 + 0.25,
      functionRequests: 2 + 4,
      // Store requests are not measured on AWS: the model's.
      storeReads: MODEL.start.reads + MODEL.end.reads + 3 * MODEL.attempt.reads,
    });
    expect(usage.measured.sort()).toEqual(
      ["functionGbSeconds", "functionRequests", "stateTransitions", "taskSeconds", "tasks"].sort(),
    );
  });
});
