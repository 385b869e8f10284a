// The official MCP registry's own valid server.json examples (tests/fixtures/registry/official, verbatim) are
// accepted, get a runtime mcpflow can use, and survive export then import unchanged.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/registry/official");
let p: TestPlatform;

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(FIXTURES, name), "utf8"));
}

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

describe("the official registry's valid examples", () => {
  it("publishes the npm package example and derives `npx -y <package>@<version>` with the secret as a reference", async () => {
    const published = await p.api("POST", "/v1/servers", { body: await fixture("with-package.json") });
    expect(published.status, published.text).toBe(201);
    expect(published.body.runtimeSource).toBe("derived");
    expect(published.body.runtime).toEqual({
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-weather@1.0.0", "--port", "8080"],
      env: { API_KEY: { secret: "API_KEY" } },
    });
  });

  it("publishes the remote example, filling the URL template from its variables' defaults", async () => {
    const published = await p.api("POST", "/v1/servers", { body: await fixture("with-remote.json") });
    expect(published.status, published.text).toBe(201);
    expect(published.body.runtime).toEqual({
      transport: "streamable-http",
      url: "https://api.example.com/mcp",
      headers: { Authorization: { secret: "Authorization" } },
    });
  });

  it("exports both exactly as they were published, and importing the export answers `exists`", async () => {
    for (const [file, name, version] of [
      ["with-package.json", "io.github.user/local-weather", "1.0.0"],
      ["with-remote.json", "io.github.user/remote-weather", "2.1.0"],
    ] as const) {
      const exported = await p.api(
        "GET",
        `/v1/servers/${encodeURIComponent(name)}/versions/${version}/server.json`,
      );
      expect(exported.body).toEqual(await fixture(file));
      const imported = await p.api("POST", "/v1/servers/import", { body: exported.body });
      expect(imported.body.results).toEqual([{ index: 0, name, version, outcome: "exists" }]);
    }
  });

  it("refuses on import what publish refuses: a size Fargate cannot run is invalid, and nothing is stored", async () => {
    const runtime = { transport: "stdio", command: "node", cpu: 256, memory: 16384 };
    const doc = {
      ...(await fixture("with-package.json")),
      name: "io.github.user/too-big",
      _meta: { "dev.mcpflow/registry": { runtime } },
    };
    const imported = await p.api("POST", "/v1/servers/import", { body: doc });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.results[0]).toMatchObject({ outcome: "invalid", name: "io.github.user/too-big" });
    const published = await p.api("POST", "/v1/servers", { body: { ...doc, _meta: undefined, runtime } });
    expect(published.status).toBe(422);
    expect((await p.api("GET", "/v1/servers/io.github.user%2Ftoo-big")).status).toBe(404);
  });
});
