// Registry throughput and latency on the embedded platform (list, get, publish at 1 and 50 connections), next to a
// bare node:http server answering the same JSON from memory, so the cost of the platform itself is visible.
// Run: npx tsx bench/registry.ts   (writes bench/results/latest/registry.json)
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { printTable, writeResult } from "./table.js";

const SEED_SERVERS = 200;
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = [1, 50];

export interface BenchRow {
  target: "platform" | "bare-node-http";
  operation: "list" | "get" | "publish";
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Status code -> count, so a run that measured error answers shows it. */
  statusCodes: Record<string, number>;
}

interface Target {
  url: string;
  headers: Record<string, string>;
}

let counter = 0;

function seedName(i: number): string {
  return `io.github.bench/server-${String(i).padStart(4, "0")}`;
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

async function run(target: Target, operation: BenchRow["operation"], connections: number) {
  const common = {
    url: target.url,
    connections,
    duration: DURATION_SECONDS,
    headers: { ...target.headers, "content-type": "application/json" },
  };
  const options: autocannon.Options =
    operation === "list"
      ? { ...common, method: "GET", url: `${target.url}/v1/servers?limit=30` }
      : operation === "get"
        ? { ...common, method: "GET", url: `${target.url}/v1/servers/${encodeURIComponent(seedName(42))}` }
        : {
            ...common,
            requests: [
              {
                method: "POST",
                path: "/v1/servers",
                // A new version per request, spread over the seeded servers: publishing is never a 409.
                setupRequest: (request) => {
                  counter += 1;
                  const doc = seedDocument(
                    counter % SEED_SERVERS,
                    `2.${Math.floor(counter / SEED_SERVERS)}.0`,
                  );
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
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats?.count ?? 0] as const),
    ),
  };
}

/** The same answers from memory: what node:http costs on its own. */
async function startBareServer(listBody: string, getBody: string, publishBody: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (req.method === "POST") {
        JSON.parse(Buffer.concat(chunks).toString("utf8"));
        res.writeHead(201, { "content-type": "application/json" });
        res.end(publishBody);
      } else if (path.startsWith("/v1/servers?")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(listBody);
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(getBody);
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

async function measureRegistry(): Promise<BenchRow[]> {
  // Request logs would flood stdout; the logger reads its level when first imported.
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const { startLocalPlatform } = await import("../local/platform.js");
  const home = await mkdtemp(join(tmpdir(), "mcpflow-bench-"));
  const platform = await startLocalPlatform({ home, port: 0 });
  const rows: BenchRow[] = [];
  let bare: Server | undefined;
  try {
    const headers = { authorization: `Bearer ${platform.adminToken}` };
    for (let i = 0; i < SEED_SERVERS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const response = await fetch(`${platform.url}/v1/servers`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify(seedDocument(i + j)),
          });
          if (response.status !== 201)
            throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
        }),
      );
    }
    const text = async (path: string) => (await fetch(`${platform.url}${path}`, { headers })).text();
    const listBody = await text("/v1/servers?limit=30");
    const getBody = await text(`/v1/servers/${encodeURIComponent(seedName(42))}`);
    bare = await startBareServer(listBody, getBody, getBody);
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

    const targets: [BenchRow["target"], Target][] = [
      ["platform", { url: platform.url, headers }],
      ["bare-node-http", { url: bareUrl, headers }],
    ];
    for (const operation of ["list", "get", "publish"] as const) {
      for (const connections of CONNECTIONS) {
        for (const [name, target] of targets) {
          rows.push({ target: name, operation, connections, ...(await run(target, operation, connections)) });
        }
      }
    }
  } finally {
    await new Promise<void>((done) => (bare ? bare.close(() => done()) : done()));
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
  return rows;
}

function printRows(rows: BenchRow[]): void {
  const header = [
    "operation",
    "conns",
    "target",
    "req/s",
    "p50 ms",
    "p99 ms",
    "requests",
    "non2xx",
    "errors",
  ];
  const lines = rows.map((r) => [
    r.operation,
    String(r.connections),
    r.target,
    String(r.requestsPerSecond),
    String(r.p50Ms),
    String(r.p99Ms),
    String(r.requests),
    String(r.non2xx),
    String(r.errors),
  ]);
  printTable(header, lines);
}

/** Measures, prints the table and writes bench/results/latest/registry.json. */
export async function runRegistryBench(): Promise<BenchRow[]> {
  const rows = await measureRegistry();
  printRows(rows);
  writeResult("registry", {
    seededServers: SEED_SERVERS,
    durationSeconds: DURATION_SECONDS,
    notes:
      "platform and autocannon share one process; request logging silenced; publish spreads new versions over the seeded servers",
    rows,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runRegistryBench();
  // autocannon's workers keep handles open; the numbers are written, so end here.
  process.exit(0);
}
