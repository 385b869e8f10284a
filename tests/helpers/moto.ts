// One moto_server per test file: started in beforeAll on a free loopback port, stopped in afterAll. When moto_server
// is not installed the suites that need it are skipped, loudly, instead of failing on a missing binary. With
// `execute`, it is moto with Step Functions execution on and the patches of moto_server_patched.py.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "./ports.js";

const PATCHED_SERVER = join(dirname(fileURLToPath(import.meta.url)), "moto_server_patched.py");

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

export interface MotoServerOptions {
  /**
   * Step Functions execution on (LocalStack's interpreter inside moto), with the workarounds for moto's own defects
   * that moto_server_patched.py applies before the server starts.
   */
  execute?: boolean;
  /** Where the patched server spools the payloads of the Lambda invocations it cannot run (needs `execute`). */
  lambdaSpool?: () => string;
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
  /** The last 4,000 characters moto_server printed (its request log and any traceback), for a failure's message. */
  output: () => string;
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
export function useMotoServer(options: MotoServerOptions = {}): MotoServer {
  const handle = {} as MotoServer;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    const port = await freePort();
    let output = "";
    const listen = ["-H", "127.0.0.1", "-p", String(port)];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MOTO_ALLOW_NONEXISTENT_REGION: "true",
      // The interpreter calls ECS (and the others) through this port: moto's Task states use boto3 against it.
      MOTO_PORT: String(port),
      ...(options.lambdaSpool ? { MCPFLOW_E2E_LAMBDA_SPOOL: options.lambdaSpool() } : {}),
    };
    child = options.execute
      ? spawn("python3", [PATCHED_SERVER, ...listen], { stdio: ["ignore", "pipe", "pipe"], env })
      : spawn("moto_server", listen, { stdio: ["ignore", "pipe", "pipe"], env });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitUntilReady(endpoint, child, () => output);
    handle.endpoint = endpoint;
    handle.output = () => output;
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
