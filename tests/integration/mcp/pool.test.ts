// McpConnectionPool with server-everything: one process per key however many concurrent callers, reconnects after
// a death, and per-run pools that never share a process.
import { afterEach, describe, expect, it } from "vitest";
import { connectServer } from "../../../shared/mcp/connect.js";
import { McpStartError } from "../../../shared/mcp/errors.js";
import { type ConnectFn, McpConnectionPool, RunConnectionPools } from "../../../shared/mcp/pool.js";
import { isAlive } from "../../../shared/mcp/process-tree.js";
import { normaliseToolResult } from "../../../shared/mcp/result.js";
import { everythingStdio, nodeEval } from "./npm-servers.js";

function countingConnect(): { connect: ConnectFn; starts: () => number } {
  let starts = 0;
  return {
    connect: (runtime, options) => {
      starts++;
      return connectServer(runtime, options);
    },
    starts: () => starts,
  };
}

const pools: Array<{ closeAll(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.closeAll()));
});

describe("McpConnectionPool", () => {
  it("spawns one process for ten concurrent gets of the same key", async () => {
    const counter = countingConnect();
    const pool = new McpConnectionPool({ timeoutMs: 15_000, closeGraceMs: 300, connect: counter.connect });
    pools.push(pool);
    const connections = await Promise.all(
      Array.from({ length: 10 }, () => pool.get("everything@2.0.0", everythingStdio())),
    );
    expect(counter.starts()).toBe(1);
    expect(new Set(connections).size).toBe(1);
    expect(new Set(connections.map((c) => c.pid)).size).toBe(1);
    const outputs = await Promise.all(
      connections.map((c, i) => c.callTool("echo", { message: `call ${i}` }, { timeoutMs: 10_000 })),
    );
    expect(outputs.map((o) => normaliseToolResult(o).text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Echo: call ${i}`),
    );
  });

  it("reconnects on the next get after the server process died", async () => {
    const counter = countingConnect();
    const pool = new McpConnectionPool({ timeoutMs: 15_000, closeGraceMs: 300, connect: counter.connect });
    pools.push(pool);
    const first = await pool.get("everything", everythingStdio());
    process.kill(first.pid!, "SIGKILL");
    // Polled until the exit is seen; the bound only ends a wait for one that never comes (load delays the event).
    await expect.poll(() => first.closed, { timeout: 30_000 }).toBe(true);
    const second = await pool.get("everything", everythingStdio());
    expect(second).not.toBe(first);
    expect(second.pid).not.toBe(first.pid);
    expect(counter.starts()).toBe(2);
    expect(
      normaliseToolResult(await second.callTool("echo", { message: "again" }, { timeoutMs: 10_000 })).text,
    ).toBe("Echo: again");
  });

  it("does not keep a failed connect: the next get tries again", async () => {
    const counter = countingConnect();
    const pool = new McpConnectionPool({ timeoutMs: 5000, closeGraceMs: 200, connect: counter.connect });
    pools.push(pool);
    const broken = nodeEval("process.exit(1)");
    await expect(pool.get("broken", broken)).rejects.toBeInstanceOf(McpStartError);
    await expect(pool.get("broken", broken)).rejects.toBeInstanceOf(McpStartError);
    expect(counter.starts()).toBe(2);
    expect(pool.size).toBe(0);
  });

  it("shares a connect under way with its failure: concurrent gets of a broken server start it once", async () => {
    const counter = countingConnect();
    const pool = new McpConnectionPool({ timeoutMs: 5000, closeGraceMs: 200, connect: counter.connect });
    pools.push(pool);
    const broken = nodeEval("process.exit(1)");
    const gets = [pool.get("broken", broken), pool.get("broken", broken), pool.get("broken", broken)];
    for (const get of gets) await expect(get).rejects.toBeInstanceOf(McpStartError);
    expect(counter.starts()).toBe(1);
    expect(pool.size).toBe(0);
  });

  it("closeAll() ends every server process", async () => {
    const pool = new McpConnectionPool({ timeoutMs: 15_000, closeGraceMs: 300 });
    const a = await pool.get("a", everythingStdio());
    const b = await pool.get("b", everythingStdio());
    expect(a.pid).not.toBe(b.pid);
    await pool.closeAll();
    expect(isAlive(a.pid!)).toBe(false);
    expect(isAlive(b.pid!)).toBe(false);
    expect(pool.size).toBe(0);
  });
});

describe("RunConnectionPools", () => {
  it("starts a server once for a run's ten steps, and separately for another run", async () => {
    const counter = countingConnect();
    const runs = new RunConnectionPools({ timeoutMs: 15_000, closeGraceMs: 300, connect: counter.connect });
    pools.push(runs);
    for (let step = 0; step < 10; step++) {
      const connection = await runs.forRun("run-1").get("everything@2.0.0", everythingStdio());
      await connection.callTool("get-sum", { a: step, b: 1 }, { timeoutMs: 10_000 });
    }
    const other = await runs.forRun("run-2").get("everything@2.0.0", everythingStdio());
    const first = await runs.forRun("run-1").get("everything@2.0.0", everythingStdio());
    expect(counter.starts()).toBe(2);
    expect(other.pid).not.toBe(first.pid);
    await runs.closeRun("run-1");
    expect(first.closed).toBe(true);
    expect(other.closed).toBe(false);
    expect(runs.runs).toEqual(["run-2"]);
  });
});
