// Crash safety: the embedded platform is killed with SIGKILL at a random moment of mixed write bursts (MCD
// creates/updates/deletes, workflow saves/deletes, server publishes/version deletes), restarted on the same home,
// and every record is checked: each name answers consistently and can be written again, every acknowledged
// write is there, versions are contiguous, If-Match works. MCPFLOW_CRASH_CYCLES sets the cycles (3 by default).
// Before the write protocols rolled orphaned versions forward, each cycle left 1-6 names stuck (GET 404 / POST 409).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  PLATFORM_START_BUDGET_MS,
  type PlatformProcess,
  spawnPlatform,
} from "../helpers/platform-process.js";

const CYCLES = Number(process.env.MCPFLOW_CRASH_CYCLES ?? 3);
/**
 * Each cycle: up to 2 s of writes, a kill, a platform start and every record checked — 5 s when the machine is quiet,
 * 45 s in a CI run at high load (134 s for 3 cycles, of the fixed 180 s this test had whatever MCPFLOW_CRASH_CYCLES).
 */
const CYCLE_BUDGET_MS = 2 * PLATFORM_START_BUDGET_MS;
const WORKERS = 8;
const NAMES_PER_KIND = 6;
const TOOL_SERVER = "io.github.crash-test/tool";

type Op = "create" | "update" | "delete";

/** What the client knows of one record: the last acknowledged state, and the write in flight when it died. */
interface Known {
  kind: "mcd" | "workflow" | "server";
  name: string;
  exists: boolean;
  version: number;
  pending?: Op;
  /** Servers: acknowledged versions (1.0.<n>) and whether each is deleted. */
  versions: Map<number, boolean>;
}

interface Running extends PlatformProcess {
  token: string;
}

/** The platform on `home`, with the dev token it wrote (a start rewrites it). */
async function start(home: string): Promise<Running> {
  const platform = await spawnPlatform(home, { env: { POWERTOOLS_LOG_LEVEL: "WARN" } });
  return { ...platform, token: (await readFile(join(home, "dev-token"), "utf8")).trim() };
}

/** SIGKILL, as the OOM killer does it: no handler runs. Resolves once the process is gone. */
async function killHard(platform: PlatformProcess): Promise<void> {
  if (platform.child.exitCode === null && platform.child.signalCode === null) platform.child.kill("SIGKILL");
  await platform.exited;
}

let running: Running | undefined;
const homes: string[] = [];
afterAll(async () => {
  if (running) await killHard(running);
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

async function call(
  p: Running,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${p.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${p.token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed };
}

const enc = encodeURIComponent;
// Every write sends content no earlier write sent: a save identical to the latest version makes no version (apply is
// idempotent), and a name deleted and created again starts over at version 1, so content derived from the version
// number alone could repeat the latest and be answered as unchanged.
let writes = 0;
const mcdBody = (slug: string, n: number) => ({
  slug,
  title: `Crash ${slug} ${n}`,
  body: `# ${slug}\n\nrevision ${n}, write ${++writes}\n`,
});
const workflowBody = (name: string, n: number) => ({
  name,
  description: `revision ${n}, write ${++writes}`,
  steps: [{ id: "say", server: `${TOOL_SERVER}@1.0.0`, tool: "echo", arguments: { message: `m${n}` } }],
});
const serverBody = (name: string, n: number) => ({
  name,
  version: `1.0.${n}`,
  description: `crash test server ${n}`,
});

/** One write on one record; state changes only on an acknowledged (2xx) answer, 4xx answers change nothing. */
async function write(p: Running, known: Known, serverErrors: string[]): Promise<void> {
  const roll = Math.random();
  let op: Op = roll < 0.2 ? "delete" : known.exists ? "update" : "create";
  if (known.kind === "server") op = roll < 0.25 && known.exists ? "delete" : "create";
  known.pending = op;
  let answer: { status: number; body: any };
  if (known.kind === "mcd") {
    const n = known.version + 1;
    answer =
      op === "delete"
        ? await call(p, "DELETE", `/v1/mcds/${known.name}`)
        : op === "update"
          ? await call(p, "PUT", `/v1/mcds/${known.name}`, mcdBody(known.name, n), {
              "if-match": String(known.version),
            })
          : await call(p, "POST", "/v1/mcds", mcdBody(known.name, n));
    if (answer.status < 300) {
      known.exists = op !== "delete";
      known.version = op === "delete" ? known.version : Number(answer.body.version);
    }
  } else if (known.kind === "workflow") {
    answer =
      op === "delete"
        ? await call(p, "DELETE", `/v1/workflows/${known.name}`)
        : op === "update"
          ? await call(p, "PUT", `/v1/workflows/${known.name}`, workflowBody(known.name, known.version + 1))
          : await call(p, "POST", "/v1/workflows", workflowBody(known.name, known.version + 1));
    if (answer.status < 300) {
      known.exists = op !== "delete";
      if (op !== "delete") known.version = Number(answer.body.version);
    }
  } else {
    const live = [...known.versions].filter(([, deleted]) => !deleted).map(([n]) => n);
    if (op === "delete" && live.length > 0) {
      const n = live[Math.floor(Math.random() * live.length)]!;
      answer = await call(p, "PATCH", `/v1/servers/${enc(known.name)}/versions/1.0.${n}`, {
        status: "deleted",
      });
      if (answer.status < 300) known.versions.set(n, true);
    } else {
      const n = Math.max(0, ...known.versions.keys()) + 1;
      answer = await call(p, "POST", "/v1/servers", serverBody(known.name, n));
      if (answer.status < 300) {
        known.versions.set(n, false);
        known.exists = true;
      }
    }
  }
  if (answer.status >= 500) serverErrors.push(`${known.kind} ${known.name} ${op}: ${answer.status}`);
  else known.pending = undefined;
}

/** Checks one record against what was acknowledged, then proves the name usable by writing it again. */
async function check(p: Running, known: Known, problems: string[]): Promise<void> {
  const acked =
    known.kind === "server"
      ? `[${[...known.versions].map(([n, deleted]) => `1.0.${n}${deleted ? " deleted" : ""}`).join(", ")}]`
      : known.exists
        ? `v${known.version}`
        : "absent";
  const where = `${known.kind} ${known.name} (acked ${acked}, in flight ${known.pending ?? "none"})`;
  const pending = known.pending;
  known.pending = undefined;
  if (known.kind === "server") {
    const latest = await call(p, "GET", `/v1/servers/${enc(known.name)}`);
    for (const [n, deleted] of known.versions) {
      const read = await call(p, "GET", `/v1/servers/${enc(known.name)}/versions/1.0.${n}`);
      if (read.status !== 200) problems.push(`${where}: acknowledged 1.0.${n} answers ${read.status}`);
      else if (!deleted && read.body.status !== "active" && pending !== "delete")
        problems.push(`${where}: 1.0.${n} is ${read.body.status}`);
      else if (deleted && read.body.status !== "deleted")
        problems.push(`${where}: deleted 1.0.${n} is ${read.body.status}`);
    }
    const stored = await call(p, "GET", `/v1/servers/${enc(known.name)}/versions?include_deleted=true`);
    const storedVersions: number[] =
      stored.status === 200
        ? stored.body.versions.map((v: any) => Number(String(v.server.version).split(".")[2]))
        : [];
    const live = stored.status === 200 ? storedVersions.filter((n) => !known.versions.get(n)) : [];
    if (latest.status === 200 && live.length > 0) {
      const expected = Math.max(
        ...storedVersions.filter((n) => {
          const item = stored.body.versions.find((v: any) => v.server.version === `1.0.${n}`);
          return item?.status === "active";
        }),
      );
      if (Number.isFinite(expected) && latest.body.server.version !== `1.0.${expected}`)
        problems.push(
          `${where}: latest is ${latest.body.server.version}, newest active stored is 1.0.${expected}`,
        );
    }
    if (
      latest.status === 404 &&
      storedVersions.some((n) => !known.versions.get(n)) &&
      stored.status === 200
    ) {
      const anyActive = stored.body.versions.some((v: any) => v.status === "active");
      if (anyActive) problems.push(`${where}: GET 404 while active versions are stored`);
    }
    const next = Math.max(0, ...known.versions.keys(), ...storedVersions) + 1;
    const published = await call(p, "POST", "/v1/servers", serverBody(known.name, next));
    if (published.status !== 201)
      problems.push(`${where}: publishing 1.0.${next} answers ${published.status}`);
    else {
      // From here on the stored statuses are what is known (a delete in flight may or may not have landed).
      for (const v of stored.status === 200 ? (stored.body.versions as any[]) : []) {
        known.versions.set(Number(String(v.server.version).split(".")[2]), v.status === "deleted");
      }
      known.versions.set(next, false);
      known.exists = true;
      const after = await call(p, "GET", `/v1/servers/${enc(known.name)}`);
      if (after.status !== 200 || after.body.server.version !== `1.0.${next}`)
        problems.push(`${where}: after publishing 1.0.${next}, latest answers ${after.status}`);
    }
    return;
  }

  const base = known.kind === "mcd" ? "/v1/mcds" : "/v1/workflows";
  const read = await call(p, "GET", `${base}/${known.name}`);
  const body = (n: number) => (known.kind === "mcd" ? mcdBody(known.name, n) : workflowBody(known.name, n));
  if (read.status !== 200 && read.status !== 404) {
    problems.push(`${where}: GET answers ${read.status}`);
    return;
  }
  const version = read.status === 200 ? Number(read.body.version) : undefined;
  // What the acknowledged writes and the one write in flight allow.
  if (known.exists) {
    const allowed =
      pending === "update"
        ? [known.version, known.version + 1]
        : pending === "delete"
          ? [known.version, undefined]
          : [known.version];
    if (
      !allowed.includes(version) &&
      !(pending === "update" && version !== undefined && version > known.version)
    )
      problems.push(`${where}: GET answers ${version === undefined ? 404 : `v${version}`}`);
  } else if (version !== undefined && pending !== "create") {
    problems.push(`${where}: deleted, yet GET answers v${version}`);
  }
  if (version !== undefined) {
    const versions = await call(p, "GET", `${base}/${known.name}/versions`);
    const numbers: number[] = (versions.body.items ?? versions.body.versions ?? versions.body ?? []).map(
      (v: { version: number }) => Number(v.version),
    );
    const sorted = [...numbers].sort((a, b) => a - b);
    const contiguous = sorted.every((n, i) => i === 0 || n === sorted[i - 1]! + 1);
    if (versions.status !== 200 || !contiguous || sorted.at(-1) !== version)
      problems.push(`${where}: versions ${versions.status} [${sorted.join(",")}] for latest v${version}`);
    const updated = await call(
      p,
      "PUT",
      `${base}/${known.name}`,
      body(version + 1),
      known.kind === "mcd" ? { "if-match": String(version) } : {},
    );
    if (updated.status !== 200 || Number(updated.body.version) !== version + 1) {
      problems.push(`${where}: PUT on v${version} answers ${updated.status} ${JSON.stringify(updated.body)}`);
      return;
    }
    known.exists = true;
    known.version = version + 1;
  } else {
    const created = await call(p, "POST", base, body(known.version + 1));
    if (created.status !== 201) {
      problems.push(`${where}: GET 404 but POST answers ${created.status} ${JSON.stringify(created.body)}`);
      const removed = await call(p, "DELETE", `${base}/${known.name}`);
      if (removed.status !== 404) problems.push(`${where}: GET 404 but DELETE answers ${removed.status}`);
      return;
    }
    known.exists = true;
    known.version = Number(created.body.version);
  }
}

describe("a platform killed with SIGKILL during write bursts", () => {
  it(`keeps every name usable and every acknowledged write over ${CYCLES} kill/restart cycles`, {
    timeout: PLATFORM_START_BUDGET_MS + CYCLES * CYCLE_BUDGET_MS,
  }, async () => {
    const home = await mkdtemp(join(tmpdir(), "mcpflow-crash-"));
    homes.push(home);
    running = await start(home);
    const tool = await call(running, "POST", "/v1/servers", {
      name: TOOL_SERVER,
      version: "1.0.0",
      description: "pinned by the crash test's workflows; never started",
      runtime: { transport: "stdio", command: "node", args: ["server.js"] },
    });
    expect(tool.status, JSON.stringify(tool.body)).toBe(201);

    const records: Known[] = [];
    for (let i = 0; i < NAMES_PER_KIND; i++) {
      records.push({ kind: "mcd", name: `crash-mcd-${i}`, exists: false, version: 0, versions: new Map() });
      records.push({
        kind: "workflow",
        name: `crash-flow-${i}`,
        exists: false,
        version: 0,
        versions: new Map(),
      });
      records.push({
        kind: "server",
        name: `io.github.crash-test/server-${i}`,
        exists: false,
        version: 0,
        versions: new Map(),
      });
    }
    const stuckPerCycle: number[] = [];
    const allProblems: string[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const p = running;
      const serverErrors: string[] = [];
      let alive = true;
      const busy = new Set<Known>();
      const worker = async () => {
        while (alive) {
          const free = records.filter((r) => !busy.has(r));
          const known = free[Math.floor(Math.random() * free.length)];
          if (!known) return;
          busy.add(known);
          try {
            await write(p, known, serverErrors);
          } catch {
            // the connection died with the process: the write stays "in flight"
            if (alive)
              serverErrors.push(`${known.kind} ${known.name}: request failed while the platform ran`);
          } finally {
            busy.delete(known);
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 1600));
      alive = false;
      await killHard(p);
      await Promise.allSettled(workers);

      running = await start(home);
      const problems: string[] = [...serverErrors];
      for (const known of records) await check(running, known, problems);
      // Lists agree with reads: every record that exists is listed.
      const mcds = await call(running, "GET", "/v1/mcds?limit=100");
      const flows = await call(running, "GET", "/v1/workflows?limit=100");
      const listedMcds = new Set((mcds.body.items ?? []).map((m: { slug: string }) => m.slug));
      const listedFlows = new Set((flows.body.workflows ?? []).map((w: { name: string }) => w.name));
      for (const known of records) {
        if (known.kind === "mcd" && known.exists !== listedMcds.has(known.name))
          problems.push(`mcd ${known.name}: exists ${known.exists}, listed ${listedMcds.has(known.name)}`);
        if (known.kind === "workflow" && known.exists !== listedFlows.has(known.name))
          problems.push(
            `workflow ${known.name}: exists ${known.exists}, listed ${listedFlows.has(known.name)}`,
          );
      }
      stuckPerCycle.push(problems.length);
      allProblems.push(...problems.map((problem) => `cycle ${cycle + 1}: ${problem}`));
    }
    console.log(`crash test: problems per cycle ${JSON.stringify(stuckPerCycle)}`);
    expect(allProblems).toEqual([]);
  });
});
