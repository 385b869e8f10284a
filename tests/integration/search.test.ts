// Search over HTTP on the embedded platform: ranking on a fixed corpus, typo and prefix queries, snippets,
// facets, deletions that disappear at once, the registry's `?search=`, a second container catching up through
// the generation counter, workflows indexed through the exported API, and a rebuild from the store on restart.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createServices } from "../../shared/compose.js";
import { getPlatform } from "../../shared/platform.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

const ids = (body: { hits: { type: string; id: string }[] }) => body.hits.map((h) => `${h.type}:${h.id}`);

async function publish(name: string, version: string, extra: Record<string, unknown> = {}) {
  const response = await p.api("POST", "/v1/servers", {
    body: { name, version, description: `The ${name} server`, ...extra },
    role: "editor",
  });
  expect(response.status, response.text).toBe(201);
}

async function createMcd(slug: string, title: string, body: string, tags: string[] = []) {
  const response = await p.api("POST", "/v1/mcds", { body: { slug, title, tags, body }, role: "editor" });
  expect(response.status, response.text).toBe(201);
}

async function find(query: string) {
  const response = await p.api("GET", `/v1/search?${query}`, { role: "viewer" });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

beforeAll(async () => {
  p = await startTestPlatform();
  // The fixed corpus: "weather" in a name and title, in tags and a description, in an MCD title, in a body only.
  await publish("io.corpus/weather", "1.0.0", {
    title: "Weather",
    description: "Current weather conditions and forecasts",
    tags: ["weather", "geo"],
  });
  await publish("io.corpus/maps", "1.0.0", {
    description: "Maps, routes and a weather overlay",
    tags: ["geo"],
  });
  await publish("io.corpus/files", "1.0.0", { description: "Reads and writes local files", tags: ["files"] });
  await createMcd("storm-runbook", "Weather alerts runbook", "What to do when the weather feed is late.", [
    "ops",
  ]);
  await createMcd(
    "release-notes",
    "Release notes",
    "Long notes about many things. Deployments, rollbacks, and once, the <b>weather</b> of the day.",
    ["ops"],
  );
});
afterAll(async () => {
  await p?.cleanup();
});

describe("ranking and matching", () => {
  it("ranks name and title matches above description and body matches", async () => {
    const result = await find("q=weather");
    expect(ids(result)).toEqual([
      "server:io.corpus/weather",
      "mcd:storm-runbook",
      "server:io.corpus/maps",
      "mcd:release-notes",
    ]);
    expect(result.total).toBe(4);
    expect(result.hits[0]).toMatchObject({
      type: "server",
      title: "Weather",
      tags: ["weather", "geo"],
      href: "/v1/servers/io.corpus%2Fweather",
    });
    const scores = result.hits.map((h: { score: number }) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("tolerates typos and finds by prefix", async () => {
    expect(ids(await find("q=wether"))).toContain("server:io.corpus/weather");
    expect(ids(await find("q=weat"))[0]).toBe("server:io.corpus/weather");
    expect(ids(await find("q=runbo"))).toEqual(["mcd:storm-runbook"]);
    expect((await find("q=zzzzqqq")).hits).toEqual([]);
  });

  it("needs every word to match", async () => {
    expect(ids(await find("q=weather%20overlay"))).toEqual(["server:io.corpus/maps"]);
  });

  it("highlights matches in an HTML-escaped snippet", async () => {
    const result = await find("q=weather&type=mcd");
    const notes = result.hits.find((h: { id: string }) => h.id === "release-notes");
    expect(notes.snippet).toContain("&lt;b&gt;<mark>weather</mark>&lt;/b&gt;");
    expect(notes.snippet).not.toContain("<b>");
  });

  it("counts facets by type and tag, and filters by them", async () => {
    const all = await find("q=weather");
    expect(all.facets).toEqual({ type: { server: 2, mcd: 2 }, tag: { weather: 1, geo: 2, ops: 2 } });
    const servers = await find("q=weather&type=server");
    expect(ids(servers)).toEqual(["server:io.corpus/weather", "server:io.corpus/maps"]);
    // The type facet still counts every type, so a UI can offer the others.
    expect(servers.facets.type).toEqual({ server: 2, mcd: 2 });
    expect(servers.facets.tag).toEqual({ weather: 1, geo: 2 });
    expect(ids(await find("q=weather&tag=ops"))).toEqual(["mcd:storm-runbook", "mcd:release-notes"]);
  });

  it("pages with a cursor", async () => {
    const first = await find("q=weather&limit=3");
    expect(first.hits).toHaveLength(3);
    const second = await find(`q=weather&limit=3&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual(["mcd:release-notes"]);
    expect(second.nextCursor).toBeUndefined();
    expect((await p.api("GET", "/v1/search?cursor=nope")).status).toBe(400);
    expect((await p.api("GET", "/v1/search?type=tool")).status).toBe(400);
    expect((await p.api("GET", "/v1/search?q=x", { auth: null })).status).toBe(401);
  });

  it("is what the registry's ?search= uses", async () => {
    const response = await p.api("GET", "/v1/servers?search=wether", { role: "viewer" });
    expect(response.status).toBe(200);
    expect(response.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual([
      "io.corpus/weather",
      "io.corpus/maps",
    ]);
  });
});

describe("freshness", () => {
  it("shows writes at once: a new MCD, an edit, and a new server version", async () => {
    await createMcd("fresh-doc", "Zephyr notes", "Nothing yet.");
    expect(ids(await find("q=zephyr"))).toEqual(["mcd:fresh-doc"]);
    const edited = await p.api("PUT", "/v1/mcds/fresh-doc", {
      body: { title: "Mistral notes", body: "Nothing yet." },
      role: "editor",
      headers: { "if-match": "1" },
    });
    expect(edited.status).toBe(200);
    expect((await find("q=zephyr")).hits).toEqual([]);
    expect(ids(await find("q=mistral"))).toEqual(["mcd:fresh-doc"]);
  });

  it("drops a deleted MCD from results at once", async () => {
    await createMcd("gone-doc", "Sirocco notes", "Hot wind.");
    expect(ids(await find("q=sirocco"))).toEqual(["mcd:gone-doc"]);
    expect((await p.api("DELETE", "/v1/mcds/gone-doc")).status).toBe(204);
    expect((await find("q=sirocco")).hits).toEqual([]);
  });

  it("indexes a server's latest non-deleted version and drops it when every version is deleted", async () => {
    await publish("io.corpus/wind", "1.0.0", { description: "Chinook wind speeds" });
    await publish("io.corpus/wind", "2.0.0", { description: "Foehn wind speeds" });
    expect(ids(await find("q=foehn"))).toEqual(["server:io.corpus/wind"]);
    const patch = (version: string) =>
      p.api("PATCH", `/v1/servers/io.corpus%2Fwind/versions/${version}`, { body: { status: "deleted" } });
    expect((await patch("2.0.0")).status).toBe(200);
    expect((await find("q=foehn")).hits).toEqual([]);
    expect(ids(await find("q=chinook"))).toEqual(["server:io.corpus/wind"]);
    expect((await patch("1.0.0")).status).toBe(200);
    expect((await find("q=chinook")).hits).toEqual([]);
    expect((await p.api("GET", "/v1/servers?search=chinook")).body.servers).toEqual([]);
  });

  it("brings another container's index up to date through the generation counter and change log", async () => {
    const platform = await getPlatform();
    // A second table object has its own in-memory index, as another Lambda container would.
    const other = { ...platform, table: { name: platform.table.name, doc: platform.table.doc } };
    const { search } = createServices(other);
    expect((await search.search({ q: "bora", limit: 10 })).hits).toEqual([]);
    await createMcd("bora-doc", "Bora notes", "Cold wind.");
    expect((await search.search({ q: "bora", limit: 10 })).hits.map((h) => h.id)).toEqual(["bora-doc"]);
    expect((await p.api("DELETE", "/v1/mcds/bora-doc")).status).toBe(204);
    expect((await search.search({ q: "bora", limit: 10 })).hits).toEqual([]);
  });

  it("answers with its length, in one piece (no chunked encoding), as API Gateway does", async () => {
    const response = await p.api("GET", "/v1/search?q=weather", { role: "viewer" });
    expect(response.headers.get("transfer-encoding")).toBeNull();
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(response.text));
  });

  it("answers from the embedded platform's own index with no store read per query (it is the store's only writer)", async () => {
    const platform = await getPlatform();
    const send = vi.spyOn(platform.table.doc, "send");
    try {
      for (const q of ["weather", "routes", "zzzz"]) await find(`q=${q}`);
      // Reads of the generation counter would show here; verifying the caller's token reads nothing either.
      expect(send).not.toHaveBeenCalled();
    } finally {
      send.mockRestore();
    }
  });

  it("shows a save at once in the writing platform's index even when its search change cannot be recorded", async () => {
    const platform = await getPlatform();
    const { doc } = platform.table;
    const original = doc.send.bind(doc) as (...args: unknown[]) => Promise<unknown>;
    // The counter bump fails (a throttled or broken store); the MCD itself is written.
    const send = vi.spyOn(doc, "send").mockImplementation(((
      command: { input?: { Key?: { pk?: string } } },
      ...rest: unknown[]
    ) => {
      if (command.input?.Key?.pk === "SEARCH") return Promise.reject(new Error("counter unavailable"));
      return original(command, ...rest);
    }) as never);
    try {
      await createMcd("tramontane-doc", "Tramontane notes", "A cold wind from the north.");
    } finally {
      send.mockRestore();
    }
    expect(ids(await find("q=tramontane"))).toEqual(["mcd:tramontane-doc"]);
  });

  it("indexes a saved workflow by its description and step tools, and drops it once deleted", async () => {
    const server = await p.api("POST", "/v1/servers", {
      body: {
        name: "io.corpus/digest",
        version: "1.0.0",
        description: "Mail and forecast tools",
        runtime: { transport: "stdio", command: "node", args: ["digest.js"] },
      },
    });
    expect(server.status, server.text).toBe(201);
    const saved = await p.api("POST", "/v1/workflows", {
      body: {
        name: "weather-digest",
        description: "Daily digest of forecasts",
        steps: [
          { id: "fetch", server: "io.corpus/digest", tool: "get_forecast", arguments: { city: "Oslo" } },
          {
            id: "mail",
            server: "io.corpus/digest",
            tool: "send_email",
            depends_on: ["fetch"],
            arguments: {},
          },
        ],
      },
    });
    expect(saved.status, saved.text).toBe(201);
    const result = await find("q=forecast");
    expect(ids(result)).toContain("workflow:weather-digest");
    expect(result.hits.find((h: { type: string }) => h.type === "workflow").href).toBe(
      "/v1/workflows/weather-digest",
    );
    expect(ids(await find("q=send_email"))).toEqual(["workflow:weather-digest"]);
    expect((await p.api("DELETE", "/v1/workflows/weather-digest")).status).toBe(204);
    expect(ids(await find("q=forecast"))).not.toContain("workflow:weather-digest");
  });

  it("rebuilds the index from the store on start", async () => {
    await p.restart();
    p.tokens = Object.fromEntries(
      await Promise.all(
        (["viewer", "operator", "editor", "admin"] as const).map(async (r) => [
          r,
          await p.mintToken({ role: r }),
        ]),
      ),
    );
    expect(ids(await find("q=weather"))).toEqual([
      "server:io.corpus/weather",
      "mcd:storm-runbook",
      "server:io.corpus/maps",
      "mcd:release-notes",
    ]);
    expect((await find("q=chinook")).hits).toEqual([]);
    expect((await find("q=sirocco")).hits).toEqual([]);
  });
});
