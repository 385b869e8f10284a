// The OpenAPI document is one that tools accept: an independent validator (Redocly) lints the document the
// platform serves, openapi-typescript generates the committed client types from it (a difference fails), and a
// small program on that client (examples/client-tour.ts, typechecked by `npm run typecheck`) runs against the
// embedded platform.
import { readFile } from "node:fs/promises";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientTour } from "../../examples/client-tour.js";
import { CLIENT_SCHEMA_FILE, generateClientSchema } from "../../scripts/gen-client.js";
import { createApiClient } from "../../shared/api/client/index.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let served: Record<string, unknown>;
let text: string;

beforeAll(async () => {
  p = await startTestPlatform();
  const response = await fetch(`${p.url}/v1/openapi.json`);
  text = await response.text();
  served = JSON.parse(text);
});
afterAll(async () => {
  await p?.cleanup();
});

describe("GET /v1/openapi.json", () => {
  it("passes Redocly's recommended rules with no problem at all", async () => {
    const config = await createConfig({
      extends: ["recommended"],
      rules: {
        // A private deployment's API: no licence to state.
        "info-license": "off",
        // GET /v1/health and /v1/openapi.json take no input and need no caller: they have no 4xx to answer.
        "operation-4xx-response": "off",
      },
    });
    const problems = await lintFromString({ source: text, absoluteRef: "/v1/openapi.json", config });
    expect(
      problems.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`),
    ).toEqual([]);
  }, 30_000);

  it("keeps every reference inside the document and names recursive schemas as components", () => {
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(0);
    const schemas = (served.components as { schemas: Record<string, unknown> }).schemas;
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Z]\w*$/);
      expect(schemas[ref.split("/").at(-1)!], ref).toBeDefined();
    }
    expect(text).not.toContain("$defs");
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(["Condition", "Problem", "WorkflowDefinition"]),
    );
  });

  it("documents 412 and 428 with ETag on MCD writes, and a problem that may carry currentVersion", () => {
    const paths = served.paths as Record<string, Record<string, { responses: Record<string, any> }>>;
    const update = paths["/v1/mcds/{slug}"]!.put!;
    expect(Object.keys(update.responses).sort()).toEqual(
      ["200", "400", "401", "403", "404", "412", "413", "415", "422", "428"].sort(),
    );
    expect(update.responses["200"].headers.ETag).toBeDefined();
    expect(paths["/v1/mcds"]!.post!.responses["201"].headers).toMatchObject({
      ETag: expect.any(Object),
      Location: expect.any(Object),
    });
    const problem = (served.components as { schemas: Record<string, any> }).schemas.Problem;
    expect(problem.properties.currentVersion).toMatchObject({ type: "integer" });
    expect(problem.additionalProperties).not.toBe(false);
    // Only the errors an operation can give: health has none, a list with no path parameter has no 404.
    expect(Object.keys(paths["/v1/health"]!.get!.responses).sort()).toEqual(["200", "503"]);
    expect(Object.keys(paths["/v1/servers"]!.get!.responses)).not.toContain("404");
  });

  it("generates the committed client types (run `npm run gen:client` after changing a route)", async () => {
    const generated = await generateClientSchema(served);
    expect(generated === (await readFile(CLIENT_SCHEMA_FILE, "utf8"))).toBe(true);
  }, 30_000);
});

describe("a program on the generated client", () => {
  it("publishes, reads, keeps an MCD with If-Match and validates a workflow against the running platform", async () => {
    const client = createApiClient({ baseUrl: p.url, token: p.tokens.admin });
    const result = await clientTour(client, "one");
    expect(result).toMatchObject({
      health: "ok",
      role: "admin",
      published: "io.github.tour/weather-one@1.0.0",
      listed: 1,
      mcdVersions: [1, 2],
      etag: '"2"',
      stale: { status: 412, currentVersion: 2 },
      workflowSteps: ["forecast:io.github.tour/weather-one", "alert:io.github.tour/weather-one"],
    });
    expect(result.exported).toMatchObject({ name: "io.github.tour/weather-one", version: "1.0.0" });
  });

  it("sends an API key as x-api-key", async () => {
    const key = await p.api("POST", "/v1/api-keys", { body: { name: "client", role: "viewer" } });
    const client = createApiClient({ baseUrl: p.url, apiKey: key.body.key });
    const { data } = await client.GET("/v1/me");
    expect(data).toMatchObject({ role: "viewer", kind: "api-key" });
  });
});
