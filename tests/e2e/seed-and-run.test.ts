// The README's path for a new user: `npm run seed` against a running platform, then the run it suggests, read
// back with GET /v1/runs/{id}. Runs the real seed script as a child process.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForRun } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const exec = promisify(execFile);
let p: TestPlatform;

/** The test's own environment without the settings seed reads, so each case gives exactly the ones it means. */
function withoutSeedSettings(): NodeJS.ProcessEnv {
  const { MCPFLOW_URL: _u, MCPFLOW_TOKEN: _t, MCPFLOW_HOME: _h, PORT: _p, ...rest } = process.env;
  return rest;
}

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

describe("npm run seed, then the README's run", () => {
  it("publishes and probes the example servers, saves both workflows, and says how to start a run", async () => {
    const { stdout } = await exec(process.execPath, ["--import", "tsx", join(ROOT, "examples/seed.ts")], {
      cwd: ROOT,
      env: { ...process.env, MCPFLOW_URL: p.url, MCPFLOW_TOKEN: p.adminToken, MCPFLOW_HOME: p.home },
      timeout: 120_000,
    });
    expect(stdout).toMatch(
      /server io\.github\.modelcontextprotocol\/server-everything@2026\.8\.31: published; probe \d+ tools/,
    );
    expect(stdout).toMatch(
      /server io\.github\.modelcontextprotocol\/server-memory@2026\.8\.31: published; probe \d+ tools/,
    );
    expect(stdout).toContain("workflow everything-diamond: saved version 1");
    expect(stdout).toContain("workflow memory-sequence: saved version 1");
    expect(stdout).toContain("/v1/workflows/everything-diamond/runs");
  });

  it("reads the token from MCPFLOW_HOME and the platform's address from PORT, as npm start does", async () => {
    const { stdout } = await exec(process.execPath, ["--import", "tsx", join(ROOT, "examples/seed.ts")], {
      cwd: ROOT,
      env: { ...withoutSeedSettings(), MCPFLOW_HOME: p.home, PORT: new URL(p.url).port },
      timeout: 120_000,
    });
    expect(stdout).toContain("workflow everything-diamond: already there");
    expect(stdout).toContain(`TOKEN=$(cat ${join(p.home, "dev-token")})`);
    expect(stdout).toContain(`${p.url}/v1/runs/$RUN`);
  });

  it("says in one line, without a stack, that there is no token to read, and exits 1", async () => {
    const missing = join(p.home, "no-such-home");
    const failed = await exec(process.execPath, ["--import", "tsx", join(ROOT, "examples/seed.ts")], {
      cwd: ROOT,
      env: { ...withoutSeedSettings(), MCPFLOW_HOME: missing, PORT: new URL(p.url).port },
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe("");
    expect(failed?.stderr.trim().split("\n")).toEqual([
      `mcpflow seed: no admin token at ${join(missing, "dev-token")}: start the platform first (npm start, in another terminal, with the same MCPFLOW_HOME), or set MCPFLOW_TOKEN`,
    ]);
  });

  it("says in one line that nothing answers at the address it was given", async () => {
    const failed = await exec(process.execPath, ["--import", "tsx", join(ROOT, "examples/seed.ts")], {
      cwd: ROOT,
      env: { ...withoutSeedSettings(), MCPFLOW_TOKEN: p.adminToken, MCPFLOW_URL: "http://127.0.0.1:9" },
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim().split("\n")).toHaveLength(1);
    expect(failed?.stderr).toContain("mcpflow seed: nothing answers at http://127.0.0.1:9");
  });

  it("runs everything-diamond with the README's input and returns greeting, sum and words", async () => {
    const started = await p.api("POST", "/v1/workflows/everything-diamond/runs", {
      role: "operator",
      body: { input: { name: "Ada", a: 2, b: 3, words: ["alpha", "beta"] } },
    });
    expect(started.status, started.text).toBe(202);
    const run = await waitForRun(p, started.body.id);
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.output.greeting).toBe("Echo: Hello Ada");
    expect(run.output.sum).toContain("5");
    expect(run.output.words.map((w: { text: string }) => w.text)).toEqual(["Echo: alpha!", "Echo: beta!"]);
    // Steps come in run order, and the fan-out of two items called once each counts one attempt.
    const record = await p.api("GET", `/v1/runs/${started.body.id}`, { role: "viewer" });
    const ids = record.body.steps.map((step: { stepId: string }) => step.stepId);
    expect(ids[0]).toBe("greet");
    expect(ids.at(-1)).toBe("report");
    const shout = record.body.steps.find((step: { stepId: string }) => step.stepId === "shout");
    expect(shout).toMatchObject({ attempts: 1, items: [{ attempts: 1 }, { attempts: 1 }] });
  });
});
