// `npm start` as a real child process (node --import tsx local/main.ts, as package.json runs it) on a free port, for
// the tests about signals, crashes, start-up errors and what a process leaves behind.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { freePort } from "./ports.js";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface PlatformProcess {
  child: ChildProcess;
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** JSON request with the dev token. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }>;
}

/**
 * What a test allows each platform process it starts: a start is about 2 s of the process's CPU (tsx compiling the
 * platform as it loads) and 5-6 s of wall time at load ~18 (measured by H3, session 7), more than twice that at 40.
 * A test that starts several counts its time per start, not by vitest's fixed minute.
 */
export const PLATFORM_START_BUDGET_MS = 30_000;

/** Spawns the platform; with `wait: false` answers at once (for start-up failures), else once /v1/health answers. */
export async function spawnPlatform(
  home: string,
  /** `uid`: run it as that ordinary user (uid = gid), to see what a developer's `npm start` does. */
  options: { port?: number; env?: Record<string, string>; wait?: boolean; uid?: number } = {},
): Promise<PlatformProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      MCPFLOW_HOME: home,
      PORT: String(port),
      POWERTOOLS_LOG_LEVEL: "INFO",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  let token: string | undefined;
  const running: PlatformProcess = {
    child,
    url,
    port,
    stdout: () => out,
    stderr: () => err,
    exited,
    async api(method, path, body) {
      token ??= (await readFile(join(home, "dev-token"), "utf8")).trim();
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed, text };
    },
  };
  if (options.wait === false) return running;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`platform exited ${child.exitCode}: ${err}${out}`);
    try {
      const response = await fetch(`${url}/v1/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`platform did not answer /v1/health: ${err}${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return running;
}

/** Kills a platform a test left running (SIGKILL), so a failed test does not leave it behind. */
export function killPlatform(running: PlatformProcess | undefined): void {
  if (running && running.child.exitCode === null && running.child.signalCode === null)
    running.child.kill("SIGKILL");
}

/** Pids of live processes whose command line contains `text` (Linux /proc). */
export function processesRunning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) found.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return found;
}
