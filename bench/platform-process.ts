// The embedded platform as `npm start` runs it, in its own process on a loopback port, for benchmarks that measure
// it from outside (memory, start latency) rather than from inside its own event loop.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout whose platform runs: this one, or BENCH_ROOT (to measure another branch with the same bench). */
export const PLATFORM_ROOT = resolve(process.env.BENCH_ROOT ?? fileURLToPath(new URL("..", import.meta.url)));

export interface PlatformProcess {
  child: ChildProcess;
  url: string;
  home: string;
  headers: Record<string, string>;
  /** Resident set size of the platform's process, in MiB (Linux). */
  rssMiB(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** `root`: the checkout whose platform starts (PLATFORM_ROOT by default; another one to compare two in one run). */
export async function startPlatformProcess(
  env: Record<string, string> = {},
  root: string = PLATFORM_ROOT,
): Promise<PlatformProcess> {
  const home = await mkdtemp(join(tmpdir(), "mcpflow-bench-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // BENCH_NODE_ARGS adds node flags to the platform's process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see
  // where its time goes.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(root, "local/main.ts")], {
    cwd: root,
    env: { ...process.env, MCPFLOW_HOME: home, PORT: String(port), POWERTOOLS_LOG_LEVEL: "SILENT", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise((done) => child.once("exit", done));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the platform exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/v1/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error("the platform did not answer /v1/health within 60 s");
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const token = readFileSync(join(home, "dev-token"), "utf8").trim();
  return {
    child,
    url,
    home,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    rssMiB() {
      const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]);
      return Math.round((kib / 1024) * 10) / 10;
    },
    stop,
  };
}
