// The README's CLI tour (the second `sh` block of "A tour with curl") run as written, `npx mcpflow` and all, against
// a fresh embedded platform, in a config directory of its own: every command must succeed and the run must too.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let config: string;

/** How long the tour may print nothing before it counts as stalled (one command's start at load ~50 is ~40 s). */
const STALL_MS = 120_000;

function killGroup(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The fenced `sh` blocks of a Markdown text, in order. */
function shBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

beforeAll(async () => {
  p = await startTestPlatform();
  config = await mkdtemp(join(tmpdir(), "mcpflow-cli-tour-"));
});
afterAll(async () => {
  await p?.cleanup();
  await rm(config, { recursive: true, force: true });
  // The tour writes its two files where it runs, as a reader's shell would.
  await rm(join(REPO_ROOT, "weather.json"), { force: true });
  await rm(join(REPO_ROOT, "in.json"), { force: true });
});

it(
  "the README's CLI tour runs as written: every command succeeds, the run succeeds, apply saves nothing",
  async () => {
    const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
    const tour = shBlocks(readme.slice(readme.indexOf("## A tour with curl")))[1]!;
    expect(tour).toContain("npx mcpflow login --local");
    const url = new URL(p.url);
    // Not spawnSync: the platform answers from this process's event loop. A group of its own, so that a stalled tour
    // is ended whole (bash, npx and the CLI under it), not only its shell.
    const child = spawn("bash", ["-e", "-o", "pipefail", "-c", tour], {
      cwd: REPO_ROOT,
      env: { ...process.env, MCPFLOW_HOME: p.home, PORT: url.port, MCPFLOW_CONFIG_DIR: config },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const result = { status: null as number | null, stdout: "", stderr: "", stalled: false };
    let heard = Date.now();
    child.stdout.on("data", (chunk) => {
      result.stdout += chunk;
      heard = Date.now();
    });
    child.stderr.on("data", (chunk) => {
      result.stderr += chunk;
      heard = Date.now();
    });
    // The tour is sixteen `npx mcpflow` commands, each about 1.2 s of CPU for npx and the CLI's start before its work:
    // at load 35-49 it outlasted a fixed 280 s and was killed mid-command (exit null). What is bounded is silence:
    // every command prints, so a tour that prints nothing for STALL_MS has stopped making progress.
    const watchdog = setInterval(() => {
      if (Date.now() - heard < STALL_MS) return;
      result.stalled = true;
      killGroup(child.pid);
    }, 1000);
    result.status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearInterval(watchdog);
    killGroup(child.pid);
    const transcript = `exit ${result.status}${result.stalled ? ` (killed: no output for ${STALL_MS / 1000} s)` : ""}\n${result.stdout}\n${result.stderr}`;
    expect(result.status, transcript).toBe(0);
    expect(result.stderr, transcript).not.toMatch(/^error: /m);
    expect(result.stdout, transcript).toMatch(/^\S+ SUCCEEDED$|"type":"run".*"status":"SUCCEEDED"/m);
    expect(result.stderr, transcript).toContain("workflow everything-diamond unchanged (version 1)");
    expect(result.stdout, transcript).toContain("Echo: hi");
  },
  20 * 60_000,
);
