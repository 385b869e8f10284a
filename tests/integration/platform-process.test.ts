// `npm start` as a real child process: it answers /v1/health, writes a 0600 dev token that works, logs one JSON
// line per request, exits 0 on SIGTERM, and finds its data again on the next start.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPlatform, type PlatformProcess, spawnPlatform } from "../helpers/platform-process.js";

type Running = PlatformProcess;

const start = (home: string) => spawnPlatform(home);

async function stop(running: Running): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  running.child.kill("SIGTERM");
  return running.exited;
}

function requestLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.message === "request");
}

describe("the embedded platform process", () => {
  let home: string;
  let first: Running | undefined;
  let second: Running | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "mcpflow-process-"));
  });
  afterAll(async () => {
    for (const running of [first, second]) killPlatform(running);
    await rm(home, { recursive: true, force: true });
  });

  it("serves, logs, stops cleanly on SIGTERM and keeps its data for the next start", async () => {
    first = await start(home);

    const tokenPath = join(home, "dev-token");
    expect((await stat(tokenPath)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenPath, "utf8")).trim();
    const auth = { authorization: `Bearer ${token}` };

    const me = await fetch(`${first.url}/v1/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: "admin", name: "local-admin" });

    const published = await fetch(`${first.url}/v1/servers`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        name: "io.github.process/kept",
        version: "1.0.0",
        description: "survives a restart",
      }),
    });
    expect(published.status).toBe(201);
    const refused = await fetch(`${first.url}/v1/servers`);
    expect(refused.status).toBe(401);

    // Logs are written asynchronously to the pipe: waited for until the last line is there, not for a fixed 300 ms.
    await expect
      .poll(() => requestLines(first!.stdout()).map((l) => `${l.method} ${l.path} ${l.status}`), {
        timeout: 30_000,
      })
      .toEqual(expect.arrayContaining(["GET /v1/me 200", "POST /v1/servers 201", "GET /v1/servers 401"]));
    const lines = requestLines(first.stdout());
    expect(lines.filter((l) => l.path === "/v1/me")).toHaveLength(1);
    expect(lines.filter((l) => l.method === "POST")).toHaveLength(1);
    for (const line of lines) {
      expect(line).toMatchObject({
        method: expect.any(String),
        path: expect.any(String),
        status: expect.any(Number),
        ms: expect.any(Number),
        caller: expect.any(String),
      });
    }
    expect(lines.find((l) => l.method === "POST")?.caller).toBe("user:local-admin");
    expect(lines.find((l) => l.status === 401)?.caller).toBe("anonymous");
    expect(first.stdout()).not.toContain(token.slice(-20).concat('"'));

    expect(await stop(first)).toEqual({ code: 0, signal: null });

    second = await start(home);
    const kept = await fetch(`${second.url}/v1/servers/io.github.process%2Fkept`, {
      headers: { authorization: `Bearer ${(await readFile(tokenPath, "utf8")).trim()}` },
    });
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as { server: { description: string } }).server.description).toBe(
      "survives a restart",
    );
    // The token from the first run still verifies: the signing key is kept under MCPFLOW_HOME.
    expect((await fetch(`${second.url}/v1/me`, { headers: auth })).status).toBe(200);
    expect(await stop(second)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
