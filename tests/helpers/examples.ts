// The examples (servers from node_modules, workflows from examples/) loaded into a test platform, the flaky fixture
// server, and small helpers to start runs, wait for them and find the server processes they spawned.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "vitest";
import type { TestPlatform } from "./platform.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const EVERYTHING_NAME = "io.github.modelcontextprotocol/server-everything";
export const MEMORY_NAME = "io.github.modelcontextprotocol/server-memory";
export const EXAMPLE_VERSION = "2026.8.31";
export const EVERYTHING = `${EVERYTHING_NAME}@${EXAMPLE_VERSION}`;
export const MEMORY = `${MEMORY_NAME}@${EXAMPLE_VERSION}`;
export const EVERYTHING_SCRIPT = join(
  REPO_ROOT,
  "node_modules/@modelcontextprotocol/server-everything/dist/index.js",
);
export const FLAKY_SCRIPT = join(REPO_ROOT, "tests/fixtures/mcp/flaky-server.mjs");
/** tests/fixtures/mcp/gate-server.mjs: `wait({url})` lasts until the test answers the URL. */
export const GATE_SCRIPT = join(REPO_ROOT, "tests/fixtures/mcp/gate-server.mjs");
export const FLAKY_NAME = "io.github.mcpflow-tests/flaky";
export const FLAKY = `${FLAKY_NAME}@1.0.0`;

const enc = encodeURIComponent;
const exec = promisify(execFile);

/** An example server.json with `node_modules/` paths made absolute and the memory file moved to `memoryFile`. */
export async function exampleServer(file: string, memoryFile: string): Promise<Record<string, unknown>> {
  const server = JSON.parse(await readFile(join(REPO_ROOT, "examples/servers", file), "utf8"));
  const runtime = server.runtime as { args?: string[]; env?: Record<string, string> };
  runtime.args = runtime.args?.map((arg) => (arg.startsWith("node_modules/") ? join(REPO_ROOT, arg) : arg));
  if (runtime.env?.MEMORY_FILE_PATH) runtime.env.MEMORY_FILE_PATH = memoryFile;
  return server;
}

/** Publishes a server version (201) and probes it (200), so workflows can be checked against its tools. */
export async function publishServer(
  p: TestPlatform,
  server: Record<string, unknown>,
  options: { probe?: boolean } = {},
) {
  // The admin publishes and approves in one request, as `npm run seed` does (docs/decisions/0004-running-code.md).
  const published = await p.api("POST", "/v1/servers?approve=true", { body: server });
  expect(published.status, published.text).toBe(201);
  if (options.probe === false) return;
  const probe = await p.api(
    "POST",
    `/v1/servers/${enc(String(server.name))}/versions/${server.version}/probe`,
  );
  expect(probe.status, probe.text).toBe(200);
}

/** Publishes and probes server-everything and server-memory (its graph in `memoryFile`). */
export async function publishExampleServers(p: TestPlatform, memoryFile: string): Promise<void> {
  for (const file of ["server-everything.json", "server-memory.json"]) {
    await publishServer(p, await exampleServer(file, memoryFile));
  }
}

export async function publishFlakyServer(p: TestPlatform): Promise<void> {
  await publishServer(p, {
    name: FLAKY_NAME,
    version: "1.0.0",
    description: "Fails a given number of calls per key, then succeeds",
    runtime: { transport: "stdio", command: process.execPath, args: [FLAKY_SCRIPT] },
  });
}

/** tests/integration/mcp/fixtures/fixture-server.mjs: tools that answer at once, hang, crash or answer too much. */
export const FIXTURE_NAME = "io.github.mcpflow-tests/fixture";
export const FIXTURE_SCRIPT = join(REPO_ROOT, "tests/integration/mcp/fixtures/fixture-server.mjs");

/** Publishes the fixture server as `${FIXTURE_NAME}@1.0.0`, described for the test file that uses it. */
export async function publishFixtureServer(p: TestPlatform, description: string): Promise<void> {
  await publishServer(p, {
    name: FIXTURE_NAME,
    version: "1.0.0",
    description,
    runtime: { transport: "stdio", command: process.execPath, args: [FIXTURE_SCRIPT] },
  });
}

/** Saves an example workflow file as it is (YAML or JSON); answers its name. */
export async function saveExampleWorkflow(p: TestPlatform, file: string): Promise<string> {
  const text = await readFile(join(REPO_ROOT, "examples/workflows", file), "utf8");
  const contentType = file.endsWith(".json") ? "application/json" : "application/yaml";
  const saved = await p.api("POST", "/v1/workflows", { rawBody: text, contentType });
  expect(saved.status, saved.text).toBe(201);
  return String(saved.body.name);
}

export async function saveWorkflow(p: TestPlatform, definition: Record<string, unknown>): Promise<void> {
  const saved = await p.api("POST", "/v1/workflows", { body: definition, role: "editor" });
  expect(saved.status, saved.text).toBe(201);
}

/** Starts a run (202) and answers its id. */
export async function startRun(p: TestPlatform, workflow: string, input: unknown = {}): Promise<string> {
  const started = await p.api("POST", `/v1/workflows/${workflow}/runs`, {
    body: { input },
    role: "operator",
  });
  expect(started.status, started.text).toBe(202);
  return String(started.body.id);
}

/** Polls `GET /v1/runs/{id}` until the run is no longer RUNNING; fails the test after `timeoutMs`. */
export async function waitForRun(
  p: TestPlatform,
  id: string,
  options: { timeoutMs?: number } = {},
): Promise<any> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const run = await p.api("GET", `/v1/runs/${id}`, { role: "viewer" });
    expect(run.status, run.text).toBe(200);
    if (run.body.status !== "RUNNING") return run.body;
    if (Date.now() > deadline)
      throw new Error(`run ${id} still RUNNING after ${options.timeoutMs ?? 30_000} ms: ${run.text}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Polls the run until `ready(run)` holds (for acting mid-run); fails the test after `timeoutMs`. */
export async function waitForRunState(
  p: TestPlatform,
  id: string,
  ready: (run: any) => boolean,
  options: { timeoutMs?: number } = {},
): Promise<any> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const run = await p.api("GET", `/v1/runs/${id}`, { role: "viewer" });
    if (run.status === 200 && ready(run.body)) return run.body;
    if (Date.now() > deadline) throw new Error(`run ${id} did not reach the expected state: ${run.text}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

export function stepOf(run: { steps?: { stepId: string }[] }, id: string): any {
  const step = run.steps?.find((s) => s.stepId === id);
  if (!step) throw new Error(`run has no step ${id}: ${JSON.stringify(run.steps?.map((s) => s.stepId))}`);
  return step;
}

/** Pids of this process's direct children whose command line contains `script`. */
export async function childPids(script: string): Promise<number[]> {
  const { stdout } = await exec("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)]).catch(
    (error: { stdout?: string; code?: number }) => {
      // ps exits 1 when no process matches.
      if (error.code === 1) return { stdout: error.stdout ?? "" };
      throw error;
    },
  );
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.includes(script))
    .map((line) => Number(line.split(/\s+/, 1)[0]));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
