// POST /v1/servers/{name}/versions/{version}/tools/{tool}/call: one tool called on a real server as a run of one step,
// recorded, listed and audited as any run, under the approval and secret rules; destructive tools need `confirm`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVERYTHING_SCRIPT, FLAKY_NAME, publishFlakyServer, publishServer } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const enc = encodeURIComponent;
const EVERYTHING = "io.call/everything";
const everything = `/v1/servers/${enc(EVERYTHING)}/versions/1.0.0`;
const flaky = `/v1/servers/${enc(FLAKY_NAME)}/versions/1.0.0`;

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
  await publishServer(p, {
    name: EVERYTHING,
    version: "1.0.0",
    description: "server-everything for tool-call tests",
    runtime: { transport: "stdio", command: process.execPath, args: [EVERYTHING_SCRIPT, "stdio"] },
  });
  await publishFlakyServer(p);
});
afterAll(async () => {
  await p?.cleanup();
});

describe("calling one tool", () => {
  it("answers the ended one-step run, listed under tools.call and audited", async () => {
    const called = await p.api("POST", `${everything}/tools/echo/call`, {
      role: "operator",
      body: { arguments: { message: "hello from try" } },
    });
    expect(called.status, called.text).toBe(200);
    expect(called.body).toMatchObject({
      workflow: "tools.call",
      status: "SUCCEEDED",
      input: {
        server: { name: EVERYTHING, version: "1.0.0" },
        tool: "echo",
        arguments: { message: "hello from try" },
      },
    });
    expect(called.body.output.text).toContain("hello from try");
    expect(called.body.steps).toHaveLength(1);
    expect(called.body.steps[0]).toMatchObject({
      stepId: "call",
      tool: "echo",
      status: "SUCCEEDED",
      attempts: 1,
    });

    const listed = await p.api("GET", "/v1/runs?workflow=tools.call", { role: "viewer" });
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toContain(called.body.id);
    const run = await p.api("GET", `/v1/runs/${called.body.id}`, { role: "viewer" });
    expect(run.body.status).toBe("SUCCEEDED");
    const audit = await p.api("GET", "/v1/audit");
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain("servers.tools.call");
  });

  it("a tool that may be destructive needs confirm: true; a tool error ends the run FAILED", async () => {
    const refused = await p.api("POST", `${flaky}/tools/flaky/call`, {
      role: "operator",
      body: { arguments: { key: "a", failures: 0 } },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([
      { field: "body.confirm", rule: "must be true to call a tool that may be destructive" },
    ]);
    const failed = await p.api("POST", `${flaky}/tools/flaky/call`, {
      role: "operator",
      body: { arguments: { key: "a", failures: 1 }, confirm: true },
    });
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body.status).toBe("FAILED");
    expect(failed.body.error.cause).toContain("failure 1 of 1 for a");
    const ok = await p.api("POST", `${flaky}/tools/flaky/call`, {
      role: "operator",
      body: { arguments: { key: "b", failures: 0 }, confirm: true },
    });
    expect(ok.body.status).toBe("SUCCEEDED");
  });

  it("refuses arguments the inputSchema rejects, an unknown tool, a viewer, and an unapproved version", async () => {
    const bad = await p.api("POST", `${everything}/tools/echo/call`, {
      role: "operator",
      body: { arguments: { message: 42 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe("arguments.message");
    const unknown = await p.api("POST", `${everything}/tools/nope/call`, { role: "operator", body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0]).toMatchObject({ field: "tool" });
    const viewer = await p.api("POST", `${everything}/tools/echo/call`, {
      role: "viewer",
      body: { arguments: { message: "x" } },
    });
    expect(viewer.status).toBe(403);

    // An editor's version has no approval: probing it is refused, and so is calling it (probed or not).
    const published = await p.api("POST", "/v1/servers", {
      role: "editor",
      body: {
        name: EVERYTHING,
        version: "1.0.1",
        description: "not approved",
        runtime: { transport: "stdio", command: process.execPath, args: [EVERYTHING_SCRIPT, "stdio"] },
      },
    });
    expect(published.status, published.text).toBe(201);
    const unapproved = await p.api("POST", `/v1/servers/${enc(EVERYTHING)}/versions/1.0.1/tools/echo/call`, {
      role: "operator",
      body: { arguments: { message: "x" } },
    });
    expect(unapproved.status).toBe(409);
    expect(unapproved.body.runtimeDigest).toMatch(/^sha256:/);
    const before = await p.api("GET", "/v1/runs?workflow=tools.call", { role: "viewer" });
    expect(
      before.body.runs.every(
        (r: { input: { server: { version: string } } }) => r.input.server.version === "1.0.0",
      ),
    ).toBe(true);
  });
});
