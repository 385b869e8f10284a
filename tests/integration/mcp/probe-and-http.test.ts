// probeServer over stdio and Streamable HTTP against real npm servers, and HTTP endpoints that are not MCP.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectServer, HTTP_UNREACHABLE, isConnectionRefused } from "../../../shared/mcp/connect.js";
import { McpStartError } from "../../../shared/mcp/errors.js";
import { probeServer } from "../../../shared/mcp/probe.js";
import { ProbeResult } from "../../../shared/mcp/probe-result.js";
import { normaliseToolResult } from "../../../shared/mcp/result.js";
import { freePort } from "../../helpers/ports.js";
import { everythingStdio, memoryStdio, startEverythingHttp, startNotFoundServer } from "./npm-servers.js";

const START = { timeoutMs: 15_000, closeGraceMs: 300 };

describe("probeServer over stdio", () => {
  it("probes server-everything: tools with input schemas, resources and prompts", async () => {
    const result = await probeServer(everythingStdio(), START);
    expect(ProbeResult.safeParse(result).success).toBe(true);
    expect(result.serverInfo).toMatchObject({ name: "mcp-servers/everything", version: expect.any(String) });
    expect(result.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.instructions).toContain("Everything");
    expect(result.tools.length).toBeGreaterThan(5);
    for (const tool of result.tools) expect(tool.inputSchema).toMatchObject({ type: "object" });
    const echo = result.tools.find((t) => t.name === "echo");
    expect(echo).toMatchObject({ title: "Echo Tool", annotations: { readOnlyHint: true } });
    expect(result.tools.find((t) => t.name === "get-structured-content")?.outputSchema).toBeDefined();
    expect(result.resources.length).toBeGreaterThan(0);
    expect(result.resources[0]).toMatchObject({ uri: expect.any(String), name: expect.any(String) });
    expect(result.prompts.map((p) => p.name)).toContain("simple-prompt");
    expect(result.warnings).toBeUndefined();
    expect(Date.parse(result.probedAt)).not.toBeNaN();
  });

  it("probes server-memory: its tools and its knowledge-graph resource, no prompts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mcpflow-probe-"));
    try {
      const result = await probeServer(memoryStdio(join(dir, "memory.jsonl")), START);
      expect(result.serverInfo.name).toBe("memory-server");
      expect(result.tools.map((t) => t.name)).toContain("create_entities");
      for (const tool of result.tools) expect(tool.inputSchema).toMatchObject({ type: "object" });
      expect(result.resources.map((r) => r.uri)).toEqual(["memory://knowledge-graph"]);
      expect(result.prompts).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Streamable HTTP", () => {
  let server: Awaited<ReturnType<typeof startEverythingHttp>>;
  let url: string;

  beforeAll(async () => {
    server = await startEverythingHttp();
    url = server.url;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("probes server-everything over HTTP", async () => {
    const result = await probeServer({ transport: "streamable-http", url }, START);
    expect(result.serverInfo.name).toBe("mcp-servers/everything");
    expect(result.tools.map((t) => t.name)).toContain("echo");
  });

  it("calls a tool over HTTP", async () => {
    const connection = await connectServer({ transport: "streamable-http", url }, START);
    try {
      const output = normaliseToolResult(
        await connection.callTool("echo", { message: "over http" }, { timeoutMs: 5000 }),
      );
      expect(output.text).toBe("Echo: over http");
    } finally {
      await connection.close();
    }
  });

  it("gives a URL that answers 404 HTML the one unreachable reason, after sending the resolved headers", async () => {
    const notFound = await startNotFoundServer();
    try {
      const error = await connectServer(
        {
          transport: "streamable-http",
          url: notFound.url,
          headers: { "x-api-key": { secret: "key" }, "x-team": "a" },
        },
        { ...START, secrets: { key: "k-123" } },
      ).catch((e) => e);
      expect(error).toBeInstanceOf(McpStartError);
      // No status and no body: telling them apart would make the probe a scanner (issue 10, finding 3).
      expect((error as McpStartError).reason).toBe(HTTP_UNREACHABLE);
      expect(notFound.headers[0]).toMatchObject({ "x-api-key": "k-123", "x-team": "a" });
    } finally {
      await notFound.close();
    }
  });

  it("gives a port where nothing listens the same reason, and keeps the refusal in the cause", async () => {
    const port = await freePort();
    const error = await connectServer(
      { transport: "streamable-http", url: `http://127.0.0.1:${port}/mcp` },
      START,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(McpStartError);
    expect((error as McpStartError).reason).toBe(HTTP_UNREACHABLE);
    expect(isConnectionRefused(error)).toBe(true);
  });
});
