// The run timeline's layout (web/src/run/timeline.ts): rows per step and item, a bar per attempt from the history,
// waits, open bars while running, the critical path, and what the scrubber shows at a moment.
import { describe, expect, it } from "vitest";
import { layoutTimeline, statusAt, type TimelineEvent } from "../../../web/src/run/timeline.js";

const T0 = Date.parse("2026-11-27T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
let nextId = 0;
const event = (
  ms: number,
  type: string,
  stateName?: string,
  detail?: Record<string, unknown>,
): TimelineEvent => ({
  id: ++nextId,
  timestamp: at(ms),
  type,
  ...(stateName ? { stateName } : {}),
  ...(detail ? { detail } : {}),
});

describe("layoutTimeline", () => {
  it("gives each step a row, each for_each item a sub-row, and orders them as the definition does", () => {
    const timeline = layoutTimeline({
      run: {
        startedAt: at(0),
        endedAt: at(1000),
        status: "SUCCEEDED",
        steps: [
          { stepId: "report", status: "SUCCEEDED", attempts: 1, startedAt: at(800), endedAt: at(950) },
          {
            stepId: "shout",
            status: "SUCCEEDED",
            attempts: 2,
            startedAt: at(300),
            endedAt: at(700),
            items: [
              { index: 0, status: "SUCCEEDED", attempts: 1, startedAt: at(300), endedAt: at(500) },
              { index: 1, status: "SUCCEEDED", attempts: 1, startedAt: at(310), endedAt: at(700) },
            ],
          },
          { stepId: "greet", status: "SUCCEEDED", attempts: 1, startedAt: at(10), endedAt: at(250) },
        ],
      },
      order: ["greet", "shout", "report"],
      dependsOn: { greet: [], shout: ["greet"], report: ["shout"] },
      now: T0 + 5000,
    });
    expect(timeline.rows.map((row) => row.key)).toEqual(["greet", "shout", "shout#0", "shout#1", "report"]);
    expect(timeline.rows.find((row) => row.key === "shout#1")!.bars).toEqual([
      { start: 310, end: 700, kind: "attempt", attempt: 1, status: "SUCCEEDED", open: false },
    ]);
    // A for_each step's own bar spans its items.
    expect(timeline.rows.find((row) => row.key === "shout")!.bars[0]).toMatchObject({ start: 300, end: 700 });
    expect(timeline.end).toBe(1000);
  });

  it("draws one bar per attempt from the history, failed attempts failed, and the wait before a retry", () => {
    const call = "Call sum";
    const timeline = layoutTimeline({
      run: {
        startedAt: at(0),
        endedAt: at(5000),
        status: "SUCCEEDED",
        steps: [{ stepId: "sum", status: "SUCCEEDED", attempts: 3, startedAt: at(4000), endedAt: at(4500) }],
      },
      events: [
        event(100, "TaskStateEntered", call),
        event(600, "TaskFailed", call),
        event(600, "StateRetried", call),
        event(2000, "TaskFailed", call),
        event(2000, "StateRetried", call),
        event(4500, "TaskStateExited", call),
      ],
      now: T0 + 6000,
    });
    const bars = timeline.rows[0]!.bars;
    expect(bars.filter((bar) => bar.kind === "attempt").map((bar) => [bar.attempt, bar.status])).toEqual([
      [1, "FAILED"],
      [2, "FAILED"],
      [3, "SUCCEEDED"],
    ]);
    // The last attempt began executing when its record says; the time before it (the retry interval) is a wait.
    expect(bars.find((bar) => bar.attempt === 3)).toMatchObject({ start: 4000, end: 4500 });
    expect(bars.filter((bar) => bar.kind === "waiting").map((bar) => [bar.start, bar.end])).toEqual([
      [2000, 4000],
    ]);
  });

  it("tells waiting from running: scheduled-to-started on AWS, entered-to-started locally", () => {
    const timeline = layoutTimeline({
      run: {
        startedAt: at(0),
        endedAt: at(3000),
        status: "SUCCEEDED",
        steps: [
          { stepId: "aws", status: "SUCCEEDED", attempts: 1, startedAt: at(1200), endedAt: at(1500) },
          { stepId: "local", status: "SUCCEEDED", attempts: 1, startedAt: at(2300), endedAt: at(2600) },
        ],
      },
      events: [
        event(100, "TaskStateEntered", "Call aws"),
        event(150, "TaskScheduled", "Call aws"),
        event(1200, "TaskStarted", "Call aws"),
        event(1500, "TaskSucceeded", "Call aws"),
        event(1510, "TaskStateExited", "Call aws"),
        event(2000, "TaskStateEntered", "Call local"),
        event(2600, "TaskStateExited", "Call local"),
      ],
      order: ["aws", "local"],
      now: T0 + 4000,
    });
    const [aws, local] = timeline.rows;
    expect(aws!.bars.map((bar) => [bar.kind, bar.start, bar.end])).toEqual([
      ["waiting", 150, 1200],
      ["attempt", 1200, 1500],
    ]);
    expect(local!.bars.map((bar) => [bar.kind, bar.start, bar.end])).toEqual([
      ["waiting", 2000, 2300],
      ["attempt", 2300, 2600],
    ]);
  });

  it("keeps a running step's bar open until now, and a run's end at now while it runs", () => {
    const timeline = layoutTimeline({
      run: {
        startedAt: at(0),
        status: "RUNNING",
        steps: [
          { stepId: "slow", status: "RUNNING", attempts: 1, startedAt: at(100) },
          { stepId: "next", status: "PENDING", attempts: 0 },
        ],
      },
      events: [event(50, "TaskStateEntered", "Call slow")],
      now: T0 + 2500,
    });
    const slow = timeline.rows.find((row) => row.stepId === "slow")!;
    expect(slow.bars.at(-1)).toMatchObject({
      kind: "attempt",
      start: 100,
      end: 2500,
      open: true,
      status: "RUNNING",
    });
    expect(timeline.rows.find((row) => row.stepId === "next")!.bars).toEqual([]);
    expect(timeline.end).toBe(2500);
  });

  it("marks the critical path: the step that ended last, back through the dependency it waited for", () => {
    const timeline = layoutTimeline({
      run: {
        startedAt: at(0),
        endedAt: at(1000),
        status: "SUCCEEDED",
        steps: [
          { stepId: "a", status: "SUCCEEDED", attempts: 1, startedAt: at(0), endedAt: at(100) },
          { stepId: "fast", status: "SUCCEEDED", attempts: 1, startedAt: at(100), endedAt: at(200) },
          { stepId: "slow", status: "SUCCEEDED", attempts: 1, startedAt: at(100), endedAt: at(700) },
          { stepId: "end", status: "SUCCEEDED", attempts: 1, startedAt: at(700), endedAt: at(900) },
        ],
      },
      dependsOn: { a: [], fast: ["a"], slow: ["a"], end: ["fast", "slow"] },
      order: ["a", "fast", "slow", "end"],
      now: T0 + 1000,
    });
    expect(timeline.criticalPath).toEqual(["a", "slow", "end"]);
    expect(timeline.rows.filter((row) => row.critical).map((row) => row.stepId)).toEqual([
      "a",
      "slow",
      "end",
    ]);
  });

  it("closes an attempt the history leaves open at the step record's end and status (a history read before the end)", () => {
    const timeline = layoutTimeline({
      run: {
        startedAt: at(0),
        endedAt: at(900),
        status: "SUCCEEDED",
        steps: [{ stepId: "greet", status: "SUCCEEDED", attempts: 1, startedAt: at(100), endedAt: at(800) }],
      },
      // The history as a poll read it while greet ran: entered, never exited.
      events: [event(50, "TaskStateEntered", "Call greet")],
      now: T0 + 5000,
    });
    const greet = timeline.rows.find((row) => row.stepId === "greet")!;
    expect(greet.bars).toEqual([
      { start: 50, end: 100, kind: "waiting", status: "WAITING", open: false },
      { start: 100, end: 800, kind: "attempt", attempt: 1, status: "SUCCEEDED", open: false },
    ]);
    expect(statusAt(greet, 850)).toBe("SUCCEEDED");
    expect(timeline.end).toBe(900);
  });

  // How fast, against a baseline in the same run, is bench/run-monitor.ts's to say (issue 13: within 1 s of the data),
  // not a clock in a test that load can stretch past any bound.
  it("lays out 500 steps with items: a row per step and per item, the chain its critical path", () => {
    const steps = Array.from({ length: 500 }, (_, i) => ({
      stepId: `s${i}`,
      status: "SUCCEEDED",
      attempts: 1,
      startedAt: at(i * 10),
      endedAt: at(i * 10 + 50),
      items:
        i % 10 === 0
          ? [0, 1, 2].map((index) => ({
              index,
              status: "SUCCEEDED",
              attempts: 1,
              startedAt: at(i * 10),
              endedAt: at(i * 10 + 40),
            }))
          : undefined,
    }));
    const dependsOn = Object.fromEntries(steps.map((step, i) => [step.stepId, i > 0 ? [`s${i - 1}`] : []]));
    const timeline = layoutTimeline({
      run: { startedAt: at(0), endedAt: at(6000), status: "SUCCEEDED", steps },
      dependsOn,
      now: T0 + 6000,
    });
    expect(timeline.rows).toHaveLength(500 + 50 * 3);
    expect(timeline.criticalPath).toHaveLength(500);
  });
});

describe("statusAt (the scrubber)", () => {
  const timeline = layoutTimeline({
    run: {
      startedAt: at(0),
      endedAt: at(1000),
      status: "FAILED",
      steps: [{ stepId: "x", status: "FAILED", attempts: 1, startedAt: at(200), endedAt: at(600) }],
    },
    events: [event(100, "TaskStateEntered", "Call x"), event(600, "TaskStateExited", "Call x")],
    now: T0 + 1000,
  });
  const row = timeline.rows[0]!;
  it.each([
    [50, "PENDING"],
    [150, "WAITING"],
    [400, "RUNNING"],
    [800, "FAILED"],
  ])("at %i ms the step is %s", (moment, status) => {
    expect(statusAt(row, moment)).toBe(status);
  });
});
