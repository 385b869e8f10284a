// Starting many runs at once on the embedded platform: each start answers at once, the runs queue behind the cap on
// concurrent server processes (MCPFLOW_MAX_PROCESSES) and all of them finish.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform } from "../../shared/platform.js";
import {
  childPids,
  EVERYTHING,
  EVERYTHING_SCRIPT,
  publishExampleServers,
  saveWorkflow,
  startRun,
  waitForRun,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const CAP = 2;
let p: TestPlatform;
const memoryFile = join(tmpdir(), `mcpflow-runs-cap-memory-${process.pid}.jsonl`);
const previous = process.env.MCPFLOW_MAX_PROCESSES;

beforeAll(async () => {
  process.env.MCPFLOW_MAX_PROCESSES = String(CAP);
  p = await startTestPlatform();
  await publishExampleServers(p, memoryFile);
  await saveWorkflow(p, {
    name: "slow-echo",
    steps: [
      {
        id: "wait",
        server: EVERYTHING,
        tool: "trigger-long-running-operation",
        arguments: { duration: 1, steps: 1 },
      },
      { id: "echo", server: EVERYTHING, tool: "echo", arguments: { message: "done" }, depends_on: ["wait"] },
    ],
  });
});
afterAll(async () => {
  if (previous === undefined) delete process.env.MCPFLOW_MAX_PROCESSES;
  else process.env.MCPFLOW_MAX_PROCESSES = previous;
  await p?.cleanup();
  await rm(memoryFile, { force: true });
});

describe("the process cap", () => {
  it(`6 concurrent starts: never more than ${CAP} server processes, every run SUCCEEDED`, async () => {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await childPids(EVERYTHING_SCRIPT)).length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const ids = await Promise.all(Array.from({ length: 6 }, () => startRun(p, "slow-echo")));
    const runs = await Promise.all(ids.map((id) => waitForRun(p, id, { timeoutMs: 90_000 })));
    sampling = false;
    await sampler;

    expect(runs.map((r) => r.status)).toEqual(Array(6).fill("SUCCEEDED"));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(CAP);
  }, 120_000);
});

describe("a created run is answered, never a 5xx", () => {
  it("a start the orchestrator refuses after the run was recorded: 202 with the run FAILED (Run.StartFailed)", async () => {
    const platform = await getPlatform();
    const start = platform.orchestrator.start.bind(platform.orchestrator);
    platform.orchestrator.start = async () => {
      throw new Error("the orchestrator is unavailable");
    };
    try {
      const response = await p.api("POST", "/v1/workflows/slow-echo/runs", { body: { input: {} } });
      expect(response.status, response.text).toBe(202);
      expect(response.body.status).toBe("FAILED");
      expect(response.body.error).toMatchObject({ error: "Run.StartFailed" });
      expect((await p.api("GET", `/v1/runs/${response.body.id}`)).body.status).toBe("FAILED");
    } finally {
      platform.orchestrator.start = start;
    }
  });
});

describe("what a start reads", () => {
  it("a warm start of the latest version writes its run and its audit entry, and reads nothing; a save or a delete is seen by the next start", async () => {
    const echo = (message: string) => ({
      name: "start-reads",
      steps: [{ id: "echo", server: EVERYTHING, tool: "echo", arguments: { message } }],
    });
    await saveWorkflow(p, echo("one"));
    await waitForRun(p, await startRun(p, "start-reads"));

    const table = (await getPlatform()).table;
    const send = table.doc.send;
    const sent: string[] = [];
    table.doc.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
      sent.push(command.constructor.name);
      return (send as (...args: unknown[]) => unknown).call(table.doc, command, ...rest);
    }) as typeof send;
    let answered: string[];
    try {
      const started = await p.api("POST", "/v1/workflows/start-reads/runs", { body: { input: {} } });
      // Taken at the answer: the execution gives way to requests in flight, so what was sent is the start's own.
      answered = [...sent];
      expect(started.status, started.text).toBe(202);
      await waitForRun(p, started.body.id);
    } finally {
      table.doc.send = send;
    }
    expect(answered).toEqual(["PutCommand", "PutCommand"]);

    const saved = await p.api("PUT", "/v1/workflows/start-reads", { body: echo("two"), role: "editor" });
    expect(saved.status, saved.text).toBe(200);
    const second = await waitForRun(p, await startRun(p, "start-reads"));
    expect(second).toMatchObject({ version: 2, status: "SUCCEEDED", output: expect.anything() });
    expect(JSON.stringify(second.output)).toContain("two");

    expect((await p.api("DELETE", "/v1/workflows/start-reads")).status).toBe(204);
    const gone = await p.api("POST", "/v1/workflows/start-reads/runs", { body: { input: {} } });
    expect(gone.status, gone.text).toBe(404);
  }, 60_000);
});
