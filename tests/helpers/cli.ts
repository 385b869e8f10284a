// Runs the mcpflow CLI as a child process (bin/mcpflow.js, as `npx mcpflow` runs it) with its own config directory,
// and answers its exit code, stdout and stderr. Never throws on a non-zero exit: tests assert the code.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./examples.js";

export const CLI_BIN = join(REPO_ROOT, "bin/mcpflow.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  configDir: string;
  env: NodeJS.ProcessEnv;
  run(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
  ): Promise<CliResult>;
  /** Starts it and hands the child over (to read its stderr while it runs); `done` resolves as run() does. */
  start(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv },
  ): { child: ChildProcess; done: Promise<CliResult> };
}

/** A CLI with a fresh config directory, talking to `apiUrl`; no credentials from the environment of the tests. */
export async function cliFor(apiUrl: string): Promise<Cli> {
  const configDir = await mkdtemp(join(tmpdir(), "mcpflow-cli-config-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MCPFLOW_CONFIG_DIR: configDir,
    MCPFLOW_URL: apiUrl,
    NODE_OPTIONS: "--no-warnings",
  };
  const start: Cli["start"] = (args, options = {}) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const done = new Promise<CliResult>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    return { child, done };
  };
  return {
    configDir,
    env,
    start,
    async run(args, options = {}) {
      const { child, done } = start(args, options.env ? { env: options.env } : {});
      child.stdin!.end(options.input ?? "");
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
