// Every API function that saves or deletes (registry, workflows, MCDs) keeps search and reverse links in step when
// it is loaded alone, as Lambda loads it: each function gets a fresh module graph and is called with an API
// Gateway event. The search function runs in its own graph too, with an index built before the save, so a save
// that records no search change (or a function that misses a follow-up) leaves it stale and the test fails.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Role } from "../../shared/identity/roles.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

type Area = "registry" | "workflows" | "mcds" | "search";
type Call = (
  method: string,
  path: string,
  options?: { body?: unknown; role?: Role },
) => Promise<{ status: number; body: any }>;

const modules: Record<Area, () => Promise<{ handler: unknown }>> = {
  registry: () => import("../../functions/api/registry.js"),
  workflows: () => import("../../functions/api/workflows.js"),
  mcds: () => import("../../functions/api/mcds.js"),
  search: () => import("../../functions/api/search.js"),
};

let p: TestPlatform;
let platform: Platform;

beforeAll(async () => {
  p = await startTestPlatform();
  platform = await getPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

/** One Lambda container: the function's module graph loaded from scratch, on the test's platform. */
async function container(area: Area): Promise<Call> {
  vi.resetModules();
  const fresh = await import("../../shared/platform.js");
  fresh.setPlatform(platform);
  const { handler } = (await modules[area]()) as {
    handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
  };
  return async (method, path, options = {}) => {
    const [pathname, search = ""] = path.split("?");
    const response = await handler(
      {
        httpMethod: method,
        path: pathname,
        headers: {
          authorization: `Bearer ${p.tokens[options.role ?? "admin"]}`,
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        queryStringParameters: search ? Object.fromEntries(new URLSearchParams(search)) : null,
        body: options.body !== undefined ? JSON.stringify(options.body) : null,
        isBase64Encoded: false,
        requestContext: { requestId: `follow-ups-${area}` },
      },
      { awsRequestId: `follow-ups-${area}`, getRemainingTimeInMillis: () => 10_000 },
    );
    return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
  };
}

/** What another container's index finds for `q`, as `type:id`. */
async function hits(search: Call, q: string): Promise<string[]> {
  const response = await search("GET", `/v1/search?q=${q}`);
  expect(response.status).toBe(200);
  return response.body.hits.map((hit: { type: string; id: string }) => `${hit.type}:${hit.id}`);
}

const SERVER = "io.follow/tools";
const serverPath = `/v1/servers/${encodeURIComponent(SERVER)}`;

describe("each saving function, loaded alone, keeps search and references in step", () => {
  it("registry: a publish and a delete reach another container's index", async () => {
    const search = await container("search");
    expect(await hits(search, "zephyrine")).toEqual([]);
    const registry = await container("registry");
    const published = await registry("POST", "/v1/servers", {
      body: {
        name: SERVER,
        version: "1.0.0",
        description: "zephyrine tools",
        runtime: { transport: "stdio", command: "node", args: ["tools.js"] },
      },
    });
    expect(published.status).toBe(201);
    expect(await hits(search, "zephyrine")).toEqual([`server:${SERVER}`]);

    const second = await registry("POST", "/v1/servers", {
      body: { name: "io.follow/gone", version: "1.0.0", description: "quillwort server" },
    });
    expect(second.status).toBe(201);
    expect(await hits(search, "quillwort")).toEqual(["server:io.follow/gone"]);
    const deleted = await registry(
      "PATCH",
      `/v1/servers/${encodeURIComponent("io.follow/gone")}/versions/1.0.0`,
      {
        body: { status: "deleted" },
      },
    );
    expect(deleted.status).toBe(200);
    expect(await hits(search, "quillwort")).toEqual([]);
  });

  it("workflows: a save is searchable and listed under its server; a delete undoes both", async () => {
    const search = await container("search");
    expect(await hits(search, "marrowind")).toEqual([]);
    const workflows = await container("workflows");
    const saved = await workflows("POST", "/v1/workflows", {
      body: {
        name: "follow-flow",
        description: "marrowind digest",
        steps: [{ id: "one", server: SERVER, tool: "tick" }],
      },
    });
    expect(saved.status).toBe(201);
    expect(await hits(search, "marrowind")).toEqual(["workflow:follow-flow"]);
    const registry = await container("registry");
    expect((await registry("GET", `${serverPath}/references`)).body.workflows).toEqual([
      { type: "workflow", id: "follow-flow", title: "marrowind digest" },
    ]);

    expect((await workflows("DELETE", "/v1/workflows/follow-flow")).status).toBe(204);
    expect(await hits(search, "marrowind")).toEqual([]);
    expect((await registry("GET", `${serverPath}/references`)).body.workflows).toEqual([]);
  });

  it("mcds: a save is searchable and listed under what it links to; a delete undoes both", async () => {
    const workflows = await container("workflows");
    const target = await workflows("POST", "/v1/workflows", {
      body: { name: "follow-target", steps: [{ id: "one", server: SERVER, tool: "tick" }] },
    });
    expect(target.status).toBe(201);
    const search = await container("search");
    expect(await hits(search, "brackenfold")).toEqual([]);
    const mcds = await container("mcds");
    const created = await mcds("POST", "/v1/mcds", {
      body: {
        slug: "follow-doc",
        title: "Follow doc",
        body: "# brackenfold\n",
        links: { servers: [SERVER], workflows: ["follow-target"] },
      },
    });
    expect(created.status).toBe(201);
    expect(await hits(search, "brackenfold")).toEqual(["mcd:follow-doc"]);
    const reference = { type: "mcd", id: "follow-doc", title: "Follow doc" };
    const registry = await container("registry");
    expect((await registry("GET", `${serverPath}/references`)).body.mcds).toEqual([reference]);
    expect((await workflows("GET", "/v1/workflows/follow-target/references")).body.mcds).toEqual([reference]);

    expect((await mcds("DELETE", "/v1/mcds/follow-doc")).status).toBe(204);
    expect(await hits(search, "brackenfold")).toEqual([]);
    expect((await registry("GET", `${serverPath}/references`)).body.mcds).toEqual([]);
    expect((await workflows("GET", "/v1/workflows/follow-target/references")).body.mcds).toEqual([]);
  });
});
