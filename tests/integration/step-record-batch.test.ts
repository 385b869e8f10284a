// The group commit of a run's step records (shared/runs/step-record-batch.ts) on the embedded store: records queued
// together go in one write, attempts count as the one-write UpdateItem counts them, reads and other writes of the
// run's steps see everything queued before them, and a store that refuses the write fails the flush and the steps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { StepRecordBatch } from "../../shared/runs/step-record-batch.js";
import { type RunStore, Runs } from "../../shared/runs/store.js";
import type { Table } from "../../shared/store/table.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let platform: Platform;

beforeAll(async () => {
  p = await startTestPlatform();
  platform = await getPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

/** The platform's table, each request it sends counted by command. */
function countedTable(): { table: Table; sent: string[] } {
  const sent: string[] = [];
  const doc = Object.create(platform.table.doc) as Table["doc"];
  const send = platform.table.doc.send.bind(platform.table.doc);
  Object.defineProperty(doc, "send", {
    value: (command: { constructor: { name: string } }, ...rest: never[]) => {
      sent.push(command.constructor.name.replace(/Command$/, ""));
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    },
  });
  return { table: { name: platform.table.name, doc }, sent };
}

function batchedRuns(table: Table): { runs: Runs; store: RunStore } {
  const store: RunStore = { table, blobs: platform.blobs, stepRecords: new StepRecordBatch(table) };
  return { runs: new Runs(store), store };
}

const call = (stepId: string) => ({
  stepId,
  tool: "echo",
  server: "io.test/echo@1.0.0",
  arguments: { m: stepId },
});
const ok = (text: string) => ({ status: "SUCCEEDED" as const, output: { text } });

describe("the group commit of step records", () => {
  it("puts records that ended together in one BatchWriteItem; a step's references are read from them", async () => {
    const { table, sent } = countedTable();
    const { runs } = batchedRuns(table);
    const started = new Date();
    for (let i = 0; i < 10; i++) await runs.stepCompleted("batched", call(`s${i}`), started, ok(`out ${i}`));
    // The steps went on without waiting for the store.
    expect(sent).toEqual([]);
    // What later steps reference comes from the run's own records, without a store read.
    expect(await runs.stepResults("batched", ["s3", "s9"])).toEqual({
      s3: { status: "SUCCEEDED", output: { text: "out 3" } },
      s9: { status: "SUCCEEDED", output: { text: "out 9" } },
    });
    expect(sent.filter((kind) => kind !== "BatchWrite")).toEqual([]);
    // A read of the whole run's steps waits for the queue.
    const items = await runs.stepItems("batched");
    expect(sent.filter((kind) => kind === "BatchWrite")).toHaveLength(1);
    expect(items).toHaveLength(10);
    expect(items.every((item) => item.attempts === 1 && item.startedAt === started.toISOString())).toBe(true);
    expect(await new Runs(platform).stepResults("batched", ["s3"])).toEqual({
      s3: { status: "SUCCEEDED", output: { text: "out 3" } },
    });
  });

  it("counts attempts as the store's UpdateItem would, across attempts it put and attempts written around it", async () => {
    const { runs } = batchedRuns(platform.table);
    const first = new Date(Date.now() - 5000);
    await runs.stepCompleted("attempts", call("a"), first, {
      status: "FAILED",
      error: { error: "Mcp.ToolError", cause: "once" },
    });
    await runs.stepCompleted("attempts", call("a"), new Date(), ok("twice"));
    let [item] = await runs.stepItems("attempts");
    expect(item).toMatchObject({ attempts: 2, status: "SUCCEEDED", startedAt: first.toISOString() });
    expect(item).not.toHaveProperty("error");

    // A slow call records its start around the batch: it counts on from what the batch stored.
    const attempt = await runs.stepStarted("attempts", call("a"));
    expect(attempt).toBe(3);
    await runs.stepEnded("attempts", { stepId: "a" }, ok("thrice"), { attempt });
    await runs.stepCompleted("attempts", call("a"), new Date(), ok("four times"));
    [item] = await runs.stepItems("attempts");
    expect(item).toMatchObject({ attempts: 4, status: "SUCCEEDED", output: { text: "four times" } });
  });

  it("fails the flush, and the next record once the queue is full, when the store refuses the write", async () => {
    const refusing: Table = { name: "no-such-table", doc: platform.table.doc };
    const batch = new StepRecordBatch(refusing);
    await batch.put({ pk: "RUN#refused", sk: "STEP#a", startedAt: new Date().toISOString() });
    await expect(batch.flush()).rejects.toThrow(/non-existent table|not found|ResourceNotFound/i);
    await expect(
      batch.put({ pk: "RUN#refused", sk: "STEP#b", startedAt: new Date().toISOString() }),
    ).rejects.toThrow();
  });
});
