// Issue 10, finding 1: a server process gets its declared environment and secrets, and nothing of the platform's. A
// hostile server run the way the platform runs one tries to read the dev token, the signing key, another running
// server's secrets (its /proc environ, its scratch folder), the store (its files, its socket, any loopback port that
// answers as it), and the platform's environment through /proc; it reads none of them — as root with namespaces, as
// root with a uid per server only, and as an ordinary user (a user namespace).
import { spawnSync } from "node:child_process";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.js";
import { killPlatform, type PlatformProcess, spawnPlatform } from "../../helpers/platform-process.js";

const HOSTILE = join(REPO_ROOT, "tests/fixtures/mcp/hostile-server.mjs");
const SERVER = "io.github.mcpflow-tests/hostile";
const OTHER = "io.github.mcpflow-tests/other-team";
const enc = encodeURIComponent;
const isRoot = process.platform === "linux" && process.getuid?.() === 0;
/** An ordinary user for the platform itself (not one of the sandbox range). */
const ORDINARY_UID = 4242;

interface Attempt {
  what: string;
  ok: boolean;
  sample?: string;
}

type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any; text: string }>;

interface Loot {
  attempts: Attempt[];
  otherSecret: string;
}

/**
 * Plants an item in the store, gives another team's server a secret, and runs a workflow in which that server runs
 * (holding its secret in its environment and its scratch folder) while the hostile one loots.
 */
async function loot(api: Api, home: string): Promise<Loot> {
  const otherSecret = `other-team-${crypto.randomUUID()}`;
  // An item only this platform's store holds: a store that answers with it is this platform's.
  const marker = `io.github.mcpflow-tests/marker-${crypto.randomUUID()}`;
  const runtime = { transport: "stdio", command: process.execPath, args: [HOSTILE] };
  const publish = async (name: string, extra: Record<string, unknown> = {}) => {
    const published = await api("POST", "/v1/servers?approve=true", {
      name,
      version: "1.0.0",
      description: "a hostile server an admin approved by mistake",
      runtime: { ...runtime, ...extra },
    });
    expect(published.status, published.text).toBe(201);
  };
  await publish(OTHER, { env: { T: { secret: "t" } } });
  const stored = await api("PUT", `/v1/servers/${enc(OTHER)}/secrets/t`, {
    value: otherSecret,
    versions: "1.0.0",
  });
  expect(stored.status, stored.text).toBe(200);
  await publish(marker);
  await publish(SERVER);
  const saved = await api("POST", "/v1/workflows", {
    name: "hostile-loot",
    steps: [
      { id: "hold", server: `${OTHER}@1.0.0`, tool: "hold", arguments: {} },
      {
        id: "loot",
        server: `${SERVER}@1.0.0`,
        tool: "loot",
        depends_on: ["hold"],
        arguments: { home, scratchRoot: tmpdir(), marker: { pk: `SERVER#${marker}`, sk: "V#1.0.0" } },
      },
    ],
  });
  expect(saved.status, saved.text).toBe(201);
  const started = await api("POST", "/v1/workflows/hostile-loot/runs", { input: {} });
  expect(started.status, started.text).toBe(202);
  const deadline = Date.now() + 60_000;
  let run: any;
  for (;;) {
    run = (await api("GET", `/v1/runs/${started.body.id}`)).body;
    if (run.status !== "RUNNING" || Date.now() > deadline) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
  const step = run.steps.find((s: { stepId: string }) => s.stepId === "loot");
  return { attempts: JSON.parse(step.output.text) as Attempt[], otherSecret };
}

function expectNothingRead({ attempts, otherSecret }: Loot, secrets: string[]): void {
  const identity = attempts.find((a) => a.what === "own-identity");
  const leaked = attempts.filter((a) => a.ok && a.what !== "own-identity");
  expect(leaked, `read by the server (${identity?.sample}): ${JSON.stringify(leaked)}`).toEqual([]);
  for (const what of [
    "dev-token",
    "other-scratch",
    "store-socket",
    "store-over-loopback",
    "other-environs",
  ]) {
    expect(attempts.map((a) => a.what)).toContain(what);
  }
  const text = JSON.stringify(attempts);
  for (const secret of [otherSecret, ...secrets]) expect(text).not.toContain(secret);
  // A scratch HOME that is its working directory, not the platform's.
  const cwd = /cwd=(\S+)/.exec(identity?.sample ?? "")?.[1];
  const home = /home=(\S+)/.exec(identity?.sample ?? "")?.[1];
  expect(cwd).toBe(home);
  expect(cwd).not.toBe(REPO_ROOT);
}

function apiOf(p: TestPlatform): Api {
  return async (method, path, body) => p.api(method, path, body === undefined ? {} : { body });
}

/** Far from the default range (2,000,000,000 and up) the other test files' platforms use. */
const OWN_FIRST_UID = 2_000_100_000;

describe.skipIf(!isRoot).each([
  { sandbox: "auto", what: "namespaces and a uid per server" },
  { sandbox: "uid", what: "a uid per server only" },
])("as root, $what (MCPFLOW_SANDBOX=$sandbox)", ({ sandbox }) => {
  let p: TestPlatform;
  beforeAll(async () => {
    process.env.MCPFLOW_TEST_PLATFORM_ONLY = "platform-environment-value";
    process.env.MCPFLOW_SANDBOX = sandbox;
    // A uid range of its own, as decision 0005 asks of several platforms on one host: the test files that run beside
    // this one start platforms whose servers take the default range, and with uids alone (no pid namespace) a server
    // of theirs running as the same uid is readable to the hostile one (`other-environs` failed so at load).
    process.env.MCPFLOW_SANDBOX_UID = String(OWN_FIRST_UID);
    p = await startTestPlatform();
  });
  afterAll(async () => {
    delete process.env.MCPFLOW_TEST_PLATFORM_ONLY;
    delete process.env.MCPFLOW_SANDBOX;
    delete process.env.MCPFLOW_SANDBOX_UID;
    await p?.cleanup();
  });

  it("a hostile server reads no token, key, secret, store or platform environment, nor the other running server's secrets", async () => {
    const result = await loot(apiOf(p), p.home);
    expectNothingRead(result, [p.adminToken, "platform-environment-value"]);
    const identity = result.attempts.find((a) => a.what === "own-identity")?.sample ?? "";
    expect(identity).toMatch(new RegExp(`uid=${String(OWN_FIRST_UID).slice(0, -2)}\\d\\d\\b`));
  });
});

/** Whether an ordinary user can read this checkout (CI grants the sandbox users the same). */
const ordinaryCanRead =
  isRoot &&
  spawnSync("setpriv", [
    `--reuid=${ORDINARY_UID}`,
    `--regid=${ORDINARY_UID}`,
    "--clear-groups",
    "test",
    "-r",
    HOSTILE,
  ]).status === 0;

describe.skipIf(!ordinaryCanRead)("as an ordinary user (npm start on a laptop): a user namespace", () => {
  let home: string;
  let running: PlatformProcess | undefined;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "mcpflow-ordinary-"));
    await chown(home, ORDINARY_UID, ORDINARY_UID);
    running = await spawnPlatform(home, {
      uid: ORDINARY_UID,
      env: { HOME: home, MCPFLOW_TEST_PLATFORM_ONLY: "platform-environment-value" },
    });
  }, 90_000);
  afterAll(async () => {
    killPlatform(running);
    await rm(home, { recursive: true, force: true });
  });

  it("says how servers are isolated, and a hostile server reads nothing of the platform's", async () => {
    expect(running!.stdout() + running!.stderr()).toContain("user, mount and pid namespace");
    const result = await loot(running!.api, home);
    const token = (await readFile(join(home, "dev-token"), "utf8")).trim();
    expectNothingRead(result, [token, "platform-environment-value"]);
    const identity = result.attempts.find((a) => a.what === "own-identity")?.sample ?? "";
    // Root of its own namespace, without a capability; outside, the ordinary user.
    expect(identity).toMatch(/uid=0\b/);
  }, 90_000);
});
