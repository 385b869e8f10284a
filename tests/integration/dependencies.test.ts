// The dependency map and the impact of a change, against the embedded platform with a real MCP server whose two
// versions differ as a release can (tests/fixtures/mcp/toolset-server.mjs: v2 drops `shout` and makes greet need
// `lang`): which workflow versions pin which server versions, which MCDs describe what, and what deleting,
// deprecating or moving to v2 would break. Hostile queries are 4xx naming the field.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliFor } from "../helpers/cli.js";
import { publishServer, REPO_ROOT, saveWorkflow } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const TOOLSET = "io.github.mcpflow-tests/toolset";
const toolset = encodeURIComponent(TOOLSET);
const SCRIPT = join(REPO_ROOT, "tests/fixtures/mcp/toolset-server.mjs");

const toolsetVersion = (version: string, toolsetArg: string) => ({
  name: TOOLSET,
  version,
  description: "Greets and shouts; v2 changed its tools",
  runtime: { transport: "stdio", command: process.execPath, args: [SCRIPT, toolsetArg] },
});

beforeAll(async () => {
  p = await startTestPlatform();
  await publishServer(p, toolsetVersion("1.0.0", "v1"));
  await publishServer(p, toolsetVersion("2.0.0", "v2"));
  await publishServer(p, toolsetVersion("3.0.0", "v2"), { probe: false });
  // greeter v1 pins 1.0.0 (greet and shout); greeter v2 moved to 2.0.0 (greet with lang). other v1 pins 1.0.0.
  await saveWorkflow(p, {
    name: "greeter",
    description: "Greets, then shouts",
    steps: [
      { id: "hello", server: `${TOOLSET}@1.0.0`, tool: "greet", arguments: { name: "{{ input.name }}" } },
      {
        id: "loud",
        server: `${TOOLSET}@1.0.0`,
        tool: "shout",
        arguments: { text: "hi" },
        depends_on: ["hello"],
      },
    ],
  });
  const v2 = await p.api("PUT", "/v1/workflows/greeter", {
    role: "editor",
    body: {
      name: "greeter",
      description: "Greets in a language",
      steps: [
        { id: "hello", server: `${TOOLSET}@2.0.0`, tool: "greet", arguments: { name: "Ada", lang: "en" } },
      ],
    },
  });
  expect(v2.status, v2.text).toBe(200);
  await saveWorkflow(p, {
    name: "other",
    steps: [{ id: "hi", server: `${TOOLSET}@1.0.0`, tool: "greet", arguments: { name: "Bob" } }],
  });
  for (const mcd of [
    {
      slug: "toolset-guide",
      title: "Toolset guide",
      body: "# Toolset\n\nCall `shout` to upper-case.\n",
      links: { servers: [TOOLSET] },
    },
    { slug: "greeter-notes", title: "Greeter notes", body: "# Notes\n", links: { workflows: ["greeter"] } },
    { slug: "unrelated", title: "Unrelated", body: "# Nothing\n" },
  ]) {
    const saved = await p.api("POST", "/v1/mcds", { role: "editor", body: mcd });
    expect(saved.status, saved.text).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await p?.cleanup();
});

describe("the dependency map", () => {
  it("lists every workflow version with the server versions it pins, the MCDs' links, and each pinned version's status", async () => {
    const map = await p.api("GET", "/v1/dependencies", { role: "viewer" });
    expect(map.status, map.text).toBe(200);
    expect(map.body.workflows).toEqual([
      {
        name: "greeter",
        description: "Greets in a language",
        latestVersion: 2,
        versions: [
          { version: 2, isLatest: true, servers: [{ name: TOOLSET, version: "2.0.0" }] },
          { version: 1, isLatest: false, servers: [{ name: TOOLSET, version: "1.0.0" }] },
        ],
      },
      {
        name: "other",
        latestVersion: 1,
        versions: [{ version: 1, isLatest: true, servers: [{ name: TOOLSET, version: "1.0.0" }] }],
      },
    ]);
    expect(map.body.mcds.map((m: { slug: string }) => m.slug)).toEqual([
      "greeter-notes",
      "toolset-guide",
      "unrelated",
    ]);
    expect(map.body.mcds.find((m: { slug: string }) => m.slug === "greeter-notes").links.workflows).toEqual([
      "greeter",
    ]);
    expect(map.body.servers).toEqual([
      {
        name: TOOLSET,
        latestVersion: "3.0.0",
        versions: [
          { version: "2.0.0", status: "active", isLatest: false },
          { version: "1.0.0", status: "active", isLatest: false },
        ],
      },
    ]);
    expect(map.body.nextCursor).toBeUndefined();
  });

  it("pages with the shared cursor: every source once, in one order", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await p.api("GET", `/v1/dependencies?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
        role: "viewer",
      });
      expect(page.status, page.text).toBe(200);
      expect(page.body.workflows.length + page.body.mcds.length).toBeLessThanOrEqual(2);
      seen.push(
        ...page.body.mcds.map((m: any) => `mcd:${m.slug}`),
        ...page.body.workflows.map((w: any) => `workflow:${w.name}`),
      );
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      "mcd:greeter-notes",
      "mcd:toolset-guide",
      "mcd:unrelated",
      "workflow:greeter",
      "workflow:other",
    ]);
  });

  it("filters by server and version, by workflow, by MCD and by type", async () => {
    const pinning = await p.api("GET", `/v1/dependencies?server=${toolset}&version=1.0.0`, {
      role: "viewer",
    });
    expect(pinning.status, pinning.text).toBe(200);
    expect(pinning.body.workflows.map((w: any) => [w.name, w.versions.map((v: any) => v.version)])).toEqual([
      ["greeter", [1]],
      ["other", [1]],
    ]);
    expect(pinning.body.mcds.map((m: any) => m.slug)).toEqual(["toolset-guide"]);
    expect(pinning.body.servers[0].versions.map((v: any) => v.version)).toEqual(["1.0.0"]);

    const greeter = await p.api("GET", "/v1/dependencies?workflow=greeter", { role: "viewer" });
    expect(greeter.body.workflows.map((w: any) => w.name)).toEqual(["greeter"]);
    expect(greeter.body.mcds.map((m: any) => m.slug)).toEqual(["greeter-notes"]);

    const mcd = await p.api("GET", "/v1/dependencies?mcd=unrelated", { role: "viewer" });
    expect(mcd.body).toEqual({
      workflows: [],
      mcds: [expect.objectContaining({ slug: "unrelated" })],
      servers: [],
    });

    const onlyWorkflows = await p.api("GET", "/v1/dependencies?type=workflow", { role: "viewer" });
    expect(onlyWorkflows.body.mcds).toEqual([]);
    expect(onlyWorkflows.body.workflows).toHaveLength(2);
  });

  it("refuses hostile queries with a 4xx problem naming the field, never a 500", async () => {
    for (const [query, status, field] of [
      ["bogus=1", 400, "unknown query parameter(s): bogus"],
      ["limit=0", 400, "query.limit"],
      ["limit=101", 400, "query.limit"],
      ["cursor=not-a-cursor", 400, "query.cursor"],
      [
        `cursor=${Buffer.from(JSON.stringify({ pk: "SERVER#x", sk: "HEAD" })).toString("base64url")}`,
        400,
        "query.cursor",
      ],
      ["server=%3Cscript%3E", 400, "query.server"],
      ["workflow=Not_A_Name", 400, "query.workflow"],
      ["type=server", 400, "query.type"],
      ["version=1.0.0", 422, "query.version"],
    ] as const) {
      const answer = await p.api("GET", `/v1/dependencies?${query}`, { role: "viewer" });
      expect(answer.status, `${query}: ${answer.text}`).toBe(status);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(JSON.stringify(answer.body.errors), query).toContain(field);
    }
    expect((await p.api("GET", "/v1/dependencies", { auth: null })).status).toBe(401);
  });
});

describe("impact before a change", () => {
  it("deleting a version lists the workflow versions that pin it, latest or not, and the MCDs that describe it; the delete is refused as it says", async () => {
    const impact = await p.api(
      "GET",
      `/v1/dependencies/impact?server=${toolset}&version=1.0.0&change=delete`,
      {
        role: "viewer",
      },
    );
    expect(impact.status, impact.text).toBe(200);
    expect(impact.body).toMatchObject({ server: TOOLSET, version: "1.0.0", change: "delete", blocked: true });
    expect(impact.body.workflows).toEqual([
      {
        name: "greeter",
        version: 1,
        isLatest: false,
        pins: "1.0.0",
        steps: [
          { id: "hello", tool: "greet" },
          { id: "loud", tool: "shout" },
        ],
      },
      { name: "other", version: 1, isLatest: true, pins: "1.0.0", steps: [{ id: "hi", tool: "greet" }] },
    ]);
    expect(impact.body.mcds).toEqual([{ slug: "toolset-guide", title: "Toolset guide", version: 1 }]);
    // The guard of issue 11 still decides: the delete is refused naming the same workflows.
    const refused = await p.api("PATCH", `/v1/servers/${toolset}/versions/1.0.0`, {
      body: { status: "deleted" },
    });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.workflows).toEqual(["greeter", "other"]);
  });

  it("deprecating the version only the latest workflow version pins lists that one; a version nothing pins lists none and may be deleted", async () => {
    const impact = await p.api(
      "GET",
      `/v1/dependencies/impact?server=${toolset}&version=2.0.0&change=deprecate`,
      {
        role: "viewer",
      },
    );
    expect(impact.status, impact.text).toBe(200);
    expect(impact.body.blocked).toBe(false);
    expect(impact.body.workflows.map((w: any) => [w.name, w.version, w.isLatest])).toEqual([
      ["greeter", 2, true],
    ]);
    const free = await p.api("GET", `/v1/dependencies/impact?server=${toolset}&version=3.0.0`, {
      role: "viewer",
    });
    expect(free.body).toMatchObject({ change: "delete", workflows: [], blocked: false });
    const deleted = await p.api("PATCH", `/v1/servers/${toolset}/versions/3.0.0`, {
      body: { status: "deleted" },
    });
    expect(deleted.status, deleted.text).toBe(200);
  });

  it("a tool change (moving to 2.0.0's tools) lists the workflow versions whose steps would fail, why, and the MCDs that name a changed tool", async () => {
    const impact = await p.api(
      "GET",
      `/v1/dependencies/impact?server=${toolset}&version=2.0.0&change=tools`,
      {
        role: "viewer",
      },
    );
    expect(impact.status, impact.text).toBe(200);
    expect(impact.body.changedTools).toEqual(["greet", "shout"]);
    const byWorkflow = Object.fromEntries(
      impact.body.workflows.map((w: any) => [`${w.name}@${w.version}`, w]),
    );
    // greeter v2 already fits 2.0.0's tools; v1 and other v1 do not.
    expect(Object.keys(byWorkflow).sort()).toEqual(["greeter@1", "other@1"]);
    const greeter = byWorkflow["greeter@1"];
    expect(greeter.isLatest).toBe(false);
    expect(greeter.pins).toBe("1.0.0");
    expect(greeter.steps.map((s: any) => s.id)).toEqual(["hello", "loud"]);
    expect(greeter.steps[0].issues).toEqual([
      { field: "steps.hello.arguments.lang", rule: "is required by the tool" },
    ]);
    expect(greeter.steps[1].issues[0].field).toBe("steps.loud.tool");
    expect(greeter.steps[1].issues[0].rule).toContain('unknown tool "shout"');
    expect(byWorkflow["other@1"].isLatest).toBe(true);
    expect(impact.body.mcds).toEqual([
      { slug: "toolset-guide", title: "Toolset guide", version: 1, mentions: ["shout"] },
    ]);
  });

  it("answers 404 for a version that does not exist, 422 naming `query.version` for tools never probed, 400 for an unknown change", async () => {
    const missing = await p.api("GET", `/v1/dependencies/impact?server=${toolset}&version=9.9.9`, {
      role: "viewer",
    });
    expect(missing.status, missing.text).toBe(404);
    await publishServer(p, toolsetVersion("4.0.0", "v1"), { probe: false });
    const unprobed = await p.api(
      "GET",
      `/v1/dependencies/impact?server=${toolset}&version=4.0.0&change=tools`,
      {
        role: "viewer",
      },
    );
    expect(unprobed.status, unprobed.text).toBe(422);
    expect(unprobed.body.errors).toEqual([
      { field: "query.version", rule: "must be probed before its tools can be compared" },
    ]);
    const bogus = await p.api(
      "GET",
      `/v1/dependencies/impact?server=${toolset}&version=1.0.0&change=explode`,
      {
        role: "viewer",
      },
    );
    expect(bogus.status).toBe(400);
    expect(JSON.stringify(bogus.body.errors)).toContain("query.change");
    const noServer = await p.api("GET", "/v1/dependencies/impact?version=1.0.0", { role: "viewer" });
    expect(noServer.status).toBe(400);
    expect(noServer.body.errors.map((e: { field: string }) => e.field)).toEqual(["query.server"]);
    const range = await p.api("GET", `/v1/dependencies/impact?server=${toolset}&version=%5E1.0.0`, {
      role: "viewer",
    });
    expect(range.status).toBe(400);
    expect([...new Set(range.body.errors.map((e: { field: string }) => e.field))]).toEqual(["query.version"]);
    const extra = await p.api("GET", `/v1/dependencies/impact?server=${toolset}&version=1.0.0&dryRun=1`, {
      role: "viewer",
    });
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toEqual([{ field: "query", rule: "unknown query parameter(s): dryRun" }]);
  });
});

describe("the CLI", () => {
  it("prints the impact of a tool change as rows, and lists who pins a version before refusing its delete", async () => {
    const cli = await cliFor(p.url);
    const env = { MCPFLOW_TOKEN: p.tokens.admin };
    const tools = await cli.run(["server", "impact", TOOLSET, "2.0.0", "--change", "tools"], { env });
    expect(tools.code, tools.stderr).toBe(0);
    expect(tools.stdout).toContain("greeter");
    expect(tools.stdout).toContain("steps.loud.tool");
    expect(tools.stderr).toContain("changed tools: greet, shout");
    expect(tools.stderr).toContain("MCDs: toolset-guide (names shout)");
    const asJson = await cli.run(["server", "impact", TOOLSET, "1.0.0", "-o", "json"], { env });
    expect(JSON.parse(asJson.stdout)).toMatchObject({ change: "delete", blocked: true });
    const refused = await cli.run(["server", "status", TOOLSET, "1.0.0", "deleted"], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("pinned by greeter v1");
    expect(refused.stderr).toContain("pinned by other v1 (latest)");
    expect(refused.stderr).toContain("a delete is refused while workflows pin the version");
    const bad = await cli.run(["server", "impact", TOOLSET, "1.0.0", "--change", "explode"], { env });
    expect(bad.code).toBe(2);
  }, 180_000);
});
