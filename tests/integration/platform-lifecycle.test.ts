// The platform process as an operator treats it (issue 11): start-up failures are one line that says what to do and
// write nothing; a kill -9 of the node process alone (as the OOM killer does) leaves servers behind that the next
// start reaps, and keeps the interrupted run's history; SIGTERM under load stops within 10 s, answers what was in
// flight, ends every server process (daemonised grandchildren included) and marks the runs.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../../shared/mcp/process-tree.js";
import {
  killPlatform,
  PLATFORM_START_BUDGET_MS,
  type PlatformProcess,
  processesRunning,
  ROOT,
  spawnPlatform,
} from "../helpers/platform-process.js";

const FIXTURE = join(ROOT, "tests/fixtures/mcp/daemonizing-server.mjs");
const SERVER = "io.github.mcpflow-tests/daemonizing";

let scratch: string;
const started: PlatformProcess[] = [];
/** Daemons the fixture left, killed after each test even when it failed before the platform could reap them. */
const daemons: number[] = [];

async function platform(home: string, options: Parameters<typeof spawnPlatform>[1] = {}) {
  const running = await spawnPlatform(home, options);
  started.push(running);
  return running;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "mcpflow-lifecycle-"));
});
afterEach(() => {
  for (const running of started.splice(0)) killPlatform(running);
  for (const pid of daemons.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Reaped, as it should be.
    }
  }
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function oneLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.startsWith("mcpflow:"));
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe("start-up failures", () => {
  it("a taken port: one line naming the port and PORT, and nothing written under the home", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", done));
    const port = (blocker.address() as { port: number }).port;
    const home = join(scratch, "never-created");
    try {
      const running = await platform(home, { port, wait: false });
      expect((await running.exited).code).toBe(1);
      expect(oneLine(running.stderr())).toBe(`mcpflow: port ${port} is taken — set PORT to a free one`);
      expect(existsSync(home)).toBe(false);
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()));
    }
  }, 60_000);

  // Two platform starts: 31 s in a CI run at high load.
  it("a home in use: names the other platform's pid, and leaves its token alone", {
    timeout: 2 * PLATFORM_START_BUDGET_MS,
  }, async () => {
    const home = join(scratch, "shared-home");
    const first = await platform(home);
    const token = await readFile(join(home, "dev-token"), "utf8");

    const second = await platform(home, { wait: false });

    expect((await second.exited).code).toBe(1);
    expect(oneLine(second.stderr())).toBe(
      `mcpflow: another mcpflow (pid ${first.child.pid}) is using ${home}: stop it, or set MCPFLOW_HOME to another folder`,
    );
    expect(await readFile(join(home, "dev-token"), "utf8")).toBe(token);
    expect((await first.api("GET", "/v1/me")).status).toBe(200);
  });

  it("a home that cannot be written: one line naming it", async () => {
    const file = join(scratch, "a-file");
    await writeFile(file, "not a folder");
    const home = join(file, "home");

    const running = await platform(home, { wait: false });

    expect((await running.exited).code).toBe(1);
    expect(oneLine(running.stderr())).toMatch(
      new RegExp(`^mcpflow: cannot write ${home} \\(ENOTDIR\\): make it writable, or set MCPFLOW_HOME`),
    );
  }, 60_000);
});

/** Publishes the daemonizing fixture and a workflow that leaves a daemon behind, then hangs in its second step. */
async function prepare(p: PlatformProcess): Promise<void> {
  const published = await p.api("POST", "/v1/servers?approve=true", {
    name: SERVER,
    version: "1.0.0",
    description: "Leaves detached grandchildren behind",
    runtime: { transport: "stdio", command: process.execPath, args: [FIXTURE] },
  });
  expect(published.status, published.text).toBe(201);
  const probed = await p.api("POST", `/v1/servers/${encodeURIComponent(SERVER)}/versions/1.0.0/probe`);
  expect(probed.status, probed.text).toBe(200);
  const saved = await p.api("POST", "/v1/workflows", {
    name: "leave-a-daemon",
    steps: [
      {
        id: "daemonize",
        server: `${SERVER}@1.0.0`,
        tool: "daemonize",
        arguments: { tag: "{{ input.tag }}" },
      },
      { id: "hang", server: `${SERVER}@1.0.0`, tool: "hang", arguments: {}, depends_on: ["daemonize"] },
    ],
  });
  expect(saved.status, saved.text).toBe(201);
}

/**
 * Starts a run and waits until it hangs; answers its id and the daemon's pid. The server runs in a pid namespace of
 * its own (decision 0005), so the pid it answers means nothing here: the daemon is found by a tag in its command line.
 */
async function hangingRun(p: PlatformProcess): Promise<{ id: string; daemon: number }> {
  const tag = `mcpflow-lifecycle-daemon-${crypto.randomUUID()}`;
  const started = await p.api("POST", "/v1/workflows/leave-a-daemon/runs", { input: { tag } });
  expect(started.status, started.text).toBe(202);
  const id = String(started.body.id);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const run = await p.api("GET", `/v1/runs/${id}`);
    const steps = (run.body?.steps ?? []) as { stepId: string; status: string; output?: { text: string } }[];
    const daemonize = steps.find((s) => s.stepId === "daemonize");
    if (
      daemonize?.status === "SUCCEEDED" &&
      steps.some((s) => s.stepId === "hang" && s.status === "RUNNING")
    ) {
      const found = processesRunning(tag);
      expect(found, `the daemon tagged ${tag}`).toHaveLength(1);
      daemons.push(found[0]!);
      return { id, daemon: found[0]! };
    }
    if (run.body?.status !== "RUNNING" || Date.now() > deadline)
      throw new Error(`run did not hang: ${run.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("nothing outlives the platform", () => {
  it("after kill -9 of the node process alone, the next start reaps every server and daemon; the run keeps its events", async () => {
    const home = join(scratch, "killed");
    const first = await platform(home);
    await prepare(first);
    const runs = [await hangingRun(first), await hangingRun(first)];
    const servers = processesRunning(FIXTURE);
    expect(servers.length).toBeGreaterThanOrEqual(2);

    first.child.kill("SIGKILL");
    await first.exited;
    // The crash leaves the daemons running in sessions of their own, and the servers hung in a call re-parented.
    const detached = runs.map((r) => r.daemon);
    for (const pid of detached) expect(isAlive(pid), `daemon ${pid}`).toBe(true);
    const leftovers = [...servers, ...detached].filter(isAlive);

    const second = await platform(home);

    for (const pid of leftovers) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(processesRunning(FIXTURE)).toEqual([]);
    for (const { id } of runs) {
      const run = await second.api("GET", `/v1/runs/${id}`);
      expect(run.body).toMatchObject({ status: "FAILED", error: { error: "Platform.Stopped" } });
      const events = await second.api("GET", `/v1/runs/${id}/events`);
      expect(events.status, events.text).toBe(200);
      const types = (events.body.events as { type: string }[]).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(["ExecutionStarted", "TaskStateEntered"]));
    }
  }, 120_000);

  it("SIGTERM under load: a 'stopping' line, exit 0 within 10 s, answers in flight, no process left, runs marked", async () => {
    const home = join(scratch, "terminated");
    const first = await platform(home);
    await prepare(first);
    const runs = [await hangingRun(first), await hangingRun(first)];
    const servers = processesRunning(FIXTURE);
    expect(servers.length).toBeGreaterThanOrEqual(2);

    let loading = true;
    const answers: number[] = [];
    const load = Array.from({ length: 20 }, async () => {
      while (loading) {
        try {
          answers.push((await first.api("GET", "/v1/servers?limit=30")).status);
        } catch {
          // Refused once the port is closed: that is the end of this client's load.
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    const before = answers.length;
    const sent = Date.now();
    first.child.kill("SIGTERM");
    const exit = await first.exited;
    const took = Date.now() - sent;
    loading = false;
    await Promise.all(load);
    console.info(`SIGTERM under load: exited ${JSON.stringify(exit)} after ${took} ms`);

    // Exit 0 is a stop that finished within the platform's own deadline (local/main.ts exits 1 at 9.5 s); the test's
    // clock adds the process's exit and this process's own scheduling under load, so it only reports `took`.
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.stdout()).toContain('"message":"stopping"');
    expect(answers.length).toBeGreaterThan(before);
    expect(answers.filter((status) => status >= 500)).toEqual([]);
    for (const pid of [...servers, ...runs.map((r) => r.daemon)])
      expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(processesRunning(FIXTURE)).toEqual([]);
    expect(first.stdout() + first.stderr()).toContain("runs in progress were marked FAILED");

    const second = await platform(home);
    for (const { id } of runs) {
      const run = await second.api("GET", `/v1/runs/${id}`);
      expect(run.body).toMatchObject({ status: "FAILED", error: { error: "Platform.Stopped" } });
      expect(run.body.steps.find((s: { stepId: string }) => s.stepId === "hang").status).toBe("FAILED");
      expect((await second.api("GET", `/v1/runs/${id}/events`)).body.events.length).toBeGreaterThan(0);
    }
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 120_000);
});
