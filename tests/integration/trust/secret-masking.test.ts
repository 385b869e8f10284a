// Issue 10, finding 2: a secret value is masked wherever a server could make it surface — its stderr, its crash
// message, its tool output, its tool errors, its instructions and tool descriptions — before anything is stored or
// logged: the probe's answer, GET /v1/runs/{id} and /events for a viewer, and the platform log never hold it.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { logger } from "../../../shared/log.js";
import { connectServer } from "../../../shared/mcp/connect.js";
import {
  publishServer,
  REPO_ROOT,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
} from "../../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.js";

const LEAKY = join(REPO_ROOT, "tests/fixtures/mcp/leaky-server.mjs");
const SERVER = "io.github.mcpflow-tests/leaky";
const SECRET = `tok-${crypto.randomUUID()}`;
const enc = encodeURIComponent;

let p: TestPlatform;
const written: string[] = [];

beforeAll(async () => {
  // The platform log at its most talkative, captured, so that "never logged" means something.
  logger.setLogLevel("DEBUG");
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation(((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    }) as typeof stream.write);
  }
  p = await startTestPlatform();
  for (const [version, crash] of [
    ["1.0.0", false],
    ["2.0.0", true],
  ] as const) {
    await publishServer(
      p,
      {
        name: SERVER,
        version,
        description: "leaks its token everywhere",
        runtime: {
          transport: "stdio",
          command: process.execPath,
          args: [LEAKY],
          env: { LEAKY_TOKEN: { secret: "token" }, ...(crash ? { LEAKY_CRASH_AT_START: "1" } : {}) },
        },
      },
      { probe: false },
    );
  }
  const stored = await p.api("PUT", `/v1/servers/${enc(SERVER)}/secrets/token`, {
    body: { value: SECRET, versions: ">=1.0.0" },
  });
  expect(stored.status, stored.text).toBe(200);
});

afterAll(async () => {
  await p?.cleanup();
  vi.restoreAllMocks();
  logger.setLogLevel("SILENT");
});

function expectNoSecret(where: string, value: unknown) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  expect(text.includes(SECRET), `${where} holds the secret: ${text.slice(0, 400)}`).toBe(false);
}

describe("finding 2: secret values are masked at the MCP connection", () => {
  it("the probe answer and the stored tools hold no secret (instructions, names, descriptions)", async () => {
    const probe = await p.api("POST", `/v1/servers/${enc(SERVER)}/versions/1.0.0/probe`);
    expect(probe.status, probe.text).toBe(200);
    expect(JSON.stringify(probe.body)).toContain("***");
    expectNoSecret("probe", probe.body);
    expectNoSecret("tools", (await p.api("GET", `/v1/servers/${enc(SERVER)}/versions/1.0.0/tools`)).body);
  });

  it("a probe of a server that prints the secret on stderr and crashes with it answers 502 without it", async () => {
    const probe = await p.api("POST", `/v1/servers/${enc(SERVER)}/versions/2.0.0/probe`);
    expect(probe.status, probe.text).toBe(502);
    expect(probe.body.detail).toContain("LEAKY_TOKEN=***");
    expectNoSecret("crash probe", probe.body);
  });

  it("runs whose tools echo, refuse with and crash on the secret show a viewer none of it", async () => {
    await saveWorkflow(p, {
      name: "leaky-echo",
      steps: [{ id: "env", server: `${SERVER}@1.0.0`, tool: "env" }],
    });
    await saveWorkflow(p, {
      name: "leaky-refuse",
      steps: [{ id: "refuse", server: `${SERVER}@1.0.0`, tool: "refuse" }],
    });
    await saveWorkflow(p, {
      name: "leaky-crash",
      steps: [{ id: "crash", server: `${SERVER}@1.0.0`, tool: "crash", timeout_seconds: 10 }],
    });
    const echo = await waitForRun(p, await startRun(p, "leaky-echo"));
    expect(echo.status, JSON.stringify(echo)).toBe("SUCCEEDED");
    // The value reached the process (the whole value was replaced), and the record holds only the mask.
    expect(JSON.parse(stepOf(echo, "env").output.text)).toMatchObject({ LEAKY_TOKEN: "***" });
    const refuse = await waitForRun(p, await startRun(p, "leaky-refuse"));
    expect(refuse.status).toBe("FAILED");
    expect(JSON.stringify(refuse)).toContain("upstream refused token ***");
    const crash = await waitForRun(p, await startRun(p, "leaky-crash"));
    expect(crash.status).toBe("FAILED");
    for (const run of [echo, refuse, crash]) {
      const asViewer = await p.api("GET", `/v1/runs/${run.id}`, { role: "viewer" });
      expect(asViewer.status).toBe(200);
      expectNoSecret(`GET /v1/runs/${run.id}`, asViewer.body);
      const events = await p.api("GET", `/v1/runs/${run.id}/events`, { role: "viewer" });
      expect(events.status).toBe(200);
      expectNoSecret(`GET /v1/runs/${run.id}/events`, events.body);
    }
  });

  it("the platform log never held the secret", () => {
    expect(written.length).toBeGreaterThan(0);
    expectNoSecret("platform log", written.join(""));
  });

  it("the connection masks values resolved before connecting (redact) in results and errors alike", async () => {
    const connection = await connectServer(
      { transport: "stdio", command: process.execPath, args: [LEAKY], env: { LEAKY_TOKEN: SECRET } },
      { timeoutMs: 10_000, redact: [SECRET] },
    );
    try {
      expectNoSecret("serverInfo", connection.serverInfo);
      expectNoSecret("instructions", connection.instructions);
      expectNoSecret("tools", await connection.listTools());
      expectNoSecret("result", await connection.callTool("env", {}, { timeoutMs: 5000 }));
      const error = await connection.callTool("crash", {}, { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expectNoSecret("error", [(error as Error).message, (error as Error).stack, connection.stderrTail()]);
    } finally {
      await connection.close();
    }
  });
});
