// The cap on concurrent server processes: runs take all their slots up front, wait in arrival order, can give up a
// wait, and a run that needs more than the cap runs alone.
import { describe, expect, it } from "vitest";
import { ProcessSlots } from "../../../shared/mcp/pool.js";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("ProcessSlots", () => {
  it("admits up to the cap and queues the rest in arrival order", async () => {
    const slots = new ProcessSlots(3);
    const order: string[] = [];
    const a = await slots.acquire(2);
    const queue = (name: string, count: number) =>
      slots.acquire(count).then((release) => {
        order.push(name);
        return release;
      });
    const b = queue("b", 2);
    const c = queue("c", 1);
    await tick();
    // c would fit, but b came first: nobody overtakes (a run needing many slots would otherwise starve).
    expect(order).toEqual([]);
    expect(slots.inUse).toBe(2);
    expect(slots.queued).toBe(2);

    a();
    await tick();
    expect(order).toEqual(["b", "c"]);
    expect(slots.inUse).toBe(3);
    (await b)();
    (await c)();
    expect(slots.inUse).toBe(0);
  });

  it("a release is counted once, however often it is called", async () => {
    const slots = new ProcessSlots(2);
    const release = await slots.acquire(2);
    release();
    release();
    expect(slots.inUse).toBe(0);
    await slots.acquire(2);
    expect(slots.inUse).toBe(2);
  });

  it("an aborted wait leaves the queue and rejects with the signal's reason", async () => {
    const slots = new ProcessSlots(1);
    const held = await slots.acquire(1);
    const controller = new AbortController();
    const waiting = slots.acquire(1, controller.signal);
    const after = slots.acquire(1);

    controller.abort(new Error("cancelled"));

    await expect(waiting).rejects.toThrow("cancelled");
    expect(slots.queued).toBe(1);
    held();
    (await after)();
    expect(slots.inUse).toBe(0);
  });

  it("a run that needs more than the cap waits for all of it, then runs alone", async () => {
    const slots = new ProcessSlots(2);
    const small = await slots.acquire(1);
    let admitted = false;
    const big = slots.acquire(5).then((release) => {
      admitted = true;
      return release;
    });
    await tick();
    expect(admitted).toBe(false);
    small();
    (await big)();
    expect(admitted).toBe(true);
  });
});
