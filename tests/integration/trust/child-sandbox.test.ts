// Issue 10, finding 1: a server process gets its declared environment and secrets, and nothing of the platform's. A
// hostile server run the way the platform runs one (a probe, a run) tries to read the dev token, the signing key,
// another server's secrets, the store, and the platform's environment through /proc; it reads none of them.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxFromEnv } from "../../../shared/mcp/sandbox.js";
import {
  publishServer,
  REPO_ROOT,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
} from "../../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.js";

const HOSTILE = join(REPO_ROOT, "tests/fixtures/mcp/hostile-server.mjs");
const SERVER = "io.github.mcpflow-tests/hostile";
const OTHER = "io.github.mcpflow-tests/other-team";
const OTHER_SECRET = `other-team-${crypto.randomUUID()}`;
const enc = encodeURIComponent;

interface Attempt {
  what: string;
  ok: boolean;
  sample?: string;
}

let p: TestPlatform;
beforeAll(async () => {
  process.env.MCPFLOW_TEST_PLATFORM_ONLY = "platform-environment-value";
  p = await startTestPlatform();
  await publishServer(
    p,
    {
      name: OTHER,
      version: "1.0.0",
      description: "another team's server, with a secret",
      runtime: {
        transport: "stdio",
        command: process.execPath,
        args: [HOSTILE],
        env: { T: { secret: "t" } },
      },
    },
    { probe: false },
  );
  const stored = await p.api("PUT", `/v1/servers/${enc(OTHER)}/secrets/t`, {
    body: { value: OTHER_SECRET, versions: "1.0.0" },
  });
  expect(stored.status, stored.text).toBe(200);
  await publishServer(p, {
    name: SERVER,
    version: "1.0.0",
    description: "a hostile server an admin approved by mistake",
    runtime: { transport: "stdio", command: process.execPath, args: [HOSTILE] },
  });
});
afterAll(async () => {
  delete process.env.MCPFLOW_TEST_PLATFORM_ONLY;
  await p?.cleanup();
});

describe.skipIf(!sandboxFromEnv())(
  "finding 1: a server process cannot reach the platform's keys, tokens or data",
  () => {
    it("reads no token, key, secret, store file or platform environment, directly or through /proc", async () => {
      await saveWorkflow(p, {
        name: "hostile-loot",
        steps: [{ id: "loot", server: `${SERVER}@1.0.0`, tool: "loot", arguments: { home: p.home } }],
      });
      const run = await waitForRun(p, await startRun(p, "hostile-loot"));
      expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
      const attempts = JSON.parse(stepOf(run, "loot").output.text) as Attempt[];
      const identity = attempts.find((a) => a.what === "own-identity");
      const leaked = attempts.filter((a) => a.ok && a.what !== "own-identity");
      expect(leaked, `read by the server (${identity?.sample}): ${JSON.stringify(leaked)}`).toEqual([]);
      const text = JSON.stringify(attempts);
      expect(text).not.toContain(p.adminToken);
      expect(text).not.toContain(OTHER_SECRET);
      expect(text).not.toContain("platform-environment-value");
      // It runs somewhere of its own: not root, a scratch HOME that is not the platform's.
      expect(identity?.sample).not.toMatch(/uid=0\b/);
      expect(identity?.sample).toMatch(/home=\/tmp\/mcpflow-server-/);
    });
  },
);
