// Errors that name their cause and limit (issue 11): a hung tool's step says it hit the step's timeout (not that the
// server "exited with code 0" after being closed under the call), a result too large for one MCP message names the
// size limit, and a result nested deeper than a stored step may be fails the step (as DynamoDB would on AWS).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../../shared/mcp/connect.js";
import { MAX_OUTPUT_DEPTH } from "../../shared/mcp/result.js";
import {
  FIXTURE_NAME as FIXTURE,
  publishFixtureServer,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
  await publishFixtureServer(p, "Tools that hang, crash and answer too much");
});
afterAll(async () => {
  await p?.cleanup();
});

async function runOne(name: string, step: Record<string, unknown>) {
  await saveWorkflow(p, { name, steps: [{ id: "only", server: `${FIXTURE}@1.0.0`, ...step }] });
  return waitForRun(p, await startRun(p, name), { timeoutMs: 60_000 });
}

describe("step errors name the cause and the limit", () => {
  it("a hung tool: the step's cause names the step's timeout", async () => {
    const run = await runOne("hangs", { tool: "hang", arguments: {}, timeout_seconds: 2 });

    expect(run.status).toBe("FAILED");
    const step = stepOf(run, "only");
    expect(step).toMatchObject({ status: "FAILED", error: { error: "States.Timeout" } });
    expect(step.error.cause).toBe(`tool "hang" did not answer within 2s (the step's timeout_seconds)`);
  });

  it("a 50 MB result: Mcp.ToolError naming the message size limit", async () => {
    const run = await runOne("too-big", { tool: "big", arguments: { megabytes: 50 } });

    expect(run.status).toBe("FAILED");
    expect(stepOf(run, "only").error).toMatchObject({ error: "Mcp.ToolError" });
    expect(stepOf(run, "only").error.cause).toContain(
      `its result is larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB, the most one MCP message may carry`,
    );
  });

  it("a 40-level result fails as it would on AWS; a 5,000-level one gives the same clear error", async () => {
    for (const depth of [40, 5000]) {
      const run = await runOne(`too-deep-${depth}`, { tool: "deep", arguments: { depth } });

      expect(run.status).toBe("FAILED");
      expect(stepOf(run, "only").error).toMatchObject({ error: "Mcp.ToolError" });
      expect(stepOf(run, "only").error.cause).toContain(`nested more than ${MAX_OUTPUT_DEPTH} levels deep`);
    }
  });
});
