// How a run record lists its steps: in run order, and a for_each step's attempts as its items' most, not their sum.
import { describe, expect, it } from "vitest";
import { groupSteps } from "../../../shared/runs/store.js";

type Item = Parameters<typeof groupSteps>[0][number];

function item(stepId: string, fields: Partial<Item> & { index?: number }): Item {
  const sk =
    fields.index === undefined
      ? `STEP#${stepId}`
      : `STEP#${stepId}#ITEM#${String(fields.index).padStart(6, "0")}`;
  return {
    pk: "RUN#r",
    sk,
    stepId,
    tool: "echo",
    server: "io.x/y@1.0.0",
    status: "SUCCEEDED",
    attempts: 1,
    ...fields,
  };
}

describe("groupSteps", () => {
  it("lists steps by start time, not by id, and steps that never started after them", () => {
    const steps = groupSteps([
      item("alpha", { startedAt: "2026-01-01T00:00:03.000Z", endedAt: "2026-01-01T00:00:04.000Z" }),
      item("zulu", { startedAt: "2026-01-01T00:00:01.000Z", endedAt: "2026-01-01T00:00:02.000Z" }),
      item("beta", { status: "SKIPPED", attempts: 0, endedAt: "2026-01-01T00:00:05.000Z" }),
      item("mike", { startedAt: "2026-01-01T00:00:02.000Z", endedAt: "2026-01-01T00:00:03.000Z" }),
      item("kilo", { startedAt: "2026-01-01T00:00:02.000Z", endedAt: "2026-01-01T00:00:03.000Z" }),
    ]);
    expect(steps.map((s) => s.stepId)).toEqual(["zulu", "kilo", "mike", "alpha", "beta"]);
  });

  it("gives a for_each step of two items called once each 1 attempt, and its most retried item's count", () => {
    const once = groupSteps([
      item("fan", { index: 0, startedAt: "2026-01-01T00:00:01.000Z", endedAt: "2026-01-01T00:00:02.000Z" }),
      item("fan", { index: 1, startedAt: "2026-01-01T00:00:01.000Z", endedAt: "2026-01-01T00:00:02.000Z" }),
    ]);
    expect(once).toMatchObject([{ stepId: "fan", attempts: 1, items: [{ attempts: 1 }, { attempts: 1 }] }]);
    const retried = groupSteps([
      item("fan", { index: 0, attempts: 1, startedAt: "2026-01-01T00:00:01.000Z" }),
      item("fan", { index: 1, attempts: 3, startedAt: "2026-01-01T00:00:01.000Z" }),
      item("fan", { index: 2, attempts: 2, startedAt: "2026-01-01T00:00:01.000Z" }),
    ]);
    expect(retried[0]?.attempts).toBe(3);
  });
});
