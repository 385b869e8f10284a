// Step Functions stops a state at 256 KiB. A run whose every call returns 100 KB must still fit: the state keeps a
// step's record only where the state machine reads it (`when`, `for_each`, `output`), and a large output there is a
// blob reference with a preview. Measured on the embedded engine's own history (each event holds the state).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURE_NAME as FIXTURE,
  publishFixtureServer,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const STATE_LIMIT = 256 * 1024;
const ITEMS = 70;

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  await publishFixtureServer(p, "Answers 100 KB on demand");
});
afterAll(async () => {
  await p?.cleanup();
});

describe("the state of a run whose every call returns 100 KB", () => {
  it("stays under 256 KiB through a for_each of 70 items and a sequence, and the run succeeds", async () => {
    const server = `${FIXTURE}@1.0.0`;
    const big = { server, tool: "big", arguments: { megabytes: 0.1 } };
    await saveWorkflow(p, {
      name: "hundred-kb-calls",
      input: { type: "object", properties: { items: { type: "array" } } },
      steps: [
        { id: "each", ...big, for_each: { items: "{{ input.items }}", max_concurrency: 4 } },
        { id: "one", ...big, depends_on: ["each"] },
        {
          id: "two",
          ...big,
          depends_on: ["one"],
          when: { path: "{{ steps.one.status }}", equals: "SUCCEEDED" },
        },
        { id: "three", ...big, depends_on: ["two"] },
      ],
      output: { two: "{{ steps.two.status }}", three: "{{ steps.three.output.text }}" },
    });
    const id = await startRun(p, "hundred-kb-calls", { items: Array.from({ length: ITEMS }, (_, i) => i) });
    const run = await waitForRun(p, id, { timeoutMs: 120_000 });
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.output.two).toBe("SUCCEEDED");
    // The one output the state keeps is offloaded: its preview travels, the 100 KB are in the blob store.
    expect(run.output.three.length).toBeLessThan(5_000);
    expect(stepOf(run, "three").outputBlob.bytes).toBeGreaterThan(100_000);
    expect(stepOf(run, "each").status).toBe("SUCCEEDED");

    const events = (await p.api("GET", `/v1/runs/${id}/events`, { role: "viewer" })).body.events as {
      detail?: { state?: { input?: unknown; output?: unknown } };
    }[];
    const sizes = events.flatMap((event) =>
      [event.detail?.state?.input, event.detail?.state?.output]
        .filter((state) => state !== undefined)
        .map((state) => Buffer.byteLength(JSON.stringify(state))),
    );
    expect(sizes.length).toBeGreaterThan(ITEMS);
    expect(Math.max(...sizes)).toBeLessThan(STATE_LIMIT);
    // Each of the 70 items alone would carry a 4 KB preview: together, over the limit.
    expect(ITEMS * 4096).toBeGreaterThan(STATE_LIMIT);
  }, 180_000);
});
