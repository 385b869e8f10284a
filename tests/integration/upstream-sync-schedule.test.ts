// Registry sync on a schedule: the embedded platform's timer (MCPFLOW_REGISTRY_SYNC_MINUTES; an interval in ms
// here) syncs every source as `registry-sync`, goes on from where the last tick stopped, and stops with the platform
// even in the middle of a sync; on AWS the EventBridge rule's input reaches the registry sync function's handler, which
// runs the same work within the invocation's time (the rule itself: tests/infra).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/api/registry-sync.js";
import { type LocalPlatform, startLocalPlatform } from "../../local/platform.js";
import { SCHEDULED_SYNC_EVENT } from "../../shared/registry/sync-schedule-event.js";
import { UPSTREAM_LIMITS } from "../../shared/registry/upstream-client.js";
import { spawnPlatform } from "../helpers/platform-process.js";
import { officialExample, UpstreamRegistry } from "../helpers/upstream-registry.js";

let home: string;
let platform: LocalPlatform | undefined;
const upstream = new UpstreamRegistry();

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${platform!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${platform!.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "mcpflow-sync-schedule-"));
  await upstream.start();
  upstream.add(officialExample("with-package.json"), "2026-01-01T00:00:00.000Z");
  upstream.add(officialExample("with-remote.json"), "2026-01-02T00:00:00.000Z");
  upstream.add(officialExample("minimal.json"), "2026-01-03T00:00:00.000Z");
});
afterAll(async () => {
  await platform?.stop();
  await upstream.stop();
  await rm(home, { recursive: true, force: true });
});

describe("the embedded platform's sync timer", () => {
  it("syncs every source on its interval as registry-sync, and only what changed on the next tick", async () => {
    platform = await startLocalPlatform({ home, port: 0, registrySyncIntervalMs: 300 });
    const created = await api("POST", "/v1/registry-sources", { url: upstream.url });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await vi.waitFor(
      async () => {
        const source = await api("GET", `/v1/registry-sources/${id}`);
        expect(source.body.lastSync).toMatchObject({
          by: "registry-sync",
          complete: true,
          counts: { imported: 3 },
        });
      },
      { timeout: 15_000, interval: 100 },
    );
    const version = await api("GET", "/v1/servers/io.github.user%2Fweather/versions/1.0.2");
    expect(version.body).toMatchObject({ publishedBy: "registry-sync", execution: { mayRun: false } });

    upstream.add({ ...officialExample("minimal.json"), version: "1.0.3" }, "2026-02-01T00:00:00.000Z");
    await vi.waitFor(
      async () =>
        expect((await api("GET", "/v1/servers/io.github.user%2Fweather/versions/1.0.3")).status).toBe(200),
      { timeout: 15_000, interval: 100 },
    );
    const last = upstream.requests.at(-1)!;
    expect(last.get("updated_since")).toMatch(/^2026-0[12]-0\dT00:00:00.000Z$/);
  });

  it("stops with the platform in the middle of a sync, and ticks no more", async () => {
    let hung: ServerResponse | undefined;
    upstream.intercept = (_req, res) => {
      hung = res;
      return true;
    };
    await vi.waitFor(() => expect(hung).toBeDefined(), { timeout: 15_000, interval: 50 });
    // A stop that waited for the hung sync would end only when the fetch's own timeout cut it: the bound is that
    // timeout, not a guess at how fast a stop is under load (5 s was).
    const started = Date.now();
    await platform!.stop();
    expect(Date.now() - started).toBeLessThan(UPSTREAM_LIMITS.timeoutMs);
    platform = undefined;
    const seen = upstream.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(upstream.requests.length).toBe(seen);
    hung?.destroy();
    upstream.intercept = undefined;
  });

  it("refuses an interval that is not whole minutes in one line, before it writes anything", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "mcpflow-sync-schedule-bad-"));
    try {
      const started = await spawnPlatform(join(elsewhere, "home"), {
        env: { MCPFLOW_REGISTRY_SYNC_MINUTES: "often" },
        wait: false,
      });
      expect((await started.exited).code).toBe(1);
      expect(started.stderr()).toContain("MCPFLOW_REGISTRY_SYNC_MINUTES must be a whole number of minutes");
      expect(existsSync(join(elsewhere, "home"))).toBe(false);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("the registry sync function's schedule tick (AWS)", () => {
  it("tells the rule's input from an API event and syncs every source within the invocation's time", async () => {
    platform = await startLocalPlatform({ home, port: 0 });
    upstream.add({ ...officialExample("with-package.json"), version: "1.1.0" }, "2026-03-01T00:00:00.000Z");
    const context = { getRemainingTimeInMillis: () => 28_000 } as Context;
    const answer = await handler(SCHEDULED_SYNC_EVENT as never, context);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).sources).toEqual([{ id: expect.any(String), complete: true }]);
    expect((await api("GET", "/v1/servers/io.github.user%2Flocal-weather/versions/1.1.0")).status).toBe(200);
    // Too little time left for a page: the tick leaves the sources to the next one.
    const late = await handler(
      SCHEDULED_SYNC_EVENT as never,
      { getRemainingTimeInMillis: () => 5_000 } as Context,
    );
    expect(JSON.parse(late.body).sources).toEqual([]);
  });
});
