// One moto_server per test file: started in beforeAll on a free loopback port, stopped in afterAll. When moto_server
// is not installed the suites that need it are skipped, loudly, instead of failing on a missing binary.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "./ports.js";

process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

export const MOTO_REGION = "us-east-1";
/** moto's default account: every ARN it returns carries it. */
export const MOTO_ACCOUNT_ID = "123456789012";

export const motoAvailable = spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;
if (!motoAvailable) {
  console.warn(
    "moto_server is not installed (pip install 'moto[server]'): the AWS integration suites are SKIPPED.",
  );
}

export interface MotoServer {
  endpoint: string;
  /** Options for any AWS SDK v3 client: moto's endpoint, us-east-1, dummy credentials. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: true;
    maxAttempts: 1;
  };
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 60 s: ${output()}`);
}

/**
 * Registers beforeAll/afterAll hooks for one moto_server and returns a handle whose fields are filled in once
 * beforeAll ran. Call it at the top of a `describe.skipIf(!motoAvailable)` block.
 */
export function useMotoServer(): MotoServer {
  const handle = {} as MotoServer;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    const port = await freePort();
    let output = "";
    child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitUntilReady(endpoint, child, () => output);
    handle.endpoint = endpoint;
    handle.clientConfig = {
      endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: "moto", secretAccessKey: "moto" },
      forcePathStyle: true,
      maxAttempts: 1,
    };
  });
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child?.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  });
  return handle;
}
