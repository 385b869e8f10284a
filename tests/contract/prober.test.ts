// Prober: in process (the embedded platform) and through the remote-MCP invoker Lambda pass the same contract,
// against real server-everything processes. For the Lambda adapter only the Invoke call is mocked: it hands the
// payload, as bytes, to the real invoker handler, which reads the registry and probes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll } from "vitest";
import { type LocalPlatform, startLocalPlatform } from "../../local/platform.js";
import type { Caller } from "../../shared/identity/roles.js";
import { createInProcessProber } from "../../shared/mcp/in-process-prober.js";
import { createLambdaProber } from "../../shared/mcp/lambda-prober.js";
import type { ProbeTarget } from "../../shared/mcp/prober.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { withRunPermission } from "../../shared/registry/approval.js";
import { approveVersion } from "../../shared/registry/run-decisions.js";
import { Registry } from "../../shared/registry/service.js";
import { EVERYTHING_SCRIPT } from "../helpers/examples.js";
import { type InvokerLambda, routeInvokesToInvoker } from "../helpers/invoker-lambda.js";
import { freePort } from "../helpers/ports.js";
import { startEverythingHttp } from "../integration/mcp/npm-servers.js";
import { type ProberFixture, proberContract } from "./prober.contract.js";

process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
const editor: Caller = { id: "user:editor", kind: "user", name: "editor", role: "editor" };
const admin: Caller = { id: "user:admin", kind: "user", name: "admin", role: "admin" };

let home = "";
let local: LocalPlatform;
let platform: Platform;
let remote: Awaited<ReturnType<typeof startEverythingHttp>>;
let targets: Omit<ProberFixture, "prober" | "startsStdio" | "platform">;
let lambda: InvokerLambda | undefined;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "mcpflow-prober-"));
  local = await startLocalPlatform({ home, port: 0 });
  platform = await getPlatform();
  remote = await startEverythingHttp();
  const port = await freePort();
  const versions: Record<keyof typeof targets, ProbeTarget> = {
    remote: {
      name: "io.contract/remote",
      version: "1.0.0",
      runtime: { transport: "streamable-http", url: remote.url },
    },
    needsSecret: {
      name: "io.contract/keyed",
      version: "1.0.0",
      runtime: {
        transport: "streamable-http",
        url: remote.url,
        headers: { "x-api-key": { secret: "api_key" } },
      },
    },
    unreachable: {
      name: "io.contract/gone",
      version: "1.0.0",
      runtime: { transport: "streamable-http", url: `http://127.0.0.1:${port}/mcp` },
    },
    stdio: {
      name: "io.contract/stdio",
      version: "1.0.0",
      runtime: { transport: "stdio", command: process.execPath, args: [EVERYTHING_SCRIPT, "stdio"] },
    },
  };
  const registry = new Registry(platform.table);
  for (const target of Object.values(versions)) {
    const record = await registry.publish(
      { name: target.name, description: "prober contract", version: target.version, runtime: target.runtime },
      editor,
    );
    // A tool call runs only an approved runtime (the probe's own check is the service's, not the prober's).
    const digest = (await withRunPermission(platform.table, record)).execution?.runtimeDigest;
    await approveVersion(platform, target.name, target.version, digest!, admin);
  }
  targets = versions;
  lambda = await routeInvokesToInvoker();
}, 60_000);

afterAll(async () => {
  lambda?.restore();
  await remote?.stop();
  await local?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

proberContract("in process", () => ({
  prober: createInProcessProber(platform),
  startsStdio: true,
  platform,
  ...targets,
}));

proberContract("remote-MCP invoker Lambda", () => ({
  prober: createLambdaProber({
    client: new LambdaClient({ region: "us-east-1" }),
    functionName: "arn:aws:lambda:us-east-1:123456789012:function:mcpflow-test-remote-mcp",
  }),
  startsStdio: false,
  platform,
  ...targets,
}));
