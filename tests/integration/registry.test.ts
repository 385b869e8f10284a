// The registry over HTTP on the embedded platform: publish, list with search and facets, pagination, versions and
// latest, status changes, import/export of server.json, and persistence across a restart.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MCPFLOW_META_KEY, SERVER_SCHEMA_URL } from "../../shared/registry/schema.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/registry/${name}`, import.meta.url), "utf8"));

const enc = encodeURIComponent;

function doc(name: string, version: string, extra: Record<string, unknown> = {}) {
  return { name, version, description: `The ${name} server`, ...extra };
}

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

async function publish(body: unknown, role: "editor" | "admin" = "editor") {
  const response = await p.api("POST", "/v1/servers", { body, role });
  expect(response.status, response.text).toBe(201);
  return response;
}

describe("publish", () => {
  it("answers 201 with a Location that serves the stored version", async () => {
    const body = doc("io.github.pub/alpha", "1.0.0", { tags: ["search"], category: "data" });
    const created = await publish(body);
    expect(created.headers.get("location")).toBe(`/v1/servers/${enc("io.github.pub/alpha")}/versions/1.0.0`);
    expect(created.body).toMatchObject({
      server: body,
      status: "active",
      isLatest: true,
      runtimeSource: "none",
    });
    expect(created.body.publishedBy).toBe("user:local-editor");

    const stored = await p.api("GET", created.headers.get("location")!, { role: "viewer" });
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(created.body);
  });

  it("refuses to publish the same version twice (409) and keeps the first", async () => {
    await publish(doc("io.github.pub/beta", "1.0.0"));
    const again = await p.api("POST", "/v1/servers", {
      body: doc("io.github.pub/beta", "1.0.0", { description: "changed" }),
      role: "editor",
    });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    const stored = await p.api("GET", "/v1/servers/io.github.pub/beta/versions/1.0.0");
    expect(stored.body.server.description).toBe("The io.github.pub/beta server");
  });

  it("derives the runtime of real server.json documents: npx, remote URL, OCI image", async () => {
    const fs = await publish(fixture("filesystem.server.json"));
    expect(fs.body.runtimeSource).toBe("derived");
    expect(fs.body.runtime).toMatchObject({
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem@1.0.2", "/Users/username/Desktop"],
    });
    const remote = await publish(fixture("remote-only.server.json"));
    expect(remote.body.runtime).toEqual({
      transport: "streamable-http",
      url: "https://mcp.example.com/weather/mcp",
      headers: { Authorization: { secret: "Authorization" }, "X-Units": "metric" },
    });
    const oci = await publish(fixture("oci.server.json"));
    expect(oci.body.runtime).toMatchObject({
      transport: "stdio",
      image: "docker.io/example/mcp-docker-tools:0.3.1",
    });
  });
});

describe("list, search and facets", () => {
  const names = Array.from({ length: 7 }, (_, i) => `com.facets/srv-${i}`);

  beforeAll(async () => {
    for (const [i, name] of names.entries()) {
      await publish(
        doc(name, "1.0.0", {
          description: i % 2 === 0 ? "Talks to a weather API" : "Reads files",
          tags: i % 2 === 0 ? ["weather", "facetsuite"] : ["files", "facetsuite"],
          category: i < 3 ? "facet-a" : "facet-b",
        }),
      );
    }
  });

  it("counts facets over the whole match, not only the page", async () => {
    const page = await p.api("GET", "/v1/servers?tag=facetsuite&limit=2", { role: "viewer" });
    expect(page.status).toBe(200);
    expect(page.body.servers).toHaveLength(2);
    expect(page.body.total).toBe(7);
    expect(page.body.facets).toEqual({
      tags: { facetsuite: 7, weather: 4, files: 3 },
      categories: { "facet-a": 3, "facet-b": 4 },
    });
    expect(page.body.nextCursor).toEqual(expect.any(String));
  });

  it("searches name, description and tags, and narrows by tag and category", async () => {
    const search = await p.api("GET", "/v1/servers?search=WEATHER%20API&tag=facetsuite", { role: "viewer" });
    expect(search.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual([
      "com.facets/srv-0",
      "com.facets/srv-2",
      "com.facets/srv-4",
      "com.facets/srv-6",
    ]);
    expect(search.body.facets.tags).toEqual({ facetsuite: 4, weather: 4 });
    const narrowed = await p.api("GET", "/v1/servers?tag=files&category=facet-a", { role: "viewer" });
    expect(narrowed.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual([
      "com.facets/srv-1",
    ]);
    const none = await p.api("GET", "/v1/servers?search=no-such-thing-anywhere", { role: "viewer" });
    expect(none.body).toEqual({ servers: [], facets: { tags: {}, categories: {} }, total: 0 });
  });
});

describe("pagination", () => {
  // Mixed case and punctuation: the cursor must follow the very order the pages are sorted in.
  const names = [
    "page.walk/a0",
    "page.walk/B0",
    "page.walk/b-x",
    "page.walk/b.x",
    "page.walk/b_x",
    "Page.walk/c0",
    "page.Walk/d0",
    "page-walk/e0",
    "page.walk/Z0",
    "page.walk/z0",
    "page.walk/00",
    "page.walk/9z",
  ];

  beforeAll(async () => {
    for (const name of names) await publish(doc(name, "1.0.0", { tags: ["pagewalk"] }));
  });

  it.each([1, 2, 5, 100])("walks every server exactly once with limit=%i", async (limit) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `tag=pagewalk&limit=${limit}${cursor ? `&cursor=${enc(cursor)}` : ""}`;
      const page = await p.api("GET", `/v1/servers?${query}`, { role: "viewer" });
      expect(page.status, page.text).toBe(200);
      expect(page.body.servers.length).toBeLessThanOrEqual(limit);
      expect(page.body.total).toBe(names.length);
      seen.push(...page.body.servers.map((s: { server: { name: string } }) => s.server.name));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen).toHaveLength(names.length);
    expect(new Set(seen)).toEqual(new Set(names));
    expect(pages).toBe(Math.ceil(names.length / limit));
  });
});

describe("versions and latest", () => {
  const name = "io.github.ver/semver";

  beforeAll(async () => {
    for (const version of ["1.9.0", "1.10.0", "2.0.0-beta.1", "1.2.0"]) await publish(doc(name, version));
  });

  it("makes 1.10.0 latest over 1.9.0 and never the pre-release while a release exists", async () => {
    const latest = await p.api("GET", `/v1/servers/${enc(name)}`, { role: "viewer" });
    expect(latest.status).toBe(200);
    expect(latest.body.server.version).toBe("1.10.0");
    expect(latest.body.isLatest).toBe(true);
  });

  it("lists versions newest first with exactly one isLatest", async () => {
    const versions = await p.api("GET", `/v1/servers/${enc(name)}/versions`, { role: "viewer" });
    expect(versions.body.versions.map((v: { server: { version: string } }) => v.server.version)).toEqual([
      "2.0.0-beta.1",
      "1.10.0",
      "1.9.0",
      "1.2.0",
    ]);
    expect(versions.body.versions.map((v: { isLatest: boolean }) => v.isLatest)).toEqual([
      false,
      true,
      false,
      false,
    ]);
    const one = await p.api("GET", `/v1/servers/${name}/versions/2.0.0-beta.1`, { role: "viewer" });
    expect(one.body.isLatest).toBe(false);
  });

  it("makes a pre-release latest only when there is no release at all", async () => {
    await publish(doc("io.github.ver/pre-only", "3.0.0-alpha.1"));
    await publish(doc("io.github.ver/pre-only", "3.0.0-alpha.2"));
    const latest = await p.api("GET", "/v1/servers/io.github.ver%2Fpre-only", { role: "viewer" });
    expect(latest.body.server.version).toBe("3.0.0-alpha.2");
  });

  it("answers 404 for an unknown server or version", async () => {
    expect((await p.api("GET", "/v1/servers/io.github.ver%2Fnope")).status).toBe(404);
    expect((await p.api("GET", "/v1/servers/io.github.ver%2Fnope/versions")).status).toBe(404);
    expect((await p.api("GET", `/v1/servers/${enc(name)}/versions/9.9.9`)).status).toBe(404);
  });
});

describe("status changes", () => {
  const name = "io.github.status/svc";

  beforeAll(async () => {
    for (const version of ["1.0.0", "1.1.0", "1.2.0"])
      await publish(doc(name, version, { tags: ["statussuite"] }));
  });

  it("changes only status and statusMessage", async () => {
    const before = await p.api("GET", `/v1/servers/${enc(name)}/versions/1.0.0`);
    const patched = await p.api("PATCH", `/v1/servers/${enc(name)}/versions/1.0.0`, {
      role: "editor",
      body: { status: "deprecated", statusMessage: "use 1.2.0" },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.status).toBe("deprecated");
    expect(patched.body.statusMessage).toBe("use 1.2.0");
    expect(patched.body.server).toEqual(before.body.server);
    expect(patched.body.publishedAt).toBe(before.body.publishedAt);
    expect(patched.body.publishedBy).toBe(before.body.publishedBy);
    const rejected = await p.api("PATCH", `/v1/servers/${enc(name)}/versions/1.0.0`, {
      role: "editor",
      body: { status: "active", description: "sneaky" },
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.errors[0].field).toBe("body");
    const after = await p.api("GET", `/v1/servers/${enc(name)}/versions/1.0.0`);
    expect(after.body.server.description).toBe(before.body.server.description);
    expect(after.body.status).toBe("deprecated");
  });

  it("lets only an admin delete a version (editor gets 403 and nothing changes)", async () => {
    const editor = await p.api("PATCH", `/v1/servers/${enc(name)}/versions/1.2.0`, {
      role: "editor",
      body: { status: "deleted" },
    });
    expect(editor.status).toBe(403);
    expect((await p.api("GET", `/v1/servers/${enc(name)}/versions/1.2.0`)).body.status).toBe("active");
  });

  it("hides a deleted version from lists and versions unless include_deleted=true, and moves latest off it", async () => {
    const deleted = await p.api("PATCH", `/v1/servers/${enc(name)}/versions/1.2.0`, {
      role: "admin",
      body: { status: "deleted", statusMessage: "withdrawn" },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.isLatest).toBe(false);

    const latest = await p.api("GET", `/v1/servers/${enc(name)}`, { role: "viewer" });
    expect(latest.body.server.version).toBe("1.1.0");
    const versions = await p.api("GET", `/v1/servers/${enc(name)}/versions`, { role: "viewer" });
    expect(versions.body.versions.map((v: { server: { version: string } }) => v.server.version)).toEqual([
      "1.1.0",
      "1.0.0",
    ]);
    const all = await p.api("GET", `/v1/servers/${enc(name)}/versions?include_deleted=true`, {
      role: "viewer",
    });
    expect(all.body.versions.map((v: { status: string }) => v.status)).toEqual([
      "deleted",
      "active",
      "deprecated",
    ]);
  });

  it("hides a server whose every version is deleted, unless include_deleted=true", async () => {
    const gone = "io.github.status/gone";
    await publish(doc(gone, "1.0.0", { tags: ["statusgone"] }));
    await p.api("PATCH", `/v1/servers/${enc(gone)}/versions/1.0.0`, { body: { status: "deleted" } });
    expect((await p.api("GET", "/v1/servers?tag=statusgone")).body.total).toBe(0);
    expect((await p.api("GET", `/v1/servers/${enc(gone)}`)).status).toBe(404);
    const listed = await p.api("GET", "/v1/servers?tag=statusgone&include_deleted=true");
    expect(listed.body.servers.map((s: { status: string }) => s.status)).toEqual(["deleted"]);
    expect((await p.api("GET", `/v1/servers/${enc(gone)}?include_deleted=true`)).body.status).toBe("deleted");
  });

  it("answers 404 when patching a version that does not exist, and creates nothing", async () => {
    const missing = await p.api("PATCH", `/v1/servers/${enc(name)}/versions/7.0.0`, {
      body: { status: "active" },
    });
    expect(missing.status).toBe(404);
    expect((await p.api("GET", `/v1/servers/${enc(name)}/versions/7.0.0`)).status).toBe(404);
  });
});

describe("import and export", () => {
  it("exports the official format with mcpflow fields under _meta", async () => {
    const runtime = { transport: "stdio", command: "node", args: ["server.js"] };
    const body = doc("io.github.exp/one", "1.0.0", {
      tags: ["export"],
      category: "tools",
      runtime,
      _meta: { "com.example/other": { keep: true } },
    });
    await publish(body);
    const exported = await p.api("GET", "/v1/servers/io.github.exp%2Fone/versions/1.0.0/server.json", {
      role: "viewer",
    });
    expect(exported.status).toBe(200);
    expect(exported.body).toEqual({
      $schema: SERVER_SCHEMA_URL,
      name: "io.github.exp/one",
      version: "1.0.0",
      description: body.description,
      _meta: {
        "com.example/other": { keep: true },
        [MCPFLOW_META_KEY]: { tags: ["export"], category: "tools", runtime },
      },
    });
  });

  it("round-trips export -> import into a fresh platform -> export", async () => {
    const official = fixture("filesystem.server.json");
    const exported = (
      await p.api("GET", `/v1/servers/${enc(String(official.name))}/versions/1.0.2/server.json`)
    ).body;
    const other = (await p.api("GET", "/v1/servers/io.github.exp%2Fone/versions/1.0.0/server.json")).body;
    expect(exported).toEqual(official);

    const fresh = await startTestPlatformElsewhere();
    try {
      const imported = await fresh.api("POST", "/v1/servers/import", {
        body: [exported, other],
        role: "editor",
      });
      expect(imported.status, imported.text).toBe(200);
      expect(imported.body).toMatchObject({ created: 2, exists: 0, invalid: 0 });
      const again = await fresh.api(
        "GET",
        `/v1/servers/${enc(String(official.name))}/versions/1.0.2/server.json`,
      );
      expect(again.body).toEqual(exported);
      const againOther = await fresh.api("GET", "/v1/servers/io.github.exp%2Fone/versions/1.0.0/server.json");
      expect(againOther.body).toEqual(other);
      const record = await fresh.api("GET", "/v1/servers/io.github.exp%2Fone");
      expect(record.body.server.tags).toEqual(["export"]);
      expect(record.body.runtimeSource).toBe("declared");
    } finally {
      await fresh.cleanup();
    }
  });

  it("round-trips under a new name on the same platform", async () => {
    const exported = (await p.api("GET", "/v1/servers/io.github.exp%2Fone/versions/1.0.0/server.json")).body;
    const renamed = { ...exported, name: "io.github.exp/renamed" };
    const imported = await p.api("POST", "/v1/servers/import", { body: renamed, role: "editor" });
    expect(imported.body.results).toEqual([
      { index: 0, name: "io.github.exp/renamed", version: "1.0.0", outcome: "created" },
    ]);
    const again = await p.api("GET", "/v1/servers/io.github.exp%2Frenamed/versions/1.0.0/server.json");
    expect(again.body).toEqual(renamed);
  });

  it("answers per item: created, exists, invalid with the reason", async () => {
    const good = doc("io.github.imp/good", "1.0.0");
    const imported = await p.api("POST", "/v1/servers/import", {
      role: "editor",
      body: [
        good,
        good,
        doc("no-slash", "1.0.0"),
        doc("io.github.imp/range", "^1.0.0"),
        { ...doc("io.github.imp/unknown", "1.0.0"), colour: "blue" },
        "not an object",
      ],
    });
    expect(imported.status).toBe(200);
    const { results } = imported.body;
    expect(results.map((r: { outcome: string }) => r.outcome)).toEqual([
      "created",
      "exists",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
    ]);
    expect(results[2].errors).toEqual([{ field: "name", rule: expect.stringContaining("namespace/name") }]);
    expect(results[3].errors[0].field).toBe("version");
    expect(results[4].errors[0].rule).toContain("colour");
    expect(results[5].errors[0].field).toBe("server");
    expect(imported.body).toMatchObject({ created: 1, exists: 1, invalid: 4 });
    expect((await p.api("GET", "/v1/servers/io.github.imp%2Frange")).status).toBe(404);
  });

  it("accepts an official registry list response {servers:[{server,_meta}]}", async () => {
    const imported = await p.api("POST", "/v1/servers/import", {
      role: "editor",
      body: fixture("registry-list.json"),
    });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body).toMatchObject({ created: 2, exists: 0, invalid: 0 });
    const one = await p.api("GET", "/v1/servers/io.github.example%2Flisted-one");
    expect(one.body.runtime).toEqual({ transport: "stdio", command: "uvx", args: ["listed-one==1.0.0"] });
    const two = await p.api("GET", "/v1/servers/io.github.example%2Flisted-two");
    expect(two.body.runtime).toEqual({
      transport: "streamable-http",
      url: "https://listed-two.example.com/mcp",
    });
  });
});

async function startTestPlatformElsewhere(): Promise<TestPlatform> {
  // The embedded platform is a process-wide singleton (setPlatform), so the fresh platform takes over while this
  // test runs and the original one is restarted on its own data afterwards.
  await p.stop();
  const fresh = await startTestPlatform();
  const cleanup = fresh.cleanup;
  fresh.cleanup = async () => {
    await cleanup();
    await p.restart();
  };
  return fresh;
}

describe("persistence", () => {
  it("keeps every record across a restart", async () => {
    const before = await p.api("GET", "/v1/servers?limit=100&include_deleted=true");
    const versionsBefore = await p.api(
      "GET",
      "/v1/servers/io.github.status%2Fsvc/versions?include_deleted=true",
    );
    await p.restart();
    const after = await p.api("GET", "/v1/servers?limit=100&include_deleted=true");
    expect(after.body).toEqual(before.body);
    const versionsAfter = await p.api(
      "GET",
      "/v1/servers/io.github.status%2Fsvc/versions?include_deleted=true",
    );
    expect(versionsAfter.body).toEqual(versionsBefore.body);
  });
});
