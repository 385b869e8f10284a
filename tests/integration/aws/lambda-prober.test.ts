// Probing on AWS: the registry function's Lambda prober invokes the remote-MCP invoker, whose probe handler reads
// the version from the registry, resolves its secrets and probes the real server. Only the Lambda Invoke call is
// mocked (Lambda cannot run here); it hands the payload, as bytes, to the real invoker handler.
import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../shared/errors.js";
import { HTTP_UNREACHABLE } from "../../../shared/mcp/connect.js";
import { createLambdaProber } from "../../../shared/mcp/lambda-prober.js";
import { type Prober, UnsupportedProbeError } from "../../../shared/mcp/prober.js";
import { getPlatform } from "../../../shared/platform.js";
import { MissingSecretError } from "../../../shared/secrets/port.js";
import { EVERYTHING_SCRIPT } from "../../helpers/examples.js";
import { type InvokerLambda, routeInvokesToInvoker } from "../../helpers/invoker-lambda.js";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.js";
import { freePort } from "../../helpers/ports.js";
import { startEverythingHttp } from "../mcp/npm-servers.js";

const INVOKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:mcpflow-test-remote-mcp";

let p: TestPlatform;
let remote: Awaited<ReturnType<typeof startEverythingHttp>>;
let inProcess: Prober;
let lambda: InvokerLambda | undefined;

async function publish(name: string, runtime: Record<string, unknown>) {
  const response = await p.api("POST", "/v1/servers?approve=true", {
    body: { name, version: "1.0.0", description: `${name} for prober tests`, runtime },
  });
  expect(response.status, response.text).toBe(201);
  return `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0`;
}

beforeAll(async () => {
  p = await startTestPlatform();
  remote = await startEverythingHttp();
  lambda = await routeInvokesToInvoker();
  const platform = await getPlatform();
  inProcess = platform.prober;
  platform.prober = createLambdaProber({ client: new LambdaClient({}), functionName: INVOKER_ARN });
}, 60_000);
afterEach(() => {
  if (lambda) lambda.invocations.length = 0;
});
afterAll(async () => {
  const platform = await getPlatform().catch(() => undefined);
  if (platform && inProcess) platform.prober = inProcess;
  lambda?.restore();
  await remote?.stop();
  await p?.cleanup();
});

describe("POST .../probe with the Lambda prober", () => {
  it("probes a remote server through the invoker, sending references only", async () => {
    const path = await publish("io.lambda-probe/remote", {
      transport: "streamable-http",
      url: remote.url,
      headers: { "x-api-key": { secret: "api_key" } },
    });
    const missing = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(missing.status, missing.text).toBe(422);
    expect(missing.body.errors).toEqual([
      { field: "secrets.api_key", rule: "is not granted to this version" },
    ]);

    const secret = await p.api("PUT", "/v1/servers/io.lambda-probe%2Fremote/secrets/api_key", {
      body: { value: "s3cret-value-42", versions: "1.0.0" },
    });
    expect(secret.status, secret.text).toBeLessThan(300);
    const probe = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(probe.status, probe.text).toBe(200);
    expect(probe.body.serverInfo.name).toBe("mcp-servers/everything");
    expect(probe.body.tools.map((t: { name: string }) => t.name)).toContain("echo");

    // The invoker got the version's coordinates, never the runtime or a secret value.
    // (The refused probe never reached it: a secret not granted is refused before anything starts.)
    expect(lambda?.invocations).toEqual([
      {
        functionName: INVOKER_ARN,
        event: { probe: { name: "io.lambda-probe/remote", version: "1.0.0", timeoutMs: expect.any(Number) } },
      },
    ]);
    expect(JSON.stringify(probe.body)).not.toContain("s3cret-value-42");

    const tools = await p.api("GET", `${path}/tools`, { role: "viewer" });
    expect(tools.body.tools.map((t: { name: string }) => t.name)).toEqual(
      probe.body.tools.map((t: { name: string }) => t.name),
    );
  });

  it("answers 422 naming the runtime for a stdio server, which a Lambda function cannot start", async () => {
    const path = await publish("io.lambda-probe/stdio", {
      transport: "stdio",
      command: process.execPath,
      args: [EVERYTHING_SCRIPT, "stdio"],
    });
    const probe = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(probe.status, probe.text).toBe(422);
    expect(probe.body.errors).toEqual([
      { field: "runtime", rule: "must be a streamable-http runtime with a url to be probed here" },
    ]);
    expect(probe.body.detail).toContain("not a remote server");
  });

  it("answers 502 when the remote server is not reachable", async () => {
    const port = await freePort();
    const path = await publish("io.lambda-probe/gone", {
      transport: "streamable-http",
      url: `http://127.0.0.1:${port}/mcp`,
    });
    const probe = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(probe.status, probe.text).toBe(502);
    expect(probe.body.detail).toContain(HTTP_UNREACHABLE);
  });
});

describe("createLambdaProber", () => {
  const target = {
    name: "io.lambda-probe/remote",
    version: "1.0.0",
    runtime: { transport: "streamable-http" as const, url: "http://127.0.0.1:9/mcp" },
  };
  const answering = (payload: unknown, functionError?: string) => ({
    send: async () => ({
      StatusCode: 200,
      ...(functionError ? { FunctionError: functionError } : {}),
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  });

  it("throws the errors an in-process probe throws", async () => {
    const missing = createLambdaProber({
      client: answering({
        ok: false,
        error: { kind: "missing-secret", message: "m", server: target.name, keys: ["a", "b"] },
      }) as never,
      functionName: INVOKER_ARN,
    });
    const error = await missing.probe(target, { timeoutMs: 1000 }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingSecretError);
    expect(error.keys).toEqual(["a", "b"]);

    const unsupported = createLambdaProber({
      client: answering({ ok: false, error: { kind: "unsupported", message: "stdio" } }) as never,
      functionName: INVOKER_ARN,
    });
    await expect(unsupported.probe(target, { timeoutMs: 1000 })).rejects.toBeInstanceOf(
      UnsupportedProbeError,
    );
  });

  it("reports a crashed invoker or a foreign answer as 502, without its message", async () => {
    const crashed = createLambdaProber({
      client: answering(
        { errorType: "TypeError", errorMessage: "secret stack detail" },
        "Unhandled",
      ) as never,
      functionName: INVOKER_ARN,
    });
    const error = await crashed.probe(target, { timeoutMs: 1000 }).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toContain("TypeError");
    expect(error.message).not.toContain("secret stack detail");

    const foreign = createLambdaProber({
      client: answering({ hello: 1 }) as never,
      functionName: INVOKER_ARN,
    });
    await expect(foreign.probe(target, { timeoutMs: 1000 })).rejects.toBeInstanceOf(UpstreamError);
  });
});
