// Every way a server can fail to start ends in one McpStartError, with a reason and the stderr tail, in bounded time.
import { describe, expect, it } from "vitest";
import { connectServer } from "../../../shared/mcp/connect.js";
import { MCP_SERVER_ERROR, McpStartError } from "../../../shared/mcp/errors.js";
import { isAlive } from "../../../shared/mcp/process-tree.js";
import type { Runtime } from "../../../shared/registry/schema.js";
import { nodeEval } from "./npm-servers.js";

async function startFailure(
  runtime: Runtime,
  timeoutMs: number,
  extra: { secrets?: Record<string, string> } = {},
) {
  const started = Date.now();
  const error = await connectServer(runtime, { timeoutMs, closeGraceMs: 200, ...extra }).then(
    async (connection) => {
      await connection.close();
      throw new Error("expected the start to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpStartError);
  return { error: error as McpStartError, elapsedMs: Date.now() - started };
}

describe("connectServer start failures", () => {
  it("names a command that does not exist", async () => {
    const { error } = await startFailure(
      { transport: "stdio", command: "mcpflow-no-such-command", args: ["--x"] },
      30_000,
    );
    // Not the start timeout: that would be "did not answer initialize within 30s". The reason, not the test's clock,
    // says the failure came at once (load decides how soon).
    expect(error.reason).toBe("command not found: mcpflow-no-such-command");
    expect(error.errorName).toBe(MCP_SERVER_ERROR);
  });

  it("reports the exit code and the stderr tail of a process that exits at once", async () => {
    const { error } = await startFailure(
      nodeEval(
        "console.error('starting'); console.error('fatal: MISSING_API_KEY is not set'); process.exit(1)",
      ),
      30_000,
    );
    expect(error.reason).toBe("exited with code 1 before answering initialize");
    expect(error.stderrTail).toEqual(["starting", "fatal: MISSING_API_KEY is not set"]);
    expect(error.message).toContain("fatal: MISSING_API_KEY is not set");
  });

  it("rejects a process that prints non-MCP output to stdout, before the timeout", async () => {
    const { error } = await startFailure(nodeEval("setInterval(() => console.log('hello'), 100)"), 30_000);
    expect(error.reason).toMatch(
      /^does not speak MCP: it wrote non-JSON-RPC output to stdout \(20 lines, first: .*hello/,
    );
  });

  it("gives up on a process that never answers initialize within the timeout", async () => {
    const { error, elapsedMs } = await startFailure(nodeEval("setInterval(() => {}, 1000)"), 1500);
    expect(error.reason).toBe("did not answer initialize within 1.5s");
    // Never before the timeout; how long after it load decides (the reason says the timer ended the start).
    expect(elapsedMs).toBeGreaterThanOrEqual(1400);
  });

  // The start fails on the process's own output, once it has named its pid and ignored SIGTERM: with a 1 s start
  // timeout instead, a process that load kept from printing its pid within the second left the test no pid to check.
  it("kills a process that ignores SIGTERM when its start fails", async () => {
    const { error } = await startFailure(
      nodeEval(
        "console.error('pid=' + process.pid); process.on('SIGTERM', () => {}); setInterval(() => console.log('hello'), 100)",
      ),
      30_000,
    );
    expect(error.reason).toMatch(/^does not speak MCP/);
    const pid = Number(error.stderrTail.find((l) => l.startsWith("pid="))?.slice(4));
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it("masks secret values in the stderr tail and the message", async () => {
    const { error } = await startFailure(
      {
        ...nodeEval("console.error('token is ' + process.env.API_TOKEN); process.exit(2)"),
        env: { API_TOKEN: { secret: "api-token" } },
      },
      10_000,
      { secrets: { "api-token": "tok-very-secret" } },
    );
    expect(error.stderrTail).toEqual(["token is ***"]);
    expect(error.message).not.toContain("tok-very-secret");
  });

  it("refuses to start when a referenced secret was not provided", async () => {
    const { error } = await startFailure(
      { ...nodeEval("process.exit(0)"), env: { API_TOKEN: { secret: "api-token" } } },
      5000,
    );
    expect(error.reason).toBe('env API_TOKEN refers to secret "api-token", which was not provided');
  });
});
