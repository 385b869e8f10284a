// Controlling runs on the embedded platform with real server-everything processes: cancel (the server process
// goes away), idempotent starts (sequential and concurrent) and a platform restart in the middle of a run.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  EVERYTHING,
  EVERYTHING_SCRIPT,
  isAlive,
  publishExampleServers,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
  waitForRunState,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const memoryFile = join(tmpdir(), `mcpflow-runs-control-memory-${process.pid}.jsonl`);

beforeAll(async () => {
  p = await startTestPlatform();
  await publishExampleServers(p, memoryFile);
  await saveWorkflow(p, {
    name: "quick-then-long",
    steps: [
      { id: "quick", server: EVERYTHING, tool: "echo", arguments: { message: "quick" } },
      {
        id: "long",
        server: EVERYTHING,
        tool: "trigger-long-running-operation",
        depends_on: ["quick"],
        arguments: { duration: 30, steps: 1 },
      },
    ],
  });
});
afterAll(async () => {
  await p?.cleanup();
  await rm(memoryFile, { force: true });
});

/**
 * Polls until `check` holds. The bound only ends a wait for what never comes: 30 s, not the 1-4 s these usually take
 * (a server's close escalates stdin, SIGTERM, SIGKILL a second apart), which load stretches.
 */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((done) => setTimeout(done, 50));
  }
  return check();
}

const longRunning = (run: any) => run.steps?.some((s: any) => s.stepId === "long" && s.status === "RUNNING");

describe("cancel", () => {
  it("cancels a running step: run CANCELLED, step CANCELLED, the server process is gone", async () => {
    const id = await startRun(p, "quick-then-long");
    await waitForRunState(p, id, longRunning);
    let pids: number[] = [];
    const found = await eventually(async () => {
      pids = await childPids(EVERYTHING_SCRIPT);
      return pids.length === 1;
    });
    expect(found, `server pids ${pids}`).toBe(true);
    const [pid] = pids as [number];
    expect(isAlive(pid)).toBe(true);

    const cancelled = await p.api("POST", `/v1/runs/${id}/cancel`, { role: "operator" });

    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    expect(cancelled.body.error.error).toBe("Run.Cancelled");
    expect(stepOf(cancelled.body, "quick").status).toBe("SUCCEEDED");
    expect(stepOf(cancelled.body, "long")).toMatchObject({
      status: "CANCELLED",
      error: { error: "Run.Cancelled" },
    });
    expect(await eventually(() => !isAlive(pid))).toBe(true);
    expect(await childPids(EVERYTHING_SCRIPT)).toEqual([]);

    const again = await p.api("POST", `/v1/runs/${id}/cancel`, { role: "operator" });
    expect(again.status).toBe(409);
    const events = await p.api("GET", `/v1/runs/${id}/events`, { role: "viewer" });
    expect(events.status).toBe(200);
    expect(events.body.events.length).toBeGreaterThan(0);
  });

  it("refuses a cancel from a viewer (403) and leaves the run alone", async () => {
    await saveWorkflow(p, {
      name: "short-echo",
      steps: [{ id: "say", server: EVERYTHING, tool: "echo", arguments: { message: "hi" } }],
    });
    const id = await startRun(p, "short-echo");
    const refused = await p.api("POST", `/v1/runs/${id}/cancel`, { role: "viewer" });
    expect(refused.status).toBe(403);
    expect((await waitForRun(p, id)).status).toBe("SUCCEEDED");
  });
});

describe("idempotent start", () => {
  it("answers the same run for the same Idempotency-Key, sequential or concurrent, and starts one run per key", async () => {
    await saveWorkflow(p, {
      name: "idempotent",
      steps: [{ id: "say", server: EVERYTHING, tool: "echo", arguments: { message: "{{ input.word }}" } }],
    });
    const start = (key: string, word: string) =>
      p.api("POST", "/v1/workflows/idempotent/runs", {
        body: { input: { word } },
        role: "operator",
        headers: { "idempotency-key": key },
      });

    const first = await start("key-sequential", "one");
    const second = await start("key-sequential", "two");
    expect(first.status, first.text).toBe(202);
    expect([200, 202]).toContain(second.status);
    expect(second.body.id).toBe(first.body.id);

    const [a, b] = await Promise.all([start("key-concurrent", "three"), start("key-concurrent", "four")]);
    expect([a.status, b.status].sort(), `${a.text} ${b.text}`).toEqual([200, 202]);
    expect(a.body.id).toBe(b.body.id);
    expect(a.body.id).not.toBe(first.body.id);

    for (const id of [first.body.id, a.body.id]) expect((await waitForRun(p, id)).status).toBe("SUCCEEDED");
    const listed = await p.api("GET", "/v1/runs?workflow=idempotent", { role: "viewer" });
    expect(listed.status).toBe(200);
    expect(listed.body.runs.map((r: { id: string }) => r.id).sort()).toEqual(
      [first.body.id, a.body.id].sort(),
    );
    const firstRun = await waitForRun(p, first.body.id);
    expect(firstRun.input).toEqual({ word: "one" });
  });
});

describe("restart", () => {
  it("fails a run interrupted by a restart with Platform.Stopped; finished steps keep their output", async () => {
    const id = await startRun(p, "quick-then-long");
    await waitForRunState(p, id, longRunning);
    const [pid] = await childPids(EVERYTHING_SCRIPT);

    await p.restart();

    const run = await waitForRun(p, id, { timeoutMs: 5000 });
    expect(run.status, JSON.stringify(run)).toBe("FAILED");
    expect(run.error.error).toBe("Platform.Stopped");
    expect(run.error.cause).toMatch(/stopped/);
    expect(stepOf(run, "quick")).toMatchObject({ status: "SUCCEEDED", output: { text: "Echo: quick" } });
    expect(["FAILED", "NOT_RUN"]).toContain(stepOf(run, "long").status);
    if (pid !== undefined) expect(await eventually(() => !isAlive(pid))).toBe(true);

    // The restarted platform runs workflows again.
    expect((await waitForRun(p, await startRun(p, "short-echo"))).status).toBe("SUCCEEDED");
  });
});
