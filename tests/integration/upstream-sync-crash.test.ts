// A registry sync killed mid-run (SIGKILL of `npm start`, as the OOM killer does it) loses nothing it committed and
// leaves nothing half-written: the next start frees the source, and the next sync goes on from the last committed
// cursor, importing each remaining version exactly once.
import { mkdtemp, rm } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  killPlatform,
  PLATFORM_START_BUDGET_MS,
  type PlatformProcess,
  spawnPlatform,
} from "../helpers/platform-process.js";
import { officialExample, UpstreamRegistry } from "../helpers/upstream-registry.js";

let home: string;
let platform: PlatformProcess | undefined;
const upstream = new UpstreamRegistry();

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "mcpflow-sync-crash-"));
  await upstream.start();
  for (const [i, version] of ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"].entries()) {
    upstream.add({ ...officialExample("with-package.json"), version }, `2026-01-0${i + 1}T00:00:00.000Z`);
  }
});
afterAll(async () => {
  killPlatform(platform);
  await upstream.stop();
  await rm(home, { recursive: true, force: true });
});

describe("a registry sync killed mid-run", () => {
  // Two platform starts and two syncs: 38 s of vitest's default 60 s in a CI run at high load.
  it("resumes after a restart from the last committed cursor, importing each version once", {
    timeout: 3 * PLATFORM_START_BUDGET_MS,
  }, async () => {
    platform = await spawnPlatform(home);
    const created = await platform.api("POST", "/v1/registry-sources", { url: upstream.url });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;

    // The third page never answers: the sync is inside it (two pages committed) when the platform dies.
    const third = UpstreamRegistry.cursor(4);
    let hung: ServerResponse | undefined;
    upstream.intercept = (_req, res, url) => {
      if (url.searchParams.get("cursor") !== third) return false;
      hung = res;
      return true;
    };
    const interrupted = platform.api("POST", `/v1/registry-sources/${id}/sync`).catch(() => undefined);
    await vi.waitFor(() => expect(hung).toBeDefined(), { timeout: 20_000 });
    platform.child.kill("SIGKILL");
    await platform.exited;
    await interrupted;
    hung?.destroy();
    upstream.intercept = undefined;

    platform = await spawnPlatform(home);
    const source = await platform.api("GET", `/v1/registry-sources/${id}`);
    expect(source.body.resumes).toMatchObject({ cursor: third, pages: 2 });
    const before = await platform.api("GET", "/v1/servers/io.github.user%2Flocal-weather/versions");
    expect(before.body.versions.map((v: { server: { version: string } }) => v.server.version).sort()).toEqual(
      ["1.0.0", "1.1.0", "1.2.0", "1.3.0"],
    );

    upstream.requests = [];
    const resumed = await platform.api("POST", `/v1/registry-sources/${id}/sync`);
    expect(resumed.status, resumed.text).toBe(200);
    expect(upstream.requests.map((q) => q.get("cursor"))).toEqual([third]);
    expect(
      resumed.body.items.map((i: { version: string; outcome: string }) => `${i.version} ${i.outcome}`),
    ).toEqual(["1.4.0 imported", "1.5.0 imported"]);
    expect(resumed.body.source.watermark).toBe("2026-01-06T00:00:00.000Z");
    const after = await platform.api("GET", "/v1/servers/io.github.user%2Flocal-weather/versions");
    expect(after.body.versions).toHaveLength(6);

    platform.child.kill("SIGTERM");
    await platform.exited;
  });
});
