// Bad input at the registry's edge: every one is a 4xx problem+json that names the failing field, never a 5xx or
// a stack trace, and nothing stored changes. Plus concurrent publishes and a fuzz test of POST /v1/servers.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const NAME = "io.github.inputs/target";
const valid = { name: NAME, description: "A server under attack", version: "1.0.0" };

let p: TestPlatform;
let snapshot: { list: unknown; versions: unknown };

async function stored() {
  const list = await p.api("GET", "/v1/servers?limit=100&include_deleted=true");
  const versions = await p.api(
    "GET",
    `/v1/servers/${encodeURIComponent(NAME)}/versions?include_deleted=true`,
  );
  // publishedAt/updatedAt are stable; the whole answer must be byte-for-byte the same.
  return { list: list.body, versions: versions.body };
}

beforeAll(async () => {
  p = await startTestPlatform();
  expect((await p.api("POST", "/v1/servers", { body: valid, role: "editor" })).status).toBe(201);
  snapshot = await stored();
});
afterAll(async () => {
  await p?.cleanup();
});

interface BadCase {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  status: number;
  field?: string | RegExp;
}

const withDoc = (patch: Record<string, unknown>) => ({ ...valid, version: "9.9.9", ...patch });
const pkg = { registryType: "npm", identifier: "x", version: "1.0.0", transport: { type: "stdio" } };

const cases: BadCase[] = [
  { name: "malformed JSON", rawBody: '{"name": "a/b",', status: 400, field: "body" },
  { name: "an empty body", rawBody: "", status: 400, field: "body" },
  { name: "JSON null", rawBody: "null", status: 400, field: "body" },
  { name: "a JSON array", body: [valid], status: 400, field: "body" },
  { name: "name of the wrong type", body: withDoc({ name: 42 }), status: 400, field: "body.name" },
  { name: "version of the wrong type", body: withDoc({ version: 1 }), status: 400, field: "body.version" },
  {
    name: "packages of the wrong type",
    body: withDoc({ packages: {} }),
    status: 400,
    field: "body.packages",
  },
  { name: "tags of the wrong type", body: withDoc({ tags: "a,b" }), status: 400, field: "body.tags" },
  {
    name: "a missing description",
    body: { name: "ab.cd/ef", version: "1.0.0" },
    status: 400,
    field: "body.description",
  },
  { name: "an unknown top-level field", body: withDoc({ colour: "blue" }), status: 400, field: "body" },
  {
    name: "an unknown field nested in a package",
    body: withDoc({ packages: [{ ...pkg, colour: "blue" }] }),
    status: 400,
    field: "body.packages.0",
  },
  {
    name: "an unknown field in a package's transport",
    body: withDoc({ packages: [{ ...pkg, transport: { type: "stdio", port: 1 } }] }),
    status: 400,
    field: /^body\.packages\.0\.transport/,
  },
  { name: "a name without a slash", body: withDoc({ name: "weather" }), status: 400, field: "body.name" },
  {
    name: "a name with two slashes",
    body: withDoc({ name: "io.github/acme/x" }),
    status: 400,
    field: "body.name",
  },
  {
    name: "a name with spaces",
    body: withDoc({ name: "io.github.acme/my server" }),
    status: 400,
    field: "body.name",
  },
  {
    name: "a name that is too long",
    body: withDoc({ name: `a.b/${"x".repeat(250)}` }),
    status: 400,
    field: "body.name",
  },
  ...["^1.0.0", "~1.2", ">=1", "1.x", "latest", "1.0.0 - 2.0.0", "*"].map((version) => ({
    name: `the version range ${version}`,
    body: withDoc({ version }),
    status: 400,
    field: "body.version",
  })),
  {
    name: "a description over 100 characters",
    body: withDoc({ description: "d".repeat(101) }),
    status: 400,
    field: "body.description",
  },
  {
    name: "a runtime without a command",
    body: withDoc({ runtime: { transport: "stdio" } }),
    status: 400,
    field: "body.runtime.command",
  },
  {
    name: "a body over 1 MiB",
    rawBody: JSON.stringify(withDoc({ _meta: { pad: "x".repeat(1024 * 1024) } })),
    status: 413,
    field: "body",
  },
  {
    name: "a document too large to store (under 1 MiB)",
    body: withDoc({ _meta: { pad: "x".repeat(600 * 1024) } }),
    status: 413,
    field: "body",
  },
  {
    name: "a number in _meta the store cannot hold",
    body: withDoc({ _meta: { big: 1e300 } }),
    status: 400,
    field: /^body\._meta/,
  },
  {
    name: "_meta nested deeper than the store allows",
    body: withDoc({ _meta: JSON.parse(`${'{"a":'.repeat(40)}1${"}".repeat(40)}`) }),
    status: 400,
    field: /^body\._meta/,
  },
  {
    name: "a text/plain body",
    rawBody: JSON.stringify(withDoc({})),
    contentType: "text/plain",
    status: 415,
    field: "content-type",
  },
  {
    name: "a form body",
    rawBody: "name=a",
    contentType: "application/x-www-form-urlencoded",
    status: 415,
    field: "content-type",
  },
  {
    name: "a bad cursor",
    method: "GET",
    path: "/v1/servers?cursor=not-a-cursor!!",
    status: 400,
    field: "query.cursor",
  },
  {
    name: "a cursor that is JSON but not ours",
    method: "GET",
    path: `/v1/servers?cursor=${Buffer.from("[1]").toString("base64url")}`,
    status: 400,
    field: "query.cursor",
  },
  { name: "limit=0", method: "GET", path: "/v1/servers?limit=0", status: 400, field: "query.limit" },
  { name: "limit=abc", method: "GET", path: "/v1/servers?limit=abc", status: 400, field: "query.limit" },
  { name: "limit=1000", method: "GET", path: "/v1/servers?limit=1000", status: 400, field: "query.limit" },
  { name: "limit=1.5", method: "GET", path: "/v1/servers?limit=1.5", status: 400, field: "query.limit" },
  {
    name: "an unknown query parameter",
    method: "GET",
    path: "/v1/servers?colour=blue",
    status: 400,
    field: "query",
  },
  {
    name: "include_deleted=yes",
    method: "GET",
    path: "/v1/servers?include_deleted=yes",
    status: 400,
    field: "query.include_deleted",
  },
  { name: "an unknown route", method: "GET", path: "/v1/nothing-here", status: 404 },
  { name: "an unknown route under servers", method: "GET", path: "/v1/servers/a/b/c/d", status: 404 },
  {
    name: "a bad name in the path",
    method: "GET",
    path: "/v1/servers/no_namespace%2Fx%2Fy",
    status: 400,
    field: "path.name",
  },
  {
    name: "a range as a path version",
    method: "GET",
    path: `/v1/servers/${encodeURIComponent(NAME)}/versions/%5E1.0.0`,
    status: 400,
    field: "path.version",
  },
  {
    name: "a name with broken percent-encoding",
    method: "GET",
    path: "/v1/servers/io.github.inputs%2Ftarget%ZZ",
    status: 400,
    field: "path",
  },
  {
    name: "a name with a truncated UTF-8 escape",
    method: "GET",
    path: "/v1/servers/io.github.inputs%2F%E0%A4%A",
    status: 400,
    field: "path",
  },
  {
    name: "a bad status",
    method: "PATCH",
    path: `/v1/servers/${encodeURIComponent(NAME)}/versions/1.0.0`,
    body: { status: "gone" },
    status: 400,
    field: "body.status",
  },
  {
    name: "an empty status patch",
    method: "PATCH",
    path: `/v1/servers/${encodeURIComponent(NAME)}/versions/1.0.0`,
    body: {},
    status: 400,
    field: "body",
  },
  {
    name: "a status patch that edits the document",
    method: "PATCH",
    path: `/v1/servers/${encodeURIComponent(NAME)}/versions/1.0.0`,
    body: { status: "active", version: "2.0.0" },
    status: 400,
    field: "body",
  },
];

describe("bad input", () => {
  it.each(cases)("$name -> $status naming the field", async (c) => {
    const response = await p.api(c.method ?? "POST", c.path ?? "/v1/servers", {
      role: "admin",
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}),
      ...(c.contentType ? { contentType: c.contentType } : {}),
    });
    expect(response.status, response.text.slice(0, 500)).toBe(c.status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body).toMatchObject({
      status: c.status,
      title: expect.any(String),
      type: expect.any(String),
    });
    expect(response.text).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|Error:/);
    if (c.field !== undefined) {
      const fields = (response.body.errors ?? []).map((e: { field: string }) => e.field);
      if (typeof c.field === "string") expect(fields).toContain(c.field);
      else
        expect(
          fields.some((f: string) => (c.field as RegExp).test(f)),
          fields.join(","),
        ).toBe(true);
    }
  });

  it("changed nothing stored", async () => {
    expect(await stored()).toEqual(snapshot);
  });

  it("answers 405 with Allow for a wrong method", async () => {
    const response = await p.api("DELETE", "/v1/servers");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")?.split(/,\s*/).sort()).toEqual(["GET", "POST"]);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const version = await p.api("PUT", `/v1/servers/${encodeURIComponent(NAME)}/versions/1.0.0`, {
      body: {},
    });
    expect(version.status).toBe(405);
    expect(version.headers.get("allow")?.split(/,\s*/).sort()).toEqual(["GET", "PATCH"]);
  });
});

describe("bad input to import", () => {
  it("reports items the store cannot hold as invalid and still imports the rest", async () => {
    const response = await p.api("POST", "/v1/servers/import", {
      role: "editor",
      body: [
        { ...valid, name: "io.github.inputs/huge", _meta: { pad: "x".repeat(600 * 1024) } },
        { ...valid, name: "io.github.inputs/big-number", _meta: { n: 2 ** 60 } },
        { ...valid, name: "io.github.inputs/fine" },
      ],
    });
    expect(response.status, response.text.slice(0, 300)).toBe(200);
    expect(response.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      "invalid",
      "invalid",
      "created",
    ]);
    expect(response.body.results[0].errors[0].field).toBe("body");
    expect(response.body.results[1].errors[0].field).toBe("_meta.n");
    expect((await p.api("GET", "/v1/servers/io.github.inputs%2Fhuge")).status).toBe(404);
  });

  it("refuses a non-JSON import body with 415 and malformed JSON with 400", async () => {
    const yaml = await p.api("POST", "/v1/servers/import", { rawBody: "name: a", contentType: "text/csv" });
    expect(yaml.status).toBe(415);
    const broken = await p.api("POST", "/v1/servers/import", { rawBody: "[{" });
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].field).toBe("body");
  });
});

describe("keys that mean something to JavaScript", () => {
  // Found by the _meta fuzz below: the DynamoDB marshaller took {"constructor": []} for a class instance (500), and
  // a nested "__proto__" reached the store as an empty attribute (500); a top-level one was dropped silently.
  it("stores and returns keys named constructor, toString or hasOwnProperty as data", async () => {
    const meta = { constructor: [], toString: "x", hasOwnProperty: { valueOf: 1 } };
    const created = await p.api("POST", "/v1/servers", {
      role: "editor",
      body: { ...valid, name: "io.github.fuzz/js-keys", version: "1.0.0", _meta: meta },
    });
    expect(created.status, created.text).toBe(201);
    const read = await p.api("GET", "/v1/servers/io.github.fuzz%2Fjs-keys/versions/1.0.0");
    expect(read.body.server._meta).toEqual(meta);
  });

  it("treats a query key named __proto__ or toString as the unknown field it is", async () => {
    for (const key of ["__proto__", "toString", "constructor"]) {
      const response = await p.api("GET", `/v1/servers?${key}=1`);
      expect(response.status, `${key}: ${response.text}`).toBe(400);
      expect(response.body.errors, key).toEqual([
        { field: "query", rule: `unknown query parameter(s): ${key}` },
      ]);
    }
  });

  it("refuses a key named __proto__ anywhere in a JSON or YAML body with 400 naming where, storing nothing", async () => {
    const nested = await p.api("POST", "/v1/servers", {
      role: "editor",
      rawBody: `{"name":"io.github.fuzz/proto","description":"d","version":"1.0.0","_meta":{"a":[{"__proto__":{"x":1}}]}}`,
    });
    expect(nested.status, nested.text).toBe(400);
    expect(nested.body.errors).toEqual([
      { field: "body._meta.a.0.__proto__", rule: "a key named __proto__ is not accepted" },
    ]);
    const top = await p.api("POST", "/v1/servers", {
      role: "editor",
      rawBody: `{"__proto__":{"polluted":true},"name":"io.github.fuzz/proto","description":"d","version":"1.0.0"}`,
    });
    expect(top.status, top.text).toBe(400);
    expect(top.body.errors[0].field).toBe("body.__proto__");
    const yaml = await p.api("POST", "/v1/workflows/validate", {
      role: "editor",
      contentType: "application/yaml",
      rawBody:
        "name: proto\nsteps:\n  - id: a\n    server: x\n    tool: t\n    arguments:\n      __proto__: {x: 1}\n",
    });
    expect(yaml.status, yaml.text).toBe(400);
    expect(yaml.body.errors).toEqual([
      { field: "body.steps.0.arguments.__proto__", rule: "a key named __proto__ is not accepted" },
    ]);
    expect((await p.api("GET", "/v1/servers/io.github.fuzz%2Fproto")).status).toBe(404);
  });
});

describe("concurrent publishes", () => {
  it("of the same name and version: exactly one 201, every other a 409", async () => {
    for (let round = 0; round < 3; round++) {
      const body = { ...valid, name: `io.github.race/r${round}`, version: "1.0.0" };
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => p.api("POST", "/v1/servers", { body, role: "editor" })),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([201, ...Array(9).fill(409)]);
      const versions = await p.api("GET", `/v1/servers/${encodeURIComponent(body.name)}/versions`);
      expect(versions.body.versions).toHaveLength(1);
    }
  });

  it("of different versions of one server: all stored and latest is the highest", async () => {
    const name = "io.github.race/many";
    const versions = Array.from({ length: 10 }, (_, i) => `1.${i}.0`);
    const answers = await Promise.all(
      versions.map((version) =>
        p.api("POST", "/v1/servers", { body: { ...valid, name, version }, role: "editor" }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const latest = await p.api("GET", `/v1/servers/${encodeURIComponent(name)}`);
    expect(latest.body.server.version).toBe("1.9.0");
    expect(
      (await p.api("GET", `/v1/servers/${encodeURIComponent(name)}/versions`)).body.versions,
    ).toHaveLength(10);
  });
});

describe("fuzz", () => {
  it("random JSON bodies to POST /v1/servers never give a 5xx", async () => {
    const nearDoc = fc.record(
      {
        name: fc.oneof(fc.string(), fc.constantFrom("a.b/c", "io.github.fuzz/x", "x/y/z"), fc.jsonValue()),
        version: fc.oneof(fc.string(), fc.constantFrom("1.0.0", "^1", "latest"), fc.jsonValue()),
        description: fc.oneof(fc.string({ maxLength: 120 }), fc.jsonValue()),
        packages: fc.oneof(
          fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 2 }),
          fc.jsonValue(),
        ),
        remotes: fc.jsonValue(),
        tags: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
        runtime: fc.jsonValue(),
        _meta: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), nearDoc), async (body) => {
        n += 1;
        const response = await p.api("POST", "/v1/servers", {
          role: "editor",
          rawBody: JSON.stringify(body) ?? "null",
        });
        expect(
          response.status,
          `${JSON.stringify(body).slice(0, 300)} -> ${response.text.slice(0, 300)}`,
        ).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect(n).toBeGreaterThanOrEqual(300);
  });

  it("valid documents with random _meta are stored or refused with a 4xx, never a 5xx", async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 4 })),
        async (meta) => {
          i += 1;
          const response = await p.api("POST", "/v1/servers", {
            role: "editor",
            body: { ...valid, name: "io.github.fuzz/meta", version: `0.0.${i}`, _meta: meta },
          });
          expect(
            response.status,
            `${JSON.stringify(meta).slice(0, 300)} -> ${response.text.slice(0, 300)}`,
          ).toBeLessThan(500);
          if (response.status === 201) {
            const exported = await p.api(
              "GET",
              `/v1/servers/io.github.fuzz%2Fmeta/versions/0.0.${i}/server.json`,
            );
            // What was sent is the JSON text of `meta` (JSON has no -0, so a generated -0 arrives as 0).
            expect(exported.body._meta).toEqual(JSON.parse(JSON.stringify(meta)));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
