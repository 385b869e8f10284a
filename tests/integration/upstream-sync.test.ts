// Sync from an upstream MCP registry: a v0.1 registry on 127.0.0.1 (tests/helpers/upstream-registry.ts) serves the
// official registry's own example documents (tests/fixtures/registry/official, valid and invalid), two per page. The
// sync imports what the source's filters take with the server.json import rules, says what became of each item,
// approves nothing, asks next time only for what changed, and goes on from its cursor after an upstream failure.
import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRegistry } from "../../shared/compose.js";
import { getPlatform } from "../../shared/platform.js";
import { syncSource } from "../../shared/registry/upstream-sync.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";
import { officialExample as example, UpstreamRegistry } from "../helpers/upstream-registry.js";

let p: TestPlatform;
const upstream = new UpstreamRegistry();

beforeAll(async () => {
  p = await startTestPlatform();
  await upstream.start();
  upstream.add(example("with-package.json"), "2026-01-01T00:00:00.000Z");
  upstream.add(example("with-remote.json"), "2026-01-02T00:00:00.000Z");
  upstream.add(example("minimal.json"), "2026-01-03T00:00:00.000Z");
  upstream.add({ ...example("with-remote.json"), version: "2.0.0" }, "2026-01-04T00:00:00.000Z", "deleted");
  upstream.add(example("invalid/bad-name-pattern.json"), "2026-01-05T00:00:00.000Z");
  upstream.add(example("invalid/missing-name.json"), "2026-01-06T00:00:00.000Z");
  upstream.add(example("invalid/package-version-latest.json"), "2026-01-07T00:00:00.000Z");
  upstream.add(example("invalid/description-too-long.json"), "2026-01-08T00:00:00.000Z");
});
afterAll(async () => {
  await upstream.stop();
  await p?.cleanup();
});
afterEach(() => {
  upstream.intercept = undefined;
});

async function createSource(body: Record<string, unknown>): Promise<string> {
  const created = await p.api("POST", "/v1/registry-sources", { body });
  expect(created.status, created.text).toBe(201);
  expect(created.headers.get("location")).toBe(`/v1/registry-sources/${created.body.id}`);
  return created.body.id as string;
}

const sync = (id: string) => p.api("POST", `/v1/registry-sources/${id}/sync`);
const params = (query: URLSearchParams) => Object.fromEntries(query.entries());
const notApproved = { mayRun: false, reason: "not-approved" };

describe("a sync from the official registry's examples", () => {
  let id: string;

  it("imports each valid version, refuses each invalid one naming the rule, and skips what upstream deleted", async () => {
    id = await createSource({ url: upstream.url });
    upstream.requests = [];
    const first = await sync(id);
    expect(first.status, first.text).toBe(200);
    expect(first.body.complete).toBe(true);
    expect(first.body.items).toEqual([
      {
        version: "1.0.0",
        outcome: "refused",
        reason: "does not pass the server.json import rules",
        errors: [expect.objectContaining({ field: "name" })],
      },
      {
        name: "io.github.user/bad-version",
        version: "1.0.0",
        outcome: "refused",
        reason: "does not pass the server.json import rules",
        errors: [{ field: "packages.0.version", rule: "must be a specific version, not `latest`" }],
      },
      {
        name: "io.github.user/local-weather",
        version: "1.0.0",
        outcome: "imported",
        reason: expect.stringMatching(
          /^imported; not approved to run \(a sync approves nothing\): its runtime sha256:/,
        ),
        execution: expect.objectContaining(notApproved),
      },
      {
        name: "io.github.user/remote-weather",
        version: "2.0.0",
        outcome: "skipped-deleted",
        reason: expect.stringContaining("deleted upstream"),
      },
      {
        name: "io.github.user/remote-weather",
        version: "2.1.0",
        outcome: "imported",
        reason: expect.stringContaining("not approved to run"),
        execution: expect.objectContaining(notApproved),
      },
      {
        name: "io.github.user/verbose",
        version: "1.0.0",
        outcome: "refused",
        reason: "does not pass the server.json import rules",
        errors: [{ field: "description", rule: "must be at most 100 characters" }],
      },
      {
        name: "io.github.user/weather",
        version: "1.0.2",
        outcome: "imported",
        reason:
          "imported; not approved to run (a sync approves nothing): it has no runtime mcpflow can start.",
        execution: expect.objectContaining({ mayRun: false, reason: "no-runtime" }),
      },
      {
        name: "no-namespace-separator",
        version: "1.0.0",
        outcome: "refused",
        reason: "does not pass the server.json import rules",
        errors: [expect.objectContaining({ field: "name" })],
      },
    ]);
    expect(first.body.counts).toEqual({ imported: 3, skippedExists: 0, skippedDeleted: 1, refused: 4 });
    // Four pages of two, each asked from the cursor the last one answered, none with updated_since.
    expect(upstream.requests.map(params)).toEqual([
      { limit: "50" },
      { limit: "50", cursor: UpstreamRegistry.cursor(2) },
      { limit: "50", cursor: UpstreamRegistry.cursor(4) },
      { limit: "50", cursor: UpstreamRegistry.cursor(6) },
    ]);
    expect(first.body.source).toMatchObject({
      id,
      watermark: "2026-01-08T00:00:00.000Z",
      lastSync: { complete: true, by: "user:local-admin", counts: first.body.counts },
    });
    expect(first.body.source.resumes).toBeUndefined();
  });

  it("stores the imported version as published, and approves nothing: it may not run or be listed by v0.1", async () => {
    const version = await p.api("GET", "/v1/servers/io.github.user%2Flocal-weather/versions/1.0.0");
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({
      server: {
        name: "io.github.user/local-weather",
        description: "Local MCP server distributed as an npm package.",
      },
      publishedBy: "user:local-admin",
      execution: notApproved,
    });
    const exported = await p.api(
      "GET",
      "/v1/servers/io.github.user%2Flocal-weather/versions/1.0.0/server.json",
    );
    expect(exported.body).toEqual(example("with-package.json"));
    const probe = await p.api("POST", "/v1/servers/io.github.user%2Flocal-weather/versions/1.0.0/probe");
    expect(probe.status).toBe(409);
    const listed = await p.api("GET", "/v0.1/servers");
    expect(listed.body.servers).toEqual([]);
  });

  it("asks next time only for what changed since the watermark, and imports only that", async () => {
    upstream.requests = [];
    const idle = await sync(id);
    expect(idle.body).toMatchObject({ complete: true, items: [] });
    expect(upstream.requests.map(params)).toEqual([
      { limit: "50", updated_since: "2026-01-08T00:00:00.000Z" },
    ]);

    upstream.add({ ...example("with-package.json"), version: "1.1.0" }, "2026-02-01T00:00:00.000Z");
    upstream.add({ ...example("minimal.json"), version: "1.0.3" }, "2026-02-02T00:00:00.000Z");
    upstream.requests = [];
    const next = await sync(id);
    expect(next.body.items).toEqual([
      expect.objectContaining({
        name: "io.github.user/local-weather",
        version: "1.1.0",
        outcome: "imported",
      }),
      expect.objectContaining({ name: "io.github.user/weather", version: "1.0.3", outcome: "imported" }),
    ]);
    expect(next.body.source.watermark).toBe("2026-02-02T00:00:00.000Z");
    expect(upstream.requests.map(params)).toEqual([
      { limit: "50", updated_since: "2026-01-08T00:00:00.000Z" },
    ]);
  });

  it("keeps the committed cursor when the upstream fails mid-sync, and goes on from it", async () => {
    for (const [version, day] of [
      ["1.2.0", "01"],
      ["1.3.0", "02"],
      ["1.4.0", "03"],
    ] as const) {
      upstream.add({ ...example("with-package.json"), version }, `2026-03-${day}T00:00:00.000Z`);
    }
    const failing = UpstreamRegistry.cursor(2);
    upstream.intercept = (_req, res, url) => {
      if (url.searchParams.get("cursor") !== failing) return false;
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":"Try later"}');
      return true;
    };
    const failed = await sync(id);
    expect(failed.status, failed.text).toBe(502);
    expect(failed.headers.get("content-type")).toContain("application/problem+json");
    expect(failed.body.detail).toBe("The upstream registry answered 503 to GET /v0.1/servers.");
    const source = await p.api("GET", `/v1/registry-sources/${id}`);
    expect(source.body).toMatchObject({
      watermark: "2026-02-02T00:00:00.000Z",
      resumes: { since: "2026-02-02T00:00:00.000Z", cursor: failing, pages: 1 },
      lastSync: { complete: false, counts: { imported: 2 }, error: failed.body.detail },
    });
    // The first page was imported and stays.
    const kept = await p.api("GET", "/v1/servers/io.github.user%2Flocal-weather/versions/1.3.0");
    expect(kept.status).toBe(200);

    upstream.intercept = undefined;
    upstream.requests = [];
    const resumed = await sync(id);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body.items).toEqual([expect.objectContaining({ version: "1.4.0", outcome: "imported" })]);
    // The resumed run asked the interrupted run's question, from its cursor.
    expect(upstream.requests.map(params)).toEqual([
      { limit: "50", updated_since: "2026-02-02T00:00:00.000Z", cursor: failing },
    ]);
    expect(resumed.body.source.watermark).toBe("2026-03-03T00:00:00.000Z");
    expect(resumed.body.source.resumes).toBeUndefined();
  });

  it("with name filters imports only the names it takes, and lets upstream narrow by `search`", async () => {
    const exact = await createSource({ url: upstream.url, names: ["io.github.user/weather"] });
    upstream.requests = [];
    const named = await sync(exact);
    expect(named.body.items).toEqual([
      expect.objectContaining({
        name: "io.github.user/weather",
        version: "1.0.2",
        outcome: "skipped-exists",
      }),
      expect.objectContaining({
        name: "io.github.user/weather",
        version: "1.0.3",
        outcome: "skipped-exists",
      }),
    ]);
    // A substring search would also match io.github.user/local-weather: the sync keeps exact names only.
    expect(upstream.requests.map(params)[0]).toEqual({ limit: "50", search: "io.github.user/weather" });

    const prefixed = await createSource({
      url: upstream.url,
      namePrefix: "io.github.user/remote",
      names: ["io.github.user/verbose"],
      updatedSince: "2026-01-03T00:00:00Z",
    });
    upstream.requests = [];
    const both = await sync(prefixed);
    expect(both.body.items.map((i: { name: string; version: string }) => `${i.name}@${i.version}`)).toEqual([
      "io.github.user/remote-weather@2.0.0",
      "io.github.user/verbose@1.0.0",
    ]);
    expect(upstream.requests.map(params)[0]).toEqual({
      limit: "50",
      updated_since: "2026-01-03T00:00:00.000Z",
    });
  });

  it("lists, reads and deletes sources; what a deleted source imported stays", async () => {
    const listed = await p.api("GET", "/v1/registry-sources");
    expect(listed.body.sources.map((s: { id: string }) => s.id)).toContain(id);
    expect((await p.api("DELETE", `/v1/registry-sources/${id}`)).status).toBe(204);
    expect((await p.api("GET", `/v1/registry-sources/${id}`)).status).toBe(404);
    expect((await sync(id)).status).toBe(404);
    expect((await p.api("DELETE", `/v1/registry-sources/${id}`)).status).toBe(404);
    expect((await p.api("GET", "/v1/servers/io.github.user%2Flocal-weather/versions/1.4.0")).status).toBe(
      200,
    );
  });
});

describe("who may sync, and from where", () => {
  it("is an admin's: an editor can neither create, list nor sync a source", async () => {
    const body = { url: "https://registry.example.com" };
    expect((await p.api("POST", "/v1/registry-sources", { body, role: "editor" })).status).toBe(403);
    expect((await p.api("GET", "/v1/registry-sources", { role: "editor" })).status).toBe(403);
    const id = await createSource(body);
    expect((await p.api("POST", `/v1/registry-sources/${id}/sync`, { role: "editor" })).status).toBe(403);
  });

  it.each([
    ["http://registry.example.com", "must use https"],
    ["https://10.0.0.8", "must not name a private address"],
    ["https://169.254.169.254/latest", "must not name a linkLocal address"],
    ["https://user:pw@registry.example.com", "must not carry credentials"],
    ["https://registry.example.com/?x=1", "must have no query"],
    ["registry.example.com", "must be an absolute URL"],
  ])("refuses %s as a source url (422 naming url), storing nothing", async (url, rule) => {
    const before = (await p.api("GET", "/v1/registry-sources")).body.sources.length;
    const refused = await p.api("POST", "/v1/registry-sources", { body: { url } });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.errors).toEqual([{ field: "url", rule: expect.stringContaining(rule) }]);
    expect((await p.api("GET", "/v1/registry-sources")).body.sources).toHaveLength(before);
  });

  it("refuses bad filters and unknown fields with 400 naming the field", async () => {
    for (const [body, field] of [
      [{ url: "https://r.example.com", names: ["../.."] }, "body.names.0"],
      [{ url: "https://r.example.com", namePrefix: "a b" }, "body.namePrefix"],
      [{ url: "https://r.example.com", updatedSince: "yesterday" }, "body.updatedSince"],
      [{ url: "https://r.example.com", cursor: "x" }, "body"],
    ] as const) {
      const refused = await p.api("POST", "/v1/registry-sources", { body });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await p.api("GET", "/v1/registry-sources/..%2F..")).status).toBe(400);
  });

  it("reaches loopback only where the platform allows it (the outbound guard decides at sync time)", async () => {
    const id = await createSource({ url: upstream.url });
    const saved = process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP;
    delete process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP;
    try {
      const refused = await sync(id);
      expect(refused.status, refused.text).toBe(502);
      expect(refused.body.errors).toEqual([
        { field: "url", rule: expect.stringContaining("must use https") },
      ]);
    } finally {
      process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP = saved;
    }
    await p.api("DELETE", `/v1/registry-sources/${id}`);
  });
});

describe("a hostile or broken upstream", () => {
  const caller = { id: "user:test", kind: "user" as const, name: "test", role: "admin" as const };
  const context = async () => {
    const platform = await getPlatform();
    return { platform, registry: createRegistry(platform) };
  };
  const answer =
    (body: unknown, status = 200) =>
    (_req: unknown, res: ServerResponse) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      return true;
    };

  it.each([
    [
      "a body that is not JSON",
      (_req: unknown, res: ServerResponse) => {
        res.writeHead(200, { "content-type": "application/json" }).end("<html>");
        return true;
      },
      502,
      "The upstream registry's answer is not JSON.",
    ],
    ["a list of the wrong shape", answer({ servers: "all of them" }), 502, "is not a v0.1 server list"],
    [
      "more servers than asked for",
      answer({ servers: Array.from({ length: 51 }, () => ({})) }),
      502,
      "answered 51 servers to a request for at most 50",
    ],
    [
      "a cursor that is not one",
      answer({ servers: [], metadata: { nextCursor: "x".repeat(5000) } }),
      502,
      "nextCursor is not a cursor",
    ],
    [
      "the same cursor again",
      answer({ servers: [], metadata: { nextCursor: "again" } }),
      502,
      "answered the same cursor again",
    ],
    [
      "a redirect elsewhere",
      (_req: unknown, res: ServerResponse) => {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
        return true;
      },
      502,
      "redirect",
    ],
    ["an error status", answer({ error: "no" }, 500), 502, "answered 500"],
  ])("answers %s with a clear sync error, never a 500", async (_case, intercept, status, detail) => {
    const id = await createSource({ url: upstream.url });
    upstream.intercept = intercept;
    const failed = await sync(id);
    expect(failed.status, failed.text).toBe(status);
    expect(failed.body.detail).toContain(detail);
    const source = await p.api("GET", `/v1/registry-sources/${id}`);
    expect(source.body.lastSync).toMatchObject({ complete: false, error: failed.body.detail });
    // The lease is given back: the next sync runs (and meets the same upstream).
    expect((await sync(id)).status).toBe(status);
  });

  it("drops a stored cursor the upstream refuses, and starts the run again from its beginning, once", async () => {
    const id = await createSource({ url: upstream.url });
    const stored = UpstreamRegistry.cursor(2);
    upstream.intercept = (_req, res, url) =>
      url.searchParams.get("cursor") === stored && answer({ error: "Try later" }, 503)(_req, res);
    expect((await sync(id)).status).toBe(502);
    expect((await p.api("GET", `/v1/registry-sources/${id}`)).body.resumes.cursor).toBe(stored);

    // The upstream was rebuilt meanwhile: the stored cursor means nothing to it; the ones it answers now do.
    let refusals = 0;
    upstream.intercept = (_req, res, url) =>
      url.searchParams.get("cursor") === stored &&
      refusals++ === 0 &&
      answer({ error: "Invalid cursor parameter" }, 400)(_req, res);
    upstream.requests = [];
    const synced = await sync(id);
    expect(synced.status, synced.text).toBe(200);
    expect(synced.body.complete).toBe(true);
    expect(synced.body.source.lastSync.restarted).toBe(
      "The upstream registry refused the stored cursor (it answered 400); it was dropped and the run started again from the first page.",
    );
    expect(synced.body.source.resumes).toBeUndefined();
    // The refused cursor once, then the run from its first page through every page, each cursor once.
    const cursors = upstream.requests.map((q) => q.get("cursor") ?? undefined);
    expect(cursors.slice(0, 2)).toEqual([stored, undefined]);
    expect(cursors.slice(1)).toEqual(
      Array.from({ length: cursors.length - 1 }, (_, i) =>
        i === 0 ? undefined : UpstreamRegistry.cursor(2 * i),
      ),
    );
    // What the interrupted run imported is read again and skipped.
    expect(synced.body.counts.skippedExists).toBeGreaterThan(0);
  });

  it("ends the run when the upstream refuses a cursor it answered in the same call; the next sync does not send it", async () => {
    const id = await createSource({ url: upstream.url });
    upstream.intercept = (_req, res, url) =>
      url.searchParams.has("cursor") && answer({ error: "Invalid cursor parameter" }, 422)(_req, res);
    upstream.requests = [];
    const failed = await sync(id);
    expect(failed.status, failed.text).toBe(502);
    expect(failed.headers.get("content-type")).toContain("application/problem+json");
    expect(failed.body.detail).toBe(
      "The upstream registry answered 422 to GET /v0.1/servers with the cursor it had answered before. The run was dropped: the next sync starts again from the first page.",
    );
    expect(upstream.requests.map((q) => q.get("cursor") ?? undefined)).toEqual([
      undefined,
      UpstreamRegistry.cursor(2),
    ]);
    const source = await p.api("GET", `/v1/registry-sources/${id}`);
    expect(source.body.resumes).toBeUndefined();
    expect(source.body.lastSync).toMatchObject({ complete: false, error: failed.body.detail });

    upstream.requests = [];
    expect((await sync(id)).status).toBe(502);
    expect(upstream.requests[0]?.has("cursor")).toBe(false);
  });

  it("stops reading a huge answer at the size bound", async () => {
    const id = await createSource({ url: upstream.url });
    let sent = 0;
    upstream.intercept = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"servers": [');
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end("]}");
      };
      pump();
      return true;
    };
    const failed = await sync(id);
    expect(failed.status, failed.text).toBe(502);
    expect(failed.body.detail).toBe(
      "The upstream registry's answer is larger than 4194304 bytes; it was not read.",
    );
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it("judges each entry on its own: odd shapes, `../..` names, declared runtimes and private targets", async () => {
    const id = await createSource({ url: upstream.url });
    const server = (name: string, extra: Record<string, unknown> = {}) => ({
      server: { name, version: "1.0.0", description: "hostile", ...extra },
    });
    upstream.intercept = answer({
      servers: [
        42,
        null,
        { server: 42 },
        server("../.."),
        server("io.github.evil/..", { version: "../../etc" }),
        server(`io.github.evil/${"a".repeat(5000)}`),
        server("io.github.evil/runs-sh", {
          _meta: {
            "dev.mcpflow/registry": { runtime: { transport: "stdio", command: "sh", args: ["-c", "id"] } },
          },
        }),
        server("io.github.evil/metadata", {
          remotes: [{ type: "streamable-http", url: "https://169.254.169.254/mcp" }],
        }),
      ],
    });
    const report = await sync(id);
    expect(report.status, report.text).toBe(200);
    const outcomes = report.body.items.map(
      (i: { name?: string; outcome: string; errors?: { field: string }[] }) => [
        i.name,
        i.outcome,
        i.errors?.map((e) => e.field),
      ],
    );
    expect(outcomes).toEqual([
      [undefined, "refused", undefined],
      [undefined, "refused", undefined],
      [undefined, "refused", ["server"]],
      ["../..", "refused", ["name"]],
      ["io.github.evil/..", "refused", expect.arrayContaining(["name", "version"])],
      [`io.github.evil/${"a".repeat(256 - 15)}`, "refused", ["name"]],
      ["io.github.evil/runs-sh", "imported", undefined],
      ["io.github.evil/metadata", "refused", [expect.stringMatching(/^remotes\.0\.url|^runtime/)]],
    ]);
    expect(report.body.items[6].execution).toMatchObject({ mayRun: false, reason: "not-approved" });
    const listed = await p.api("GET", "/v1/servers?search=evil");
    expect(listed.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual([
      "io.github.evil/runs-sh",
    ]);
  });

  it("gives up an upstream whose cursors never end, after the run's page bound", async () => {
    const id = await createSource({ url: upstream.url });
    let n = 0;
    upstream.intercept = (_req, res) =>
      answer({ servers: [], metadata: { nextCursor: `page-${++n}` } })(_req, res);
    const ctx = await context();
    await expect(syncSource(ctx, id, caller, { limits: { maxRunPages: 5 } })).rejects.toThrow(
      "had more than 5 pages; the sync was given up",
    );
    expect(n).toBe(5);
    // Given up means started over next time, from the watermark, not resumed from the endless cursor.
    const source = await p.api("GET", `/v1/registry-sources/${id}`);
    expect(source.body.resumes).toBeUndefined();
  });

  it("stops a sync call at its time budget with the cursor committed, and the next call goes on", async () => {
    const id = await createSource({ url: upstream.url });
    const ctx = await context();
    let clock = Date.parse("2026-06-01T00:00:00Z");
    // Each reading of the clock is 4 s later: the budget of 10 s is spent after a few pages.
    const now = () => {
      clock += 4_000;
      return new Date(clock);
    };
    upstream.requests = [];
    const first = await syncSource(ctx, id, caller, { limits: { budgetMs: 10_000 }, now });
    expect(first.complete).toBe(false);
    expect(first.source.resumes?.cursor).toBe(UpstreamRegistry.cursor(2 * upstream.requests.length));
    const rest = await syncSource(ctx, id, caller);
    expect(rest.complete).toBe(true);
    expect(upstream.requests.map((q) => q.get("cursor") ?? undefined)).toEqual(
      Array.from({ length: upstream.requests.length }, (_, i) =>
        i === 0 ? undefined : UpstreamRegistry.cursor(2 * i),
      ),
    );
  });

  it("times out an upstream that does not answer, and a second sync of a busy source is a 409", async () => {
    const id = await createSource({ url: upstream.url });
    let hung: ServerResponse | undefined;
    upstream.intercept = (_req, res) => {
      hung = res;
      return true;
    };
    const ctx = await context();
    const slow = syncSource(ctx, id, caller, { limits: { timeoutMs: 1_500 } });
    await vi.waitFor(() => expect(hung).toBeDefined());
    const busy = await sync(id);
    expect(busy.status, busy.text).toBe(409);
    await expect(slow).rejects.toThrow("did not answer within 1.5 s");
    hung?.destroy();
  });
});
