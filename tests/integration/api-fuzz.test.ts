// Every route, random input: whatever the path parameters, query and body, the answer is never a 5xx, an error is
// problem+json, and no answer carries a stack trace. Runs against the embedded platform with a few things stored,
// so that some random requests reach real records (a server, an MCD, a workflow whose server cannot start).
// MCPFLOW_FUZZ_RUNS sets the cases per route (40 by default; 300 passed when this was written). The first run
// found `?toString=` answered 500 by the local HTTP adapter.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROUTES } from "../../shared/api/all-routes.js";
import { isOfficialRegistryPath } from "../../shared/http/cors.js";
import type { RouteSpec } from "../../shared/http/route.js";
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
