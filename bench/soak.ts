// Memory under a long run: ≥ 100,000 mixed list/get/search requests against `npm start`'s process (its own process,
// loopback only), with the platform's RSS read after every tenth of the requests. Flat memory means the RSS after
// the last tenth is within 15% of the RSS after the first tenth (issue 11: dynalite once leaked a LevelDB iterator
// per query, 20–25 KiB per request). V8 lets garbage pile up in the old space between full collections (about 40 MB
// live grew to 130 MB before each, here), so RSS read at one moment swings by some 60 MiB with nothing retained: the
// table adds the lowest and highest RSS sampled during each tenth, to tell that sawtooth from a leak (whose lows rise).
// Run: npx tsx bench/soak.ts   (SOAK_REQUESTS, SOAK_CONNECTIONS; BENCH_ROOT runs another checkout's platform)
import autocannon from "autocannon";
import { PLATFORM_ROOT, startPlatformProcess } from "./platform-process.js";
import { printTable, writeResult } from "./table.js";

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 100_000);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 10);
const SLICES = 10;
/** The whole soak is abandoned past this, so a slow machine cannot hold the bench for ever. */
const MAX_MS = Number(process.env.SOAK_MAX_SECONDS ?? 2400) * 1000;
const SEED_SERVERS = 30;

interface Slice {
  slice: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  rssMiB: number;
  /** Lowest and highest RSS sampled (every 200 ms) while the tenth ran: V8's garbage sawtooth, not growth. */
  minRssMiB: number;
  maxRssMiB: number;
}

function seedDocument(i: number) {
  return {
    name: `io.github.soak/server-${String(i).padStart(3, "0")}`,
    version: "1.0.0",
    description: `Soak server number ${i}, for memory measurements`,
    tags: [`group-${i % 5}`, "soak"],
    packages: [
      {
        registryType: "npm",
        identifier: `@soak/server-${i}`,
        version: "1.0.0",
        transport: { type: "stdio" },
      },
    ],
  };
}

async function main(): Promise<void> {
  const platform = await startPlatformProcess();
  const { url, headers } = platform;
  const slices: Slice[] = [];
  const began = Date.now();
  try {
    for (let i = 0; i < SEED_SERVERS; i++) {
      const response = await fetch(`${url}/v1/servers`, {
        method: "POST",
        headers,
        body: JSON.stringify(seedDocument(i)),
      });
      if (response.status !== 201) throw new Error(`seeding: ${response.status} ${await response.text()}`);
    }
    const requests: autocannon.Request[] = [
      { method: "GET", path: "/v1/servers?limit=30" },
      { method: "GET", path: `/v1/servers/${encodeURIComponent("io.github.soak/server-007")}` },
      { method: "GET", path: "/v1/search?q=soak%20server" },
    ];
    const perSlice = Math.ceil(TOTAL / SLICES);
    for (let slice = 1; slice <= SLICES; slice++) {
      if (Date.now() - began > MAX_MS) {
        process.stderr.write(`stopping after ${MAX_MS / 1000} s: the table shows the slices done\n`);
        break;
      }
      const sampled: number[] = [];
      const sampler = setInterval(() => sampled.push(platform.rssMiB()), 200);
      const result = await autocannon({ url, connections: CONNECTIONS, amount: perSlice, headers, requests });
      clearInterval(sampler);
      const rssMiB = platform.rssMiB();
      sampled.push(rssMiB);
      slices.push({
        slice,
        requests: result.requests.total,
        seconds: Math.round(result.duration * 10) / 10,
        requestsPerSecond: Math.round(result.requests.average),
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        rssMiB,
        minRssMiB: Math.min(...sampled),
        maxRssMiB: Math.max(...sampled),
      });
      process.stderr.write(`slice ${slice}/${SLICES}: rss ${slices.at(-1)!.rssMiB} MiB\n`);
    }
  } finally {
    await platform.stop();
  }
  const first = slices[0]!.rssMiB;
  const last = slices.at(-1)!.rssMiB;
  const growth = Math.round(((last - first) / first) * 1000) / 10;
  printTable(
    ["slice", "requests", "s", "req/s", "p99 ms", "non2xx", "errors", "RSS MiB", "min-max during"],
    slices.map((s) => [
      String(s.slice),
      String(s.requests),
      String(s.seconds),
      String(s.requestsPerSecond),
      String(s.p99Ms),
      String(s.non2xx),
      String(s.errors),
      String(s.rssMiB),
      `${s.minRssMiB}-${s.maxRssMiB}`,
    ]),
  );
  const total = slices.reduce((sum, s) => sum + s.requests, 0);
  process.stdout.write(
    `\n${total} requests; RSS after the first tenth ${first} MiB, after the last ${last} MiB: ${growth >= 0 ? "+" : ""}${growth}% (flat if within 15%)\n`,
  );
  writeResult(process.env.SOAK_RESULT ?? "soak", {
    root: PLATFORM_ROOT,
    connections: CONNECTIONS,
    requests: total,
    firstRssMiB: first,
    lastRssMiB: last,
    growthPercent: growth,
    complete: total >= TOTAL,
    flat: Math.abs(growth) <= 15,
    slices,
  });
}

await main();
