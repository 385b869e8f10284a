// How mcpflow runs a server whose document declares no runtime: npx/uvx for packages, the image for OCI, the URL
// for remotes; secrets become references, never values.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deriveRuntime } from "../../../shared/registry/runtime.js";
import { ServerDocument } from "../../../shared/registry/schema.js";

const fixture = (name: string): ServerDocument =>
  ServerDocument.parse(
    JSON.parse(readFileSync(new URL(`../../fixtures/registry/${name}`, import.meta.url), "utf8")),
  );

const base = { name: "io.github.acme/weather", description: "Weather", version: "1.0.0" };

describe("deriveRuntime", () => {
  it("runs an npm package with npx -y id@version, its arguments and env (secrets as references)", () => {
    expect(deriveRuntime(fixture("filesystem.server.json"))).toEqual({
      source: "derived",
      runtime: {
        transport: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem@1.0.2", "/Users/username/Desktop"],
        env: { LOG_LEVEL: "info", FS_AUDIT_TOKEN: { secret: "FS_AUDIT_TOKEN" } },
      },
    });
  });

  it("calls a remote-only server at its URL with secret headers as references", () => {
    expect(deriveRuntime(fixture("remote-only.server.json"))).toEqual({
      source: "derived",
      runtime: {
        transport: "streamable-http",
        url: "https://mcp.example.com/weather/mcp",
        headers: { Authorization: { secret: "Authorization" }, "X-Units": "metric" },
      },
    });
  });

  it("runs an OCI image tagged with the package version and passes named arguments", () => {
    expect(deriveRuntime(fixture("oci.server.json"))).toEqual({
      source: "derived",
      runtime: {
        transport: "stdio",
        image: "docker.io/example/mcp-docker-tools:0.3.1",
        args: ["--mode", "readonly"],
      },
    });
  });

  it("keeps an OCI image's own tag and derives the port of a streamable-http image", () => {
    const doc = ServerDocument.parse({
      ...base,
      packages: [
        {
          registryType: "oci",
          identifier: "ghcr.io/acme/weather:2.0",
          version: "1.0.0",
          transport: { type: "streamable-http", url: "http://localhost:9000/mcp" },
        },
      ],
    });
    expect(deriveRuntime(doc).runtime).toEqual({
      transport: "streamable-http",
      image: "ghcr.io/acme/weather:2.0",
      port: 9000,
      url: "http://localhost:9000/mcp",
    });
  });

  it("runs a PyPI package with uvx id==version", () => {
    const doc = ServerDocument.parse({
      ...base,
      packages: [
        { registryType: "pypi", identifier: "weather-mcp", version: "1.0.0", transport: { type: "stdio" } },
      ],
    });
    expect(deriveRuntime(doc).runtime).toEqual({
      transport: "stdio",
      command: "uvx",
      args: ["weather-mcp==1.0.0"],
    });
  });

  it("skips packages it cannot start and falls back to a streamable-http remote", () => {
    const doc = ServerDocument.parse({
      ...base,
      packages: [
        { registryType: "nuget", identifier: "Weather", version: "1.0.0", transport: { type: "stdio" } },
      ],
      remotes: [
        { type: "sse", url: "https://sse.example.com/sse" },
        { type: "streamable-http", url: "https://mcp.example.com/mcp" },
      ],
    });
    expect(deriveRuntime(doc)).toEqual({
      source: "derived",
      runtime: { transport: "streamable-http", url: "https://mcp.example.com/mcp" },
    });
  });

  it("prefers a declared runtime and reports none when nothing can run", () => {
    const declared = { transport: "stdio" as const, command: "node", args: ["server.js"] };
    expect(deriveRuntime(ServerDocument.parse({ ...base, runtime: declared }))).toEqual({
      source: "declared",
      runtime: declared,
    });
    expect(deriveRuntime(ServerDocument.parse(base))).toEqual({ source: "none" });
  });
});
