// connectServer against real npm MCP servers over stdio: tool calls, env isolation, closing the process tree.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectServer, MAX_MESSAGE_BYTES, type McpConnection } from "../../../shared/mcp/connect.js";
import {
  MCP_SERVER_ERROR,
  MCP_TIMEOUT,
  MCP_TOOL_ERROR,
  McpServerError,
  McpTimeoutError,
  McpToolError,
} from "../../../shared/mcp/errors.js";
import { isAlive } from "../../../shared/mcp/process-tree.js";
import { MAX_OUTPUT_DEPTH, normaliseToolResult } from "../../../shared/mcp/result.js";
import { everythingStdio, fixtureStdio, memoryStdio } from "./npm-servers.js";

const START = { timeoutMs: 15_000, closeGraceMs: 300 };

describe("server-everything over stdio", () => {
  let everything: McpConnection;

  beforeAll(async () => {
    everything = await connectServer(everythingStdio(), START);
  });
  afterAll(async () => {
    await everything?.close();
  });

  it("reports serverInfo, protocol version and capabilities from initialize", () => {
    expect(everything.serverInfo.name).toBe("mcp-servers/everything");
    expect(everything.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(everything.capabilities.tools).toBeDefined();
    expect(everything.pid).toBeGreaterThan(0);
  });

  it("normalises a text result: text joined, json null when the text is not JSON", async () => {
    const result = await everything.callTool("echo", { message: "hello mcpflow" }, { timeoutMs: 10_000 });
    expect(normaliseToolResult(result)).toEqual({
      text: "Echo: hello mcpflow",
      json: null,
      content: [{ type: "text", text: "Echo: hello mcpflow" }],
    });
  });

  it("normalises structured content into json", async () => {
    const result = await everything.callTool(
      "get-structured-content",
      { location: "Chicago" },
      { timeoutMs: 10_000 },
    );
    const output = normaliseToolResult(result);
    expect(output.json).toEqual({ temperature: 36, conditions: "Light rain / drizzle", humidity: 82 });
    expect(JSON.parse(output.text)).toEqual(output.json);
  });

  it("turns invalid arguments (isError result) into McpToolError named Mcp.ToolError", async () => {
    const result = await everything.callTool("echo", { message: 42 }, { timeoutMs: 10_000 });
    expect(result.isError).toBe(true);
    let thrown: unknown;
    try {
      normaliseToolResult(result, "echo");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(McpToolError);
    expect((thrown as McpToolError).errorName).toBe(MCP_TOOL_ERROR);
    expect((thrown as McpToolError).message).toMatch(/tool "echo" failed: .*Input validation error/);
  });

  it("turns an unknown tool into McpToolError", async () => {
    const result = await everything.callTool("no-such-tool", {}, { timeoutMs: 10_000 });
    expect(() => normaliseToolResult(result, "no-such-tool")).toThrow(/Tool no-such-tool not found/);
  });

  // The operation takes 5 s: a rejection with McpTimeoutError is the 400 ms timeout's, however late load makes it.
  it("times out a slow tool call with McpTimeoutError named Mcp.Timeout", async () => {
    const call = everything.callTool(
      "trigger-long-running-operation",
      { duration: 5, steps: 5 },
      { timeoutMs: 400 },
    );
    await expect(call).rejects.toBeInstanceOf(McpTimeoutError);
    await expect(call).rejects.toMatchObject({ errorName: MCP_TIMEOUT });
    // The connection stays usable after a timed-out call.
    const after = await everything.callTool("get-sum", { a: 2, b: 3 }, { timeoutMs: 10_000 });
    expect(normaliseToolResult(after).text).toBe("The sum of 2 and 3 is 5.");
  });

  it("passes the declared env and secrets but not the platform's own environment", async () => {
    process.env.MCPFLOW_PLATFORM_ONLY = "platform-secret-value";
    process.env.AWS_SECRET_ACCESS_KEY = "aws-secret-value";
    const connection = await connectServer(
      { ...everythingStdio(), env: { LITERAL: "plain", API_TOKEN: { secret: "api-token" } } },
      { ...START, secrets: { "api-token": "tok-123456" }, env: { EXTRA: "from-caller" } },
    );
    try {
      const output = normaliseToolResult(await connection.callTool("get-env", {}, { timeoutMs: 10_000 }));
      const env = output.json as Record<string, string>;
      // Secrets and caller-resolved values reach the process whole; what comes back has them masked (issue 10).
      expect(env).toMatchObject({ LITERAL: "plain", API_TOKEN: "***", EXTRA: "***" });
      expect(env.PATH).toBeDefined();
      expect(env.MCPFLOW_PLATFORM_ONLY).toBeUndefined();
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    } finally {
      delete process.env.MCPFLOW_PLATFORM_ONLY;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await connection.close();
    }
  });
});

describe("server-memory over stdio", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mcpflow-memory-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates and reads back an entity, the result parsed as json", async () => {
    const connection = await connectServer(memoryStdio(join(dir, "memory.jsonl")), START);
    try {
      await connection.callTool(
        "create_entities",
        { entities: [{ name: "mcpflow", entityType: "project", observations: ["runs MCP tools"] }] },
        { timeoutMs: 10_000 },
      );
      const output = normaliseToolResult(await connection.callTool("read_graph", {}, { timeoutMs: 10_000 }));
      expect(output.json).toMatchObject({ entities: [{ name: "mcpflow", entityType: "project" }] });
    } finally {
      await connection.close();
    }
  });
});

describe("fixture server over stdio", () => {
  it("follows tools/list pagination cursors to the last page", async () => {
    const connection = await connectServer(fixtureStdio(), START);
    try {
      const tools = await connection.listTools();
      expect(tools.map((t) => t.name)).toEqual([
        "alpha",
        "beta",
        "gamma",
        "crash",
        "hang",
        "spawn-grandchild",
        "big",
        "deep",
      ]);
    } finally {
      await connection.close();
    }
  });

  it("turns a server that dies mid-call into McpServerError with its exit code and stderr", async () => {
    const connection = await connectServer(fixtureStdio(), START);
    try {
      const call = connection.callTool("crash", {}, { timeoutMs: 10_000 });
      await expect(call).rejects.toBeInstanceOf(McpServerError);
      await expect(call).rejects.toMatchObject({ errorName: MCP_SERVER_ERROR });
      await expect(call).rejects.toThrow(/exited with code 3/);
      const error = (await call.catch((e: unknown) => e)) as McpServerError;
      expect(error.stderrTail.join("\n")).toContain("crashing on purpose");
      expect(connection.closed).toBe(true);
      await expect(connection.callTool("alpha", {}, { timeoutMs: 1000 })).rejects.toThrow(/not connected/);
    } finally {
      await connection.close();
    }
  });

  it("close() kills the whole process tree, including a grandchild that ignores SIGTERM", async () => {
    const connection = await connectServer(fixtureStdio(), START);
    const root = connection.pid!;
    const grandchild = Number(
      normaliseToolResult(await connection.callTool("spawn-grandchild", {}, { timeoutMs: 10_000 })).text,
    );
    expect(isAlive(grandchild)).toBe(true);
    await connection.close();
    expect(isAlive(root)).toBe(false);
    // close() has sent the grandchild SIGKILL; when the kernel has it dying is the scheduler's to say, under load not
    // within a fixed 2 s. The poll ends as soon as it is.
    await expect.poll(() => isAlive(grandchild), { timeout: 30_000 }).toBe(false);
  });

  it("close() kills a process the server starts as it exits, orphaned before the tree could be seen whole", async () => {
    // The grace bounds only a server that does not exit; this one exits as soon as stdin ends (or at SIGTERM).
    const connection = await connectServer(fixtureStdio(), { ...START, closeGraceMs: 2_000 });
    const dir = await mkdtemp(join(tmpdir(), "mcpflow-tree-"));
    const pidFile = join(dir, "pid");
    expect(
      normaliseToolResult(await connection.callTool("spawn-grandchild", { pidFile }, { timeoutMs: 10_000 }))
        .text,
    ).toBe("armed");
    await connection.close();
    // The server wrote the pid before it exited, and close() returns only once it has exited.
    const orphan = Number(readFileSync(pidFile, "utf8"));
    try {
      // Sent SIGKILL by close(): when the kernel has it dying is the scheduler's to say, so the poll ends when it is.
      await expect.poll(() => isAlive(orphan), { timeout: 30_000 }).toBe(false);
    } finally {
      if (isAlive(orphan)) process.kill(orphan, "SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The call's own timeout is 10 minutes, beyond the test's: the call ends only because close() ended the server.
  it("close() ends a server whose tool call hangs", async () => {
    const connection = await connectServer(fixtureStdio(), START);
    const call = connection.callTool("hang", {}, { timeoutMs: 600_000 });
    // Expected before the close: the call fails while close() sweeps the tree, and a rejection nobody handles yet
    // when the event loop turns is an unhandled one.
    const failed = expect(call).rejects.toBeInstanceOf(McpServerError);
    await connection.close();
    await failed;
  });

  it("a 50 MB result fails as a tool error naming the message size limit, not as a server that exited", async () => {
    const connection = await connectServer(fixtureStdio(), START);
    try {
      const call = connection.callTool("big", { megabytes: 50 }, { timeoutMs: 30_000 });
      await expect(call).rejects.toBeInstanceOf(McpToolError);
      await expect(call).rejects.toThrow(
        `tool "big" failed: its result is larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB, the most one MCP message may carry`,
      );
      await expect(call).rejects.not.toThrow(/exited with code/);
    } finally {
      await connection.close();
    }
  });

  it("a 5,000-deep JSON result fails with the depth limit, not a stack overflow", async () => {
    const connection = await connectServer(fixtureStdio(), START);
    try {
      const result = await connection.callTool("deep", { depth: 5000 }, { timeoutMs: 10_000 });
      expect(() => normaliseToolResult(result, "deep")).toThrow(
        `tool "deep" failed: its result's JSON is nested more than ${MAX_OUTPUT_DEPTH} levels deep`,
      );
    } finally {
      await connection.close();
    }
  });
});
