// Registry throughput and latency on the embedded platform, at two registry sizes (200 and 5,000 servers), next to
// bare node:http servers in the same process and run that do only what a request cannot do without: one page query
// of the listing on the same store (list) and the same single read (get). What the platform costs beyond them is its
// own; the list at 5,000 against the list at 200 says whether reads grow with the registry. Each figure is the median
// of BENCH_ROUNDS rounds (platform and bare alternate within a round); publish is measured once, at the small size.
// Run: npx tsx bench/registry.ts   (writes bench/results/latest/registry.json)
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import autocannon from "autocannon";
import { createSocketTable } from "../local/store-client.js";
import type { Table } from "../shared/store/table.js";
import { printTable, writeResult } from "./table.js";

const SIZES = (process.env.BENCH_SIZES ?? "200,5000").split(",").map(Number);
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = [1, 50];
const PAGE = 30;
const GET_INDEX = 42;

type Operation = "list" | "get" | "publish";
type TargetName = "platform" | "bare-node-http";

export interface BenchRow {
  servers: number;
  target: TargetName;
  operation: Operation;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Every round's req/s, the figure above being their median. */
  rounds: number[];
  /** Status code -> count over the rounds, so a run that measured error answers shows it. */
  statusCodes: Record<string, number>;
}

interface Target {
  url: string;
  headers: Record<string, string>;
}

let counter = 0;

function seedName(i: number): string {
  return `io.github.bench/server-${String(i).padStart(5, "0")}`;
}

function seedDocument(i: number, version = "1.0.0") {
  return {
    name: seedName(i),
    version,
    description: `Benchmark server number ${i}`,
    tags: [`group-${i % 10}`, "bench"],
    category: `category-${i % 5}`,
    packages: [
      { registryType: "npm", identifier: `@bench/server-${i}`, version, transport: { type: "stdio" } },
    ],
  };
}

const listPath = `/v1/servers?limit=${PAGE}`;
const getPath = `/v1/servers/${encodeURIComponent(seedName(GET_INDEX))}`;

async function measure(target: Target, operation: Operation, connections: number, size: number) {
  const common = {
    url: target.url,
    connections,
    duration: DURATION_SECONDS,
    timeout: 10,
    headers: { ...target.headers, "content-type": "application/json" },
  };
  const options: autocannon.Options =
    operation === "list"
      ? { ...common, method: "GET", url: `${target.url}${listPath}` }
      : operation === "get"
        ? { ...common, method: "GET", url: `${target.url}${getPath}` }
        : {
            ...common,
            requests: [
              {
                method: "POST",
                path: "/v1/servers",
                // A new version per request, spread over the seeded servers: publishing is never a 409.
                setupRequest: (request) => {
                  counter += 1;
                  const doc = seedDocument(counter % size, `2.${Math.floor(counter / size)}.0`);
                  return { ...request, body: JSON.stringify(doc) };
                },
              },
            ],
          };
  const result = await autocannon(options);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats?.count ?? 0] as const),
    ),
  };
}

/**
 * The baselines: list is one page query of the server listing (gsi1 `SERVERS`, by name, 30 items: the index both
 * the old and the new layout keep), get is one read of the server's head item; each answers the items as JSON.
 */
async function startBareServer(table: Table): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      try {
        const body = req.url?.startsWith("/v1/servers?")
          ? (
              await table.doc.send(
                new QueryCommand({
                  TableName: table.name,
                  IndexName: "gsi1",
                  KeyConditionExpression: "gsi1pk = :pk",
                  ExpressionAttributeValues: { ":pk": "SERVERS" },
                  Limit: PAGE,
                }),
              )
            ).Items
          : (
              await table.doc.send(
                new GetCommand({
                  TableName: table.name,
                  Key: { pk: `SERVER#${seedName(GET_INDEX)}`, sk: "HEAD" },
                }),
              )
            ).Item;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ servers: body }));
      } catch (error) {
        res.writeHead(500);
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

async function seed(url: string, headers: Record<string, string>, size: number): Promise<void> {
  const batch = 10;
  for (let i = 0; i < size; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, size - i) }, async (_, j) => {
        const response = await fetch(`${url}/v1/servers`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(seedDocument(i + j)),
        });
        if (response.status !== 201)
          throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
      }),
    );
  }
}

/**
 * Waits (up to 2 minutes) until the platform answers a get within 500 ms: requests that autocannon gave up on are
 * still being served after a measurement ends, and would otherwise be counted against the next one.
 */
async function settled(url: string, headers: Record<string, string>): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const start = performance.now();
    try {
      await (await fetch(`${url}/v1/health`, { headers, signal: AbortSignal.timeout(10_000) })).text();
      if (performance.now() - start < 500) return;
    } catch {
      // Still busy (a connection reset or no answer yet): try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

type Measured = Awaited<ReturnType<typeof measure>>;

/** One row from several rounds: the median round by req/s gives its latencies; counts add up. */
function combine(
  servers: number,
  target: TargetName,
  operation: Operation,
  connections: number,
  runs: Measured[],
): BenchRow {
  const rps = runs.map((r) => r.requestsPerSecond);
  const mid = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[
    Math.floor(runs.length / 2)
  ]!;
  const statusCodes: Record<string, number> = {};
  for (const r of runs)
    for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (key: "requests" | "non2xx" | "errors" | "timeouts") => runs.reduce((t, r) => t + r[key], 0);
  return {
    servers,
    target,
    operation,
    connections,
    requestsPerSecond: median(rps),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: mid.p99Ms,
    requests: sum("requests"),
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    timeouts: sum("timeouts"),
    rounds: rps,
    statusCodes,
  };
}

async function measureSize(
  size: number,
  withPublish: boolean,
): Promise<{ rows: BenchRow[]; seedSeconds: number }> {
  const { startLocalPlatform } = await import("../local/platform.js");
  const home = await mkdtemp(join(tmpdir(), "mcpflow-bench-"));
  const platform = await startLocalPlatform({ home, port: 0 });
  const rows: BenchRow[] = [];
  let bare: Server | undefined;
  let seedSeconds = 0;
  try {
    const headers = { authorization: `Bearer ${platform.adminToken}` };
    const seedStart = performance.now();
    await seed(platform.url, headers, size);
    seedSeconds = Math.round((performance.now() - seedStart) / 100) / 10;
    // The bare server reads the platform's own store, over its socket, as the platform does.
    bare = await startBareServer(createSocketTable("mcpflow", join(home, "run", "store.sock")));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    // One warm-up request each: a cold cache is not what a steady registry serves from.
    for (const path of [listPath, getPath]) {
      await (await fetch(`${platform.url}${path}`, { headers })).text();
      await (await fetch(`${bareUrl}${path}`)).text();
    }
    const targets: [TargetName, Target][] = [
      ["platform", { url: platform.url, headers }],
      ["bare-node-http", { url: bareUrl, headers: {} }],
    ];
    for (const operation of ["list", "get"] as const) {
      for (const connections of CONNECTIONS) {
        const runs = new Map<TargetName, Measured[]>(targets.map(([name]) => [name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          for (const [name, target] of targets) {
            await settled(platform.url, headers);
            runs.get(name)!.push(await measure(target, operation, connections, size));
          }
        }
        for (const [name] of targets) rows.push(combine(size, name, operation, connections, runs.get(name)!));
      }
    }
    if (withPublish) {
      for (const connections of CONNECTIONS) {
        const run = await measure({ url: platform.url, headers }, "publish", connections, size);
        rows.push(combine(size, "platform", "publish", connections, [run]));
      }
    }
  } finally {
    await new Promise<void>((done) => (bare ? bare.close(() => done()) : done()));
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
  return { rows, seedSeconds };
}

interface Ratio {
  name: string;
  connections: number;
  value: number;
  goal: string;
}

function ratios(rows: BenchRow[]): Ratio[] {
  const rps = (servers: number, target: TargetName, operation: Operation, connections: number) =>
    rows.find(
      (r) =>
        r.servers === servers &&
        r.target === target &&
        r.operation === operation &&
        r.connections === connections,
    )?.requestsPerSecond;
  const small = Math.min(...SIZES);
  const large = Math.max(...SIZES);
  const out: Ratio[] = [];
  const round = (n: number) => Math.round(n * 100) / 100;
  for (const connections of CONNECTIONS) {
    const [s, l] = [rps(small, "platform", "list", connections), rps(large, "platform", "list", connections)];
    if (s && l && small !== large)
      out.push({
        name: `list time ${large} / ${small} servers`,
        connections,
        value: round(s / l),
        goal: "<= 1.2",
      });
    for (const size of SIZES) {
      for (const operation of ["list", "get"] as const) {
        const [p, b] = [
          rps(size, "platform", operation, connections),
          rps(size, "bare-node-http", operation, connections),
        ];
        if (p !== undefined && b)
          out.push({
            name: `${operation} platform / bare, ${size} servers`,
            connections,
            value: round(p / b),
            goal: ">= 0.8",
          });
      }
    }
  }
  // The latency goal for get, read off the platform's row at 50 connections (the bare server's beside it).
  for (const size of SIZES) {
    const row = (target: TargetName) =>
      rows.find(
        (r) => r.servers === size && r.target === target && r.operation === "get" && r.connections === 50,
      );
    const [p, b] = [row("platform"), row("bare-node-http")];
    if (p)
      out.push({
        name: `get p99 ms, ${size} servers (bare ${b?.p99Ms ?? "-"} ms)`,
        connections: 50,
        value: p.p99Ms,
        goal: "< 50",
      });
  }
  return out;
}

function printRows(rows: BenchRow[]): void {
  printTable(
    [
      "servers",
      "operation",
      "conns",
      "target",
      "req/s (median)",
      "rounds",
      "p50 ms",
      "p99 ms",
      "non2xx",
      "errors",
      "timeouts",
    ],
    rows.map((r) => [
      String(r.servers),
      r.operation,
      String(r.connections),
      r.target,
      String(r.requestsPerSecond),
      r.rounds.join(" "),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.non2xx),
      String(r.errors),
      String(r.timeouts),
    ]),
  );
}

/** Measures, prints the tables and writes bench/results/latest/registry.json. */
export async function runRegistryBench(): Promise<BenchRow[]> {
  // Request logs would flood stdout; the logger reads its level when first imported.
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const loadBefore = loadavg()[0]!;
  const rows: BenchRow[] = [];
  const seeding: Record<string, number> = {};
  for (const [i, size] of SIZES.entries()) {
    const measured = await measureSize(size, i === 0);
    rows.push(...measured.rows);
    seeding[size] = measured.seedSeconds;
  }
  const loadAfter = loadavg()[0]!;
  printRows(rows);
  const found = ratios(rows);
  process.stdout.write("\n");
  printTable(
    ["ratio", "conns", "value", "goal"],
    found.map((r) => [r.name, String(r.connections), String(r.value), r.goal]),
  );
  process.stdout.write(
    `\nload average (1 min): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n`,
  );
  writeResult("registry", {
    sizes: SIZES,
    durationSeconds: DURATION_SECONDS,
    rounds: ROUNDS,
    loadAverage: { before: loadBefore, after: loadAfter },
    seedingSeconds: seeding,
    notes:
      "platform, bare servers and autocannon share one process; request logging silenced; bare list = one Query of gsi1 SERVERS (30 items), bare get = one GetItem of the head, both on the platform's store; publish spreads new versions over the seeded servers",
    rows,
    ratios: found,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runRegistryBench();
  // autocannon's workers keep handles open; the numbers are written, so end here.
  process.exit(0);
}
