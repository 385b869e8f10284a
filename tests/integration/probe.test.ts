// Tool discovery through the API: a real server's tools are stored and listed; a server that cannot start or
// does not speak MCP gets a clear answer naming the cause, with its stderr, in bounded time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVERYTHING_SCRIPT } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

async function publish(name: string, runtime: Record<string, unknown>) {
  // An admin's publish approves the runtime in the same request (docs/decisions/0004-running-code.md).
  const response = await p.api("POST", "/v1/servers?approve=true", {
    body: { name, version: "1.0.0", description: `${name} for probe tests`, runtime },
  });
  expect(response.status, response.text).toBe(201);
  return `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0`;
}

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

describe("POST /v1/servers/{name}/versions/{version}/probe", () => {
  it("stores what a real server answers and GET .../tools lists it", async () => {
    const path = await publish("io.probe/everything", {
      transport: "stdio",
      command: process.execPath,
      args: [EVERYTHING_SCRIPT, "stdio"],
    });
    expect((await p.api("GET", `${path}/tools`)).status).toBe(404);
    const probe = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(probe.status, probe.text).toBe(200);
    expect(probe.body.serverInfo.name).toBeTruthy();
    const tools = await p.api("GET", `${path}/tools`, { role: "viewer" });
    const echo = tools.body.tools.find((tool: { name: string }) => tool.name === "echo");
    expect(echo.inputSchema.required).toEqual(["message"]);
    expect((await p.api("POST", `${path}/probe`, { role: "viewer" })).status).toBe(403);

    // Probed tools are searchable at once: a tool name finds its server.
    const found = await p.api("GET", "/v1/search?q=get-tiny-image&type=server", { role: "viewer" });
    expect(found.body.hits.map((hit: { id: string }) => hit.id)).toEqual(["io.probe/everything"]);
  });

  it("names a server that exits at once, with the last lines of its stderr", async () => {
    const path = await publish("io.probe/crash", {
      transport: "stdio",
      command: process.execPath,
      args: ["-e", "console.error('config file /etc/acme.toml is missing'); process.exit(3)"],
    });
    const probe = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(probe.status).toBe(502);
    expect(probe.headers.get("content-type")).toContain("application/problem+json");
    // The exit, not the probe's start timeout, ended it: the detail says so, with no clock read.
    expect(probe.body.detail).toMatch(/exited with code 3/);
    expect(probe.body.detail).toContain("config file /etc/acme.toml is missing");
  });

  it("names a server that does not speak MCP, and a command that does not exist", async () => {
    const junk = await publish("io.probe/junk", {
      transport: "stdio",
      command: process.execPath,
      args: ["-e", "setInterval(() => console.log('hello there'), 20)"],
    });
    const spoken = await p.api("POST", `${junk}/probe`, { role: "editor" });
    expect(spoken.status).toBe(502);
    expect(spoken.body.detail).toMatch(/does not speak MCP/);

    const missing = await publish("io.probe/missing", {
      transport: "stdio",
      command: "mcpflow-no-such-command",
    });
    const absent = await p.api("POST", `${missing}/probe`, { role: "editor" });
    expect(absent.status).toBe(502);
    expect(absent.body.detail).toMatch(/command not found: mcpflow-no-such-command/);
  });

  it("refuses with 422 when the secrets the runtime references are not granted to the version", async () => {
    const path = await publish("io.probe/needs-secret", {
      transport: "stdio",
      command: process.execPath,
      args: [EVERYTHING_SCRIPT, "stdio"],
      env: { API_TOKEN: { secret: "token" } },
    });
    const probe = await p.api("POST", `${path}/probe`, { role: "editor" });
    expect(probe.status).toBe(422);
    expect(probe.body.errors).toEqual([{ field: "secrets.token", rule: "is not granted to this version" }]);
  });
});
