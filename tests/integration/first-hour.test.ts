// What a new user meets in the first hour (issue 12): `/` says where to go, an MCD's page opens in a browser,
// unknown query parameters are refused like unknown body fields, and validation messages name the field and the
// rule instead of zod's internals. Against the embedded platform over HTTP; the page also in headless Chromium.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const exec = promisify(execFile);
const CHROMIUM = "/usr/bin/chromium";
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
  for (const body of ["# First\n", "# Second\n"]) {
    const saved = await p.api(
      body.includes("First") ? "POST" : "PUT",
      body.includes("First") ? "/v1/mcds" : "/v1/mcds/guide",
      {
        rawBody: `---\nslug: guide\ntitle: Guide\n---\n${body}`,
        contentType: "text/markdown",
        headers: body.includes("First") ? {} : { "if-match": "1" },
        role: "editor",
      },
    );
    expect(saved.status, saved.text).toBeLessThan(300);
  }
});
afterAll(async () => {
  await p?.cleanup();
});

describe("GET /", () => {
  it("answers a JSON index of the API's entry points, not a 404 problem", async () => {
    const index = await p.api("GET", "/", { auth: null });
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("application/json");
    expect(index.body.links.openapi).toBe("/v1/openapi.json");
    for (const path of Object.values(index.body.links) as string[]) {
      const answer = await p.api("GET", path);
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
    }
  });

  it("answers a browser with the web console", async () => {
    const page = await p.api("GET", "/", { auth: null, headers: { accept: "text/html,*/*;q=0.8" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.text).toContain('<div id="root"></div>');
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});

describe("an MCD's HTML page", () => {
  it("renders the version asked for with ?version=, the latest without it", async () => {
    const first = await p.api("GET", "/v1/mcds/guide/html?version=1", { role: "viewer" });
    expect(first.status, first.text).toBe(200);
    expect(first.text).toContain("<h1>First</h1>");
    expect(first.headers.get("etag")).toBe('"1"');
    const latest = await p.api("GET", "/v1/mcds/guide/html", { role: "viewer" });
    expect(latest.text).toContain("<h1>Second</h1>");
    const missing = await p.api("GET", "/v1/mcds/guide/html?version=9", { role: "viewer" });
    expect(missing.status).toBe(404);
    const bad = await p.api("GET", "/v1/mcds/guide/html?version=two", { role: "viewer" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: "query.version", rule: "must be a version number, such as ?version=2" },
    ]);
  });

  it("opens without any header when the token is in ?access_token=, uncached and without a Referer", async () => {
    const page = await p.api("GET", `/v1/mcds/guide/html?access_token=${p.tokens.viewer}`, { auth: null });
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain("<h1>Second</h1>");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const forged = await p.api("GET", "/v1/mcds/guide/html?access_token=not-a-token", { auth: null });
    expect(forged.status).toBe(401);
  });

  it("takes ?access_token= on that page only: elsewhere it is no credential, and an unknown parameter", async () => {
    const anonymous = await p.api("GET", `/v1/mcds/guide?access_token=${p.tokens.viewer}`, { auth: null });
    expect(anonymous.status).toBe(401);
    const signedIn = await p.api("GET", `/v1/mcds/guide?access_token=${p.tokens.viewer}`, { role: "viewer" });
    expect(signedIn.status).toBe(400);
    expect(signedIn.body.errors).toEqual([
      { field: "query", rule: "unknown query parameter(s): access_token" },
    ]);
  });

  it.skipIf(!existsSync(CHROMIUM))("shows in a real browser that is given only its URL", async () => {
    const { stdout } = await exec(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--dump-dom",
        `${p.url}/v1/mcds/guide/html?version=1&access_token=${p.tokens.viewer}`,
      ],
      { timeout: 60_000 },
    );
    expect(stdout).toContain("<h1>First</h1>");
  });
});

describe("unknown query parameters", () => {
  it("are refused with a 400 naming them, on routes with and without parameters of their own", async () => {
    for (const [path, unknown] of [
      ["/v1/health?verbose=1", "verbose"],
      ["/v1/mcds/guide/html?versio=1", "versio"],
      ["/v1/mcds/guide?version=1", "version"],
      ["/v1/workflows?limit=5&sort=name", "sort"],
    ] as const) {
      const answer = await p.api("GET", path, { role: "viewer" });
      expect(answer.status, `${path}: ${answer.text}`).toBe(400);
      expect(answer.body.errors).toEqual([
        { field: "query", rule: `unknown query parameter(s): ${unknown}` },
      ]);
      expect(answer.body.detail).toBe(`Invalid query: unknown query parameter(s): ${unknown}.`);
    }
  });
});

describe("validation messages", () => {
  it("name the field and the rule, not zod's types", async () => {
    const cases: [string, string, unknown, { field: string; rule: string }[]][] = [
      [
        "POST",
        "/v1/mcds",
        { title: "No body" },
        [
          {
            field: "body.body",
            rule: "is required: the Markdown text as a string (or send the whole document as text/markdown)",
          },
        ],
      ],
      [
        "POST",
        "/v1/workflows/validate",
        {
          name: "fan",
          steps: [{ id: "a", server: "io.x/y", tool: "t", for_each: { items: ["a", "b"] } }],
        },
        [
          {
            field: "steps[0].for_each.items",
            rule: "must be a reference to an array, as a string such as `{{ steps.list.output.json.items }}`",
          },
        ],
      ],
      [
        "POST",
        "/v1/workflows/validate",
        { name: "fan", steps: [{ id: "a", server: "io.x/y", tool: "t", timeout_seconds: "soon" }] },
        [{ field: "steps[0].timeout_seconds", rule: "must be a number, not a string" }],
      ],
      [
        "POST",
        "/v1/workflows/validate",
        { name: "fan", steps: [{ id: "a", server: 3, tool: "t" }] },
        [
          {
            field: "steps[0].server",
            rule: "must be a server name (`io.github.acme/weather`), `name@version` or `{name, version}`",
          },
        ],
      ],
      [
        "POST",
        "/v1/workflows/validate",
        { name: "fan", steps: [{ id: "a", server: "io.x/y", tool: "t", when: { all: 3 } }] },
        [{ field: "steps[0].when.all", rule: "must be an array, not a whole number" }],
      ],
    ];
    for (const [method, path, body, errors] of cases) {
      const answer = await p.api(method, path, { body, role: "editor" });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.errors).toEqual(errors);
    }
  });

  it("say what a query parameter must be, once per parameter, instead of 'received NaN'", async () => {
    const diff = await p.api("GET", "/v1/mcds/guide/diff?from=a", { role: "viewer" });
    expect(diff.status).toBe(400);
    expect(diff.body.errors).toEqual([
      { field: "query.from", rule: "must be a version number, such as ?from=1&to=2 (the older version)" },
      { field: "query.to", rule: "must be a version number, such as ?from=1&to=2 (the newer version)" },
    ]);
    const limit = await p.api("GET", "/v1/mcds?limit=many", { role: "viewer" });
    expect(limit.body.errors).toEqual([{ field: "query.limit", rule: "must be a number" }]);
    const big = await p.api("GET", "/v1/mcds?limit=1000", { role: "viewer" });
    expect(big.body.errors).toEqual([{ field: "query.limit", rule: "must be at most 100" }]);
    expect(JSON.stringify([diff.body, limit.body, big.body])).not.toMatch(/NaN|Invalid input|expected/);
  });
});
