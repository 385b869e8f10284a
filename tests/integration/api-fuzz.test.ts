// Every route, random input: whatever the path parameters, query and body, the answer is never a 5xx, an error is
// problem+json, and no answer carries a stack trace. Runs against the embedded platform with a few things stored,
// so that some random requests reach real records (a server, an MCD, a workflow whose server cannot start).
// MCPFLOW_FUZZ_RUNS sets the cases per route (40 by default; 300 passed when this was written). The first run
// found `?toString=` answered 500 by the local HTTP adapter.
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROUTES } from "../../shared/api/all-routes.js";
import { isOfficialRegistryPath } from "../../shared/http/cors.js";
import { takesPageCursor } from "../../shared/http/page-cursors.js";
import type { RouteSpec } from "../../shared/http/route.js";
import { cursorKeyring, newCursorSecret, sealCursor } from "../../shared/store/signed-cursor.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

const SERVER = "io.github.fuzz/target";
const KNOWN: Record<string, string[]> = {
  name: [encodeURIComponent(SERVER), "io.github.fuzz/target", "fuzz-flow"],
  version: ["1.0.0", "latest"],
  slug: ["fuzz-notes"],
  key: ["token"],
  n: ["1", "0", "-1", "1e9"],
  id: ["01JUNKNOWNRUN"],
};

/** A path segment: a stored name, or anything (percent-encoded, or raw with what encodeURIComponent would escape). */
const segment = (param: string) =>
  fc.oneof(
    fc.constantFrom(...(KNOWN[param] ?? ["x"])),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom("%", "%zz", "..", "%2F%2F", "a%00b", "%F0%9F%92%A9", "ﬀ", "-".repeat(300)),
  );

function pathArbitrary(spec: RouteSpec): fc.Arbitrary<string> {
  const parts = spec.path.split(/(\{\w+\*?\})/);
  return fc
    .tuple(
      ...parts.map((part) =>
        /^\{\w+\*?\}$/.test(part) ? segment(part.replace(/[{}*]/g, "")) : fc.constant(part),
      ),
    )
    .map((pieces) => pieces.join(""));
}

function queryArbitrary(spec: RouteSpec): fc.Arbitrary<string> {
  const keys = Object.keys((spec.query as unknown as { shape?: Record<string, unknown> })?.shape ?? {});
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom("0", "-1", "101", "1.5", "true", "", "%"),
    // Cursors a client edited: JSON of a key another list (or no list) uses.
    fc
      .constantFrom({ pk: { S: "x" } }, { gsi1pk: "RUNS", gsi1sk: 5 }, { pk: "AUDIT" }, [1, 2, 3], { o: -1 })
      .map((value) => Buffer.from(JSON.stringify(value)).toString("base64url")),
  );
  return fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...(keys.length ? keys : ["q"])), fc.string({ maxLength: 8 })),
        value,
      ),
      {
        maxLength: 4,
      },
    )
    .map((pairs) =>
      pairs.length
        ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`
        : "",
    );
}

const bodyArbitrary = fc.oneof(
  fc
    .jsonValue({ maxDepth: 4 })
    .map((value) => ({ text: JSON.stringify(value) ?? "null", type: "application/json" })),
  fc
    .dictionary(
      fc.constantFrom(
        "name",
        "version",
        "description",
        "steps",
        "body",
        "slug",
        "value",
        "input",
        "runtime",
        "role",
      ),
      fc.jsonValue({ maxDepth: 3 }),
    )
    .map((value) => ({ text: JSON.stringify(value), type: "application/json" })),
  // Nested deeper than DynamoDB stores, or deep enough to overflow a recursive walk.
  fc
    .constantFrom(31, 3_000, 10_000)
    .map((depth) => ({ text: `${"[".repeat(depth)}${"]".repeat(depth)}`, type: "application/json" })),
  fc.constantFrom(31, 3_000).map((depth) => ({
    text: `{"input":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`,
    type: "application/json",
  })),
  fc.string({ maxLength: 200 }).map((text) => ({ text, type: "application/yaml" })),
  fc.string({ maxLength: 200 }).map((text) => ({ text, type: "text/markdown" })),
);

beforeAll(async () => {
  p = await startTestPlatform();
  const stored = [
    await p.api("POST", "/v1/servers", {
      body: {
        name: SERVER,
        description: "a remote server nobody listens for",
        version: "1.0.0",
        runtime: { transport: "streamable-http", url: "http://127.0.0.1:1/mcp" },
      },
    }),
    await p.api("POST", "/v1/mcds", { body: { slug: "fuzz-notes", title: "Fuzz", body: "# Notes\n" } }),
    await p.api("POST", "/v1/workflows", {
      body: {
        name: "fuzz-flow",
        steps: [{ id: "a", server: `${SERVER}@1.0.0`, tool: "echo", arguments: {} }],
      },
    }),
  ];
  for (const response of stored) expect(response.status, response.text).toBeLessThan(300);
}, 60_000);
afterAll(async () => {
  await p?.cleanup();
});

describe("random requests to every route", () => {
  const routes = ALL_ROUTES.flatMap((table) => Object.entries(table));

  for (const [id, spec] of routes) {
    it(`${id}: ${spec.method} ${spec.path} never answers 5xx or a stack trace`, async () => {
      await fc.assert(
        fc.asyncProperty(
          pathArbitrary(spec),
          queryArbitrary(spec),
          bodyArbitrary,
          async (path, query, body) => {
            const response = await p.api(spec.method, `${path}${query}`, {
              ...(spec.body ? { rawBody: body.text, contentType: body.type } : {}),
            });
            const what = `${spec.method} ${path}${query} ${spec.body ? body.text.slice(0, 200) : ""} -> ${response.status} ${response.text.slice(0, 300)}`;
            // A probe reaches an MCP server: 502 (it failed) and 504 (it did not answer) are its documented answers.
            const upstream = id === "probeServerVersion" && [502, 504].includes(response.status);
            if (!upstream) expect(response.status, what).toBeLessThan(500);
            expect(response.text, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
            if (response.status >= 400) {
              // The MCP registry read API answers errors as the official registry does: application/json {error}.
              // A path such as /v0.1/servers/../versions leaves it (fetch resolves the dots): judge the final path.
              const finalPath = new URL(`${path}${query}`, "http://local").pathname;
              const errorType = isOfficialRegistryPath(finalPath)
                ? "application/json"
                : "application/problem+json";
              expect(response.headers.get("content-type"), what).toContain(errorType);
            }
          },
        ),
        { numRuns: Number(process.env.MCPFLOW_FUZZ_RUNS ?? 40) },
      );
    }, 120_000);
  }
});

/** `{"a":{"a":…}}` nested `depth` levels, as text: built without recursion, as a client could send it. */
const deepJson = (depth: number, leaf = "1") => `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;

/** A problem's field names, for "names the field" checks. */
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

// Issue 11, point 9: each of these answered 500 (or stored what it should have refused) before it was fixed.
describe("hostile inputs that once answered 500", () => {
  const APPROVED = "io.github.fuzz/approved";
  beforeAll(async () => {
    const published = await p.api("POST", "/v1/servers?approve=true", {
      body: {
        name: APPROVED,
        description: "an approved remote server nobody listens for",
        version: "1.0.0",
        runtime: { transport: "streamable-http", url: "http://127.0.0.1:1/mcp" },
      },
    });
    expect(published.status, published.text).toBe(201);
    const saved = await p.api("POST", "/v1/workflows", {
      body: {
        name: "deep-flow",
        steps: [{ id: "a", server: `${APPROVED}@1.0.0`, tool: "echo", arguments: {} }],
      },
    });
    expect(saved.status, saved.text).toBe(201);
  }, 60_000);

  it("a run input nested 10,000 levels deep: 400 naming body.input and the depth limit; no run is stored", async () => {
    const before = (await p.api("GET", "/v1/runs?limit=100")).body.runs.length;
    const response = await p.api("POST", "/v1/workflows/deep-flow/runs", {
      rawBody: `{"input":${deepJson(10_000)}}`,
    });
    expect(response.status, response.text).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(fields(response.body).some((f) => f.startsWith("body.input"))).toBe(true);
    expect(response.text).toMatch(/32 levels/);
    expect((await p.api("GET", "/v1/runs?limit=100")).body.runs.length).toBe(before);
  });

  it("a run input as deep as DynamoDB stores is accepted; one level more is refused", async () => {
    const limit = 30;
    const fits = await p.api("POST", "/v1/workflows/deep-flow/runs", {
      rawBody: `{"input":${deepJson(limit - 1)}}`,
    });
    expect(fits.status, fits.text).toBe(202);
    const deeper = await p.api("POST", "/v1/workflows/deep-flow/runs", {
      rawBody: `{"input":${deepJson(limit)}}`,
    });
    expect(deeper.status, deeper.text).toBe(400);
  });

  it("arguments nested 3,000 levels deep sent to /workflows/validate: 400 naming the step's arguments", async () => {
    const response = await p.api("POST", "/v1/workflows/validate", {
      rawBody: `{"name":"deep-args","steps":[{"id":"a","server":"${APPROVED}@1.0.0","tool":"echo","arguments":${deepJson(3_000)}}]}`,
    });
    expect(response.status, response.text).toBe(400);
    expect(fields(response.body).some((f) => f.startsWith("body.steps.0.arguments"))).toBe(true);
  });

  it("every list that pages refuses cursors a client edited, forged or carried from another list: 400 on query.cursor", async () => {
    for (let i = 0; i < 3; i++)
      await p.api("POST", "/v1/api-keys", { body: { name: `forging-${i}`, role: "viewer" } });
    const genuine = (await p.api("GET", "/v1/api-keys?limit=1")).body.nextCursor as string;
    expect(genuine).toBeTypeOf("string");
    const [version, apiKeyId, , expires, filters, , signature] = genuine.split(".");
    // Positions each list's own codec would accept, unsigned: what a client that read a cursor could write.
    const positions = [
      { pk: "APIKEY#x", sk: "META", gsi1pk: "APIKEYS", gsi1sk: "a" },
      { pk: "RUN#x", sk: "RUN", gsi1pk: "RUNS", gsi1sk: "9999" },
      { pk: "AUDIT", sk: "0000" },
      { after: "SERVER#zzz" },
      { o: 3 },
      ["io.github.x/y", "2020-01-01T00:00:00Z", "1.0.0"],
    ].map((position) => Buffer.from(JSON.stringify(position)).toString("base64url"));
    const clientKeys = cursorKeyring(newCursorSecret());
    const pages = ALL_ROUTES.flatMap((table) => Object.entries(table)).filter(([, spec]) =>
      takesPageCursor(spec),
    );
    expect(pages.map(([operation]) => operation).sort()).toEqual(
      expect.arrayContaining([
        "listApiKeys",
        "listAudit",
        "listMcds",
        "listRuns",
        "listServers",
        "listWorkflows",
      ]),
    );
    // What each list answers for a first page of one: the cursors this API signed.
    const signed = new Map<string, string>();
    for (const [operation, spec] of pages) {
      const answer = (await p.api("GET", `${spec.path}?limit=1`)).body;
      const next = answer?.nextCursor ?? answer?.metadata?.nextCursor;
      if (typeof next === "string") signed.set(operation, next);
    }
    expect(signed.size, [...signed.keys()].join()).toBeGreaterThanOrEqual(4);
    for (const [operation, spec] of pages) {
      // The shortest cursor of another list (a route may cap its cursor's length below the others').
      const otherList = [...signed]
        .filter(([list]) => list !== operation)
        .map(([, cursor]) => cursor)
        .sort((a, b) => a.length - b.length)[0]!;
      const own = signed.get(operation) ?? otherList;
      if (signed.has(operation)) {
        const next = await p.api("GET", `${spec.path}?limit=1&cursor=${encodeURIComponent(own)}`);
        expect(next.status, `${operation} pages on: ${next.text}`).toBe(200);
      }
      const forged = positions.flatMap((position) => [
        // The unsigned cursors this API once answered.
        position,
        // A genuine cursor's envelope and signature around another position.
        [version, apiKeyId, operation, expires, filters, position, signature].join("."),
        // Signed with a key of the client's own, under its own key id and under the API's.
        sealCursor(clientKeys, operation, position),
        sealCursor({ ...clientKeys, current: { ...clientKeys.current, id: apiKeyId! } }, operation, position),
      ]);
      const cases: [string, RegExp][] = [
        ...forged.map((cursor): [string, RegExp] => [cursor, /previous page|key this API holds|signature/]),
        // A cursor this API signed, for another list.
        [otherList, /another list/],
        // Its own cursor (or another list's) truncated, and edited in one character of its signature.
        [own.slice(0, -1), /previous page/],
        [`${own.slice(0, -2)}${own.at(-2) === "A" ? "B" : "A"}${own.at(-1)}`, /signature|previous page/],
      ];
      for (const [cursor, rule] of cases) {
        const response = await p.api("GET", `${spec.path}?cursor=${encodeURIComponent(cursor)}`);
        const what = `${operation} ${cursor}: ${response.text}`;
        expect(response.status, what).toBe(400);
        const issue = (response.body.errors ?? []).find((e: { field: string }) => e.field === "query.cursor");
        expect(issue?.rule, what).toMatch(rule);
      }
    }
  });

  it("a cursor that a list answered still pages on, opaque and signed", async () => {
    for (let i = 0; i < 3; i++)
      await p.api("POST", "/v1/api-keys", { body: { name: `paging-${i}`, role: "viewer" } });
    for (const list of ["/v1/api-keys", "/v1/audit"]) {
      const first = await p.api("GET", `${list}?limit=1`);
      expect(first.status, first.text).toBe(200);
      expect(first.body.nextCursor).toMatch(/^c2\./);
      const second = await p.api(
        "GET",
        `${list}?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(second.status, second.text).toBe(200);
      expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    }
  });

  for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    it(`a runtime naming a granted but unset secret called ${key}: 4xx naming it, on probe and on run start`, async () => {
      const name = `io.github.fuzz/secret-${key.replaceAll("_", "u").toLowerCase()}`;
      const published = await p.api("POST", "/v1/servers?approve=true", {
        body: {
          name,
          description: "a server whose runtime names an odd secret",
          version: "1.0.0",
          runtime: {
            transport: "stdio",
            command: process.execPath,
            args: ["-e", "0"],
            env: { X: { secret: key } },
          },
        },
      });
      expect(published.status, published.text).toBe(201);
      const grant = await p.api("PUT", `/v1/servers/${encodeURIComponent(name)}/secrets/${key}/grant`, {
        body: { versions: "1.0.0" },
      });
      expect([200, 404, 422], grant.text).toContain(grant.status);
      const probe = await p.api("POST", `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0/probe`);
      expect(probe.status, probe.text).toBeGreaterThanOrEqual(400);
      expect(probe.status, probe.text).toBeLessThan(500);
      expect(probe.text).toContain(key);
      const flow = `secret-${key.replaceAll("_", "u").toLowerCase()}`;
      await p.api("POST", "/v1/workflows", {
        body: { name: flow, steps: [{ id: "a", server: `${name}@1.0.0`, tool: "echo", arguments: {} }] },
      });
      const run = await p.api("POST", `/v1/workflows/${flow}/runs`, { body: { input: {} } });
      expect(run.status, run.text).toBeGreaterThanOrEqual(400);
      expect(run.status, run.text).toBeLessThan(500);
    });
  }

  it("a body that is not valid UTF-8: 400 naming the body, and nothing stored", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"slug":"bad-utf8","title":"caf'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('","body":"# x\\n"}'),
    ]);
    const response = await fetch(`${p.url}/v1/mcds`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.tokens.admin}`, "content-type": "application/json" },
      body: bytes,
    });
    const text = await response.text();
    expect(response.status, text).toBe(400);
    expect(fields(JSON.parse(text))).toContain("body");
    expect(text).toMatch(/UTF-8/);
    expect((await p.api("GET", "/v1/mcds/bad-utf8")).status).toBe(404);
  });

  for (const name of [
    "../..",
    "./.",
    "..../....",
    "-a/b",
    "a./b",
    "io.github.x/.hidden",
    "io.github.x/y.",
    "a/b",
  ]) {
    it(`a server named ${JSON.stringify(name)} is refused by the official name rules, naming body.name`, async () => {
      const response = await p.api("POST", "/v1/servers", {
        body: { name, version: "1.0.0", description: "a name the official registry refuses" },
      });
      expect(response.status, response.text).toBe(400);
      expect(fields(response.body)).toContain("body.name");
    });
  }

  it("a 413 answered before the body says Connection: close and closes the connection cleanly", async () => {
    const { port } = new URL(p.url);
    const outcome = await new Promise<{ head: string; body: string; how: string }>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1");
      let received = "";
      const finish = (how: string) => {
        const [head = "", body = ""] = received.split("\r\n\r\n");
        resolve({ head, body, how });
        socket.destroy();
      };
      socket.on("data", (chunk) => {
        received += chunk.toString("latin1");
      });
      socket.on("end", () => finish("end"));
      socket.on("error", (error) => finish(`error ${(error as NodeJS.ErrnoException).code}`));
      socket.setTimeout(10_000, () => finish("timeout"));
      socket.write(
        "POST /v1/servers HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
          `authorization: Bearer ${p.tokens.admin}\r\ncontent-length: ${11 * 1024 * 1024}\r\n\r\n`,
      );
      // The client goes on sending its body, as a client that does not wait for 100-continue does.
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024 && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) {
            socket.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    expect(outcome.head, outcome.how).toMatch(/^HTTP\/1\.1 413/);
    expect(outcome.head.toLowerCase()).toContain("connection: close");
    expect(outcome.head.toLowerCase()).not.toContain("keep-alive");
    expect(JSON.parse(outcome.body).status).toBe(413);
    expect(outcome.how).toBe("end");
  });
});
