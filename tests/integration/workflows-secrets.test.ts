// A server secret reaches the MCP server's process environment and nothing else: not the run record, the ASL, the
// workflow, the server version, the secrets listing, the audit log, the events or the platform's own logs.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  EVERYTHING_SCRIPT,
  publishServer,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const SERVER = "io.github.mcpflow-tests/secret-everything";
const SECRET = `s3cr3t-${crypto.randomUUID()}`;
const enc = encodeURIComponent;

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await p?.cleanup();
});

/**
 * Replaces every copy of the tool's own output (its text, and that text parsed as JSON, as `output.json` holds it):
 * get-env echoes the environment, so only the places other than those copies are checked.
 */
function withoutToolOutput(value: unknown, text: string): unknown {
  const escaped = JSON.stringify(text).slice(1, -1);
  const parsed = JSON.stringify(JSON.parse(text));
  if (typeof value === "string")
    return value.split(text).join("<tool output>").split(escaped).join("<tool output>");
  if (JSON.stringify(value) === parsed) return "<tool output as JSON>";
  if (Array.isArray(value)) return value.map((v) => withoutToolOutput(v, text));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutToolOutput(v, text)]));
  }
  return value;
}

describe("secrets", () => {
  it("reach the server's environment through the run, and appear in no API response, event or log", async () => {
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        written.push(String(chunk));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write);
    }

    const put = await p.api("PUT", `/v1/servers/${enc(SERVER)}/secrets/token`, { body: { value: SECRET } });
    expect(put.status, "a secret needs its server first").toBe(404);
    await publishServer(
      p,
      {
        name: SERVER,
        version: "1.0.0",
        description: "server-everything with a secret in its environment",
        runtime: {
          transport: "stdio",
          command: process.execPath,
          args: [EVERYTHING_SCRIPT, "stdio"],
          env: { SECRET_TOKEN: { secret: "token" }, PLAIN_SETTING: "visible" },
        },
      },
      { probe: false },
    );
    const unprobed = await p.api("POST", `/v1/servers/${enc(SERVER)}/versions/1.0.0/probe`);
    expect(unprobed.status, "probing needs the secret").toBe(422);
    expect(unprobed.body.errors).toEqual([
      { field: "secrets.token", rule: "is not granted to this version" },
    ]);

    const stored = await p.api("PUT", `/v1/servers/${enc(SERVER)}/secrets/token`, {
      body: { value: SECRET, versions: "1.0.0" },
    });
    expect(stored.status, stored.text).toBe(200);
    const editorPut = await p.api("PUT", `/v1/servers/${enc(SERVER)}/secrets/token`, {
      body: { value: "x" },
      role: "editor",
    });
    expect(editorPut.status).toBe(403);
    const probe = await p.api("POST", `/v1/servers/${enc(SERVER)}/versions/1.0.0/probe`);
    expect(probe.status, probe.text).toBe(200);

    await saveWorkflow(p, {
      name: "secret-env",
      steps: [{ id: "env", server: `${SERVER}@1.0.0`, tool: "get-env" }],
      output: { status: "{{ steps.env.status }}" },
    });
    const id = await startRun(p, "secret-env");
    const run = await waitForRun(p, id);
    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");

    // The tool printed its environment: the secret reached the process, resolved (the whole value is masked in what
    // the run keeps, issue 10 finding 2).
    const env = stepOf(run, "env");
    const toolText: string = env.output.text;
    expect(JSON.parse(toolText)).toMatchObject({ SECRET_TOKEN: "***", PLAIN_SETTING: "visible" });

    const responses: Record<string, unknown> = {
      run: withoutToolOutput(run, toolText),
      runs: (await p.api("GET", "/v1/runs?workflow=secret-env")).body,
      events: withoutToolOutput((await p.api("GET", `/v1/runs/${id}/events`)).body, toolText),
      asl: (await p.api("GET", "/v1/workflows/secret-env/versions/1/asl")).text,
      workflow: (await p.api("GET", "/v1/workflows/secret-env")).body,
      versions: (await p.api("GET", "/v1/workflows/secret-env/versions")).body,
      server: (await p.api("GET", `/v1/servers/${enc(SERVER)}`)).body,
      serverVersion: (await p.api("GET", `/v1/servers/${enc(SERVER)}/versions/1.0.0`)).body,
      serverJson: (await p.api("GET", `/v1/servers/${enc(SERVER)}/versions/1.0.0/server.json`)).text,
      tools: (await p.api("GET", `/v1/servers/${enc(SERVER)}/versions/1.0.0/tools`)).body,
      probe: probe.body,
      put: stored.body,
      secrets: (await p.api("GET", `/v1/servers/${enc(SERVER)}/secrets`)).body,
      audit: (await p.api("GET", "/v1/audit?limit=100")).body,
    };
    for (const [name, body] of Object.entries(responses)) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      expect(text.length, `${name} answered something`).toBeGreaterThan(2);
      expect(text.includes(SECRET), `${name} holds the secret`).toBe(false);
    }
    expect(run.steps[0].arguments ?? {}).toEqual({});
    expect(responses.run).toMatchObject({ output: { status: "SUCCEEDED" } });

    // The listing names the secret and when it changed, nothing else.
    const listed = (responses.secrets as { secrets: Record<string, unknown>[] }).secrets;
    expect(listed).toHaveLength(1);
    expect(listed[0]!.name ?? listed[0]!.key).toBe("token");
    for (const value of Object.values(listed[0]!)) expect(String(value)).not.toContain(SECRET);
    // The secret write is audited, without its value.
    expect(JSON.stringify(responses.audit)).toContain("secrets");

    expect(written.join("").includes(SECRET), "the platform logged the secret").toBe(false);
  });
});
