// Each example can run many times at once (issue 11): 25 concurrent memory-sequence runs each keep a knowledge graph
// of their own (a memory file per server process, so no run reads or overwrites another's), and concurrent
// everything-diamond runs each answer their own input.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishExampleServers, saveExampleWorkflow, startRun, waitForRun } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const memoryFile = join(tmpdir(), `mcpflow-examples-concurrent-${process.pid}.jsonl`);

beforeAll(async () => {
  p = await startTestPlatform();
  await publishExampleServers(p, memoryFile);
  await saveExampleWorkflow(p, "memory-sequence.json");
  await saveExampleWorkflow(p, "everything-diamond.yaml");
});
afterAll(async () => {
  await p?.cleanup();
  await rm(memoryFile, { force: true });
});

describe("examples run many times at once", () => {
  it("25 concurrent memory-sequence runs: every one SUCCEEDED with only its own entities", async () => {
    const people = Array.from({ length: 25 }, (_, i) => `Person ${i}`);
    const ids = await Promise.all(
      people.map((person, i) =>
        startRun(p, "memory-sequence", { person, company: `Company ${i}`, fact: `fact ${i}` }),
      ),
    );

    const runs = await Promise.all(ids.map((id) => waitForRun(p, id, { timeoutMs: 240_000 })));

    for (const [i, run] of runs.entries()) {
      expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
      const names = (run.output.graph.entities as { name: string }[]).map((e) => e.name).sort();
      expect(names).toEqual([`Company ${i}`, `Person ${i}`]);
      expect(run.output.graph.relations).toEqual([
        { from: `Person ${i}`, to: `Company ${i}`, relationType: "works_at" },
      ]);
    }
  }, 300_000);

  it("10 concurrent everything-diamond runs: every one SUCCEEDED with its own greeting", async () => {
    const names = Array.from({ length: 10 }, (_, i) => `Ada ${i}`);
    const ids = await Promise.all(
      names.map((name) => startRun(p, "everything-diamond", { name, a: 2, b: 3, words: ["alpha"] })),
    );

    const runs = await Promise.all(ids.map((id) => waitForRun(p, id, { timeoutMs: 240_000 })));

    expect(runs.map((run) => [run.status, run.output?.greeting])).toEqual(
      names.map((name) => ["SUCCEEDED", `Echo: Hello ${name}`]),
    );
  }, 300_000);
});
