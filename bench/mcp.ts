import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpConnectionPool } from "../shared/mcp/pool.js";
import { normaliseToolResult } from "../shared/mcp/result.js";
import type { Runtime } from "../shared/registry/schema.js";
import { writeResult } from "./table.js";

const CALLS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Series {
  startMs: number;
  totalCallsMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
}

export interface McpBenchResult {
  calls: number;
  rounds: number;
  node: string;
  pooled: Series;
  direct: Series;
  /** pooled / direct, on the 100 calls only (server starts excluded). */
  callRatio: number;
  /** pooled / direct, start + 100 calls. */
  totalRatio: number;
  at: string;
}

function everythingBin(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("@modelcontextprotocol/server-everything/package.json");
  return join(dirname(manifest), "dist/index.js");
}

function series(startMs: number, samples: number[]): Series {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const total = samples.reduce((a, b) => a + b, 0);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    startMs: round(startMs),
    totalCallsMs: round(total),
    meanMs: round(total / samples.length),
    p50Ms: round(pick(0.5)),
    p95Ms: round(pick(0.95)),
  };
}

async function pooled(runtime: Runtime): Promise<Series> {
  const pool = new McpConnectionPool({ timeoutMs: 30_000 });
  try {
    let t = performance.now();
    await pool.get("everything", runtime);
    const startMs = performance.now() - t;
    const samples: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      t = performance.now();
      const connection = await pool.get("everything", runtime);
      normaliseToolResult(
        await connection.callTool("echo", { message: `m${i}` }, { timeoutMs: 10_000 }),
        "echo",
      );
      samples.push(performance.now() - t);
    }
    return series(startMs, samples);
  } finally {
    await pool.closeAll();
  }
}

async function direct(runtime: Runtime): Promise<Series> {
  const client = new Client({ name: "bench", version: "1" });
  let t = performance.now();
  await client.connect(
    new StdioClientTransport({ command: runtime.command!, args: runtime.args, stderr: "pipe" }),
  );
  const startMs = performance.now() - t;
  try {
    const samples: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      t = performance.now();
      await client.callTool({ name: "echo", arguments: { message: `m${i}` } });
      samples.push(performance.now() - t);
    }
    return series(startMs, samples);
  } finally {
    await client.close();
  }
}

export async function runMcpBench(): Promise<McpBenchResult> {
  const runtime: Runtime = {
    transport: "stdio",
    command: process.execPath,
    args: [everythingBin(), "stdio"],
  };
  // Warm the module cache and the JIT on both paths so the order does not decide the result.
  await direct(runtime);
  await pooled(runtime);
  const directRounds: Series[] = [];
  const pooledRounds: Series[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    directRounds.push(await direct(runtime));
    pooledRounds.push(await pooled(runtime));
  }
  const median = (rounds: Series[]) =>
    [...rounds].sort((a, b) => a.totalCallsMs - b.totalCallsMs)[Math.floor(rounds.length / 2)]!;
  const directResult = median(directRounds);
  const pooledResult = median(pooledRounds);
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  return {
    calls: CALLS,
    rounds: ROUNDS,
    node: process.version,
    pooled: pooledResult,
    direct: directResult,
    callRatio: ratio(pooledResult.totalCallsMs, directResult.totalCallsMs),
    totalRatio: ratio(
      pooledResult.startMs + pooledResult.totalCallsMs,
      directResult.startMs + directResult.totalCallsMs,
    ),
    at: new Date().toISOString(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runMcpBench();
  console.table({ pooled: result.pooled, direct: result.direct });
  console.log(
    `call ratio (pooled/direct): ${result.callRatio}   total ratio incl. start: ${result.totalRatio}`,
  );
  writeResult("mcp", result);
}
