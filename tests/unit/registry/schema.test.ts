// The registry's zod schemas: the official name and version rules, mcpflow's runtime rules, strictness.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  OfficialServerJson,
  Runtime,
  ServerDocument,
  ServerName,
  ServerVersionString,
} from "../../../shared/registry/schema.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/registry/${name}`, import.meta.url), "utf8"));

const base = { name: "io.github.acme/weather", description: "Weather forecasts", version: "1.0.0" };

describe("ServerName", () => {
  it.each([
    "io.github.acme/weather",
    "com.example/a_b-c.d",
    "a-b.c/xy",
    "IO.Github.Acme/Weather",
    "ab/c.d_e-f",
  ])("accepts %s", (name) => {
    expect(ServerName.safeParse(name).success).toBe(true);
  });

  it.each([
    ["no slash", "weather"],
    ["two slashes", "io.github/acme/weather"],
    ["a space", "io.github.acme/my weather"],
    ["an underscore in the namespace", "io_github/weather"],
    ["an empty name part", "io.github.acme/"],
    ["an empty namespace", "/weather"],
    ["too long", `io.github.acme/${"x".repeat(200)}`],
    ["too short", "a/"],
    ["only dots", "../.."],
    ["dots around the slash", "./."],
    ["a namespace starting with a hyphen", "-a/bc"],
    ["a namespace ending with a dot", "ab./cd"],
    ["a name starting with a dot", "io.github.acme/.hidden"],
    ["a name ending with a dot", "io.github.acme/weather."],
    ["a one-character name (the official rule needs two)", "io.github.acme/a"],
  ])("refuses a name with %s", (_case, name) => {
    expect(ServerName.safeParse(name).success).toBe(false);
  });
});

describe("ServerVersionString", () => {
  it.each(["1.0.0", "1.10.0", "2.0.0-beta.1", "1.0.0+build.5", "2025.01.02", "v1", "1.0"])(
    "accepts %s",
    (v) => {
      expect(ServerVersionString.safeParse(v).success).toBe(true);
    },
  );

  it.each([
    "^1.0.0",
    "~1.2",
    ">=1",
    "1.x",
    "1.2.X",
    "1.*",
    "*",
    "latest",
    "LATEST",
    "1.0 || 2.0",
    "1.0.0 - 2.0.0",
    "",
    "a/b",
  ])("refuses %j (a range, `latest` or not a version)", (v) => {
    expect(ServerVersionString.safeParse(v).success).toBe(false);
  });
});

describe("ServerDocument", () => {
  it("accepts the official filesystem server.json from the registry docs", () => {
    expect(OfficialServerJson.safeParse(fixture("filesystem.server.json")).success).toBe(true);
    expect(ServerDocument.safeParse(fixture("remote-only.server.json")).success).toBe(true);
    expect(ServerDocument.safeParse(fixture("oci.server.json")).success).toBe(true);
  });

  it("refuses a description over 100 characters and names the field", () => {
    const result = ServerDocument.safeParse({ ...base, description: "d".repeat(101) });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["description"]);
  });

  it("refuses unknown fields at the top level and inside packages", () => {
    expect(ServerDocument.safeParse({ ...base, colour: "blue" }).success).toBe(false);
    const nested = ServerDocument.safeParse({
      ...base,
      packages: [{ registryType: "npm", identifier: "x", transport: { type: "stdio" }, colour: "blue" }],
    });
    expect(nested.success).toBe(false);
    expect(nested.error?.issues[0]?.path).toEqual(["packages", 0]);
  });

  it("keeps mcpflow fields out of the official format", () => {
    expect(ServerDocument.safeParse({ ...base, tags: ["weather"], category: "data" }).success).toBe(true);
    expect(OfficialServerJson.safeParse({ ...base, tags: ["weather"] }).success).toBe(false);
  });

  it("refuses tags that are not lowercase slugs", () => {
    expect(ServerDocument.safeParse({ ...base, tags: ["Weather"] }).success).toBe(false);
    expect(ServerDocument.safeParse({ ...base, tags: ["has space"] }).success).toBe(false);
  });
});

describe("Runtime", () => {
  it("accepts a stdio command, a stdio image, a remote URL and an image with a port", () => {
    for (const runtime of [
      { transport: "stdio", command: "npx", args: ["-y", "pkg@1.0.0"], env: { TOKEN: { secret: "TOKEN" } } },
      { transport: "stdio", image: "example/mcp:1" },
      { transport: "streamable-http", url: "https://mcp.example.com/mcp" },
      { transport: "streamable-http", image: "example/mcp:1", port: 8080 },
    ]) {
      expect(Runtime.safeParse(runtime).success, JSON.stringify(runtime)).toBe(true);
    }
  });

  it.each([
    ["stdio without command or image", { transport: "stdio" }, "command"],
    ["streamable-http without url or image+port", { transport: "streamable-http", image: "x" }, "url"],
    ["a non-http url", { transport: "streamable-http", url: "ftp://x.example/mcp" }, "url"],
    ["a bad env name", { transport: "stdio", command: "x", env: { "1BAD": "v" } }, "env"],
    ["a port out of range", { transport: "streamable-http", image: "x", port: 70000 }, "port"],
    [
      "a secret ref with a bad key",
      { transport: "stdio", command: "x", env: { A: { secret: "a b" } } },
      "env",
    ],
    ["an unknown field", { transport: "stdio", command: "x", shell: true }, ""],
  ])("refuses %s", (_case, runtime, field) => {
    const result = Runtime.safeParse(runtime);
    expect(result.success).toBe(false);
    expect(String(result.error?.issues[0]?.path[0] ?? "")).toBe(field);
  });
});
