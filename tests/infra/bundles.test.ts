// The API functions' bundle budget (docs/decisions/0003-bundle-size.md), on the bundles a synthesis stages for
// deployment: each API area stays under 320 KB minified and carries nothing moved out on purpose (classic zod, the
// MCP SDK, Ajv, sanitize-html, yaml). Sizes are deterministic for a given lock file; `npm run bench` prints them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  API_BUNDLE_LIMIT_BYTES,
  importMs,
  type MeasuredBundle,
  measureDeployedBundles,
  stageLoads,
} from "../../bench/bundles.js";
import { repoRoot } from "../../infra/paths.js";
import { API_AREAS } from "../../shared/api/areas.js";
import { openApiDocument } from "../../shared/api/openapi.js";
import { scratchDir } from "../helpers/scratch.js";

/** Inputs that must never be in an API bundle: each has a smaller replacement or lives in another function. */
const FORBIDDEN = [
  /node_modules\/zod\/v4\/classic\//,
  /node_modules\/@modelcontextprotocol\/sdk\//,
  /node_modules\/ajv\//,
  /node_modules\/sanitize-html\//,
  /node_modules\/yaml\//,
];

let bundles: MeasuredBundle[];
const api = () => bundles.filter((b) => b.name.startsWith("api-"));

beforeAll(() => {
  bundles = measureDeployedBundles(scratchDir("mcpflow-cdk-"));
}, 300_000);

describe("API Lambda bundles as deployed", () => {
  it("are one per API area", () => {
    expect(
      api()
        .map((b) => b.name)
        .sort(),
    ).toEqual(
      Object.keys(API_AREAS)
        .map((a) => `api-${a}`)
        .sort(),
    );
  });

  it(`each stay under ${API_BUNDLE_LIMIT_BYTES / 1024} KB minified`, () => {
    for (const bundle of api()) {
      expect(bundle.bytes, bundle.name).toBeGreaterThan(10 * 1024);
      expect(bundle.bytes, `${bundle.name}: ${bundle.topInputs.map((i) => i.input).join(", ")}`).toBeLessThan(
        API_BUNDLE_LIMIT_BYTES,
      );
    }
  });

  it("carry no classic zod, MCP SDK, Ajv, sanitize-html or yaml", () => {
    const found = api().flatMap((b) =>
      b.inputs.filter((i) => FORBIDDEN.some((re) => re.test(i.input))).map((i) => `${b.name}: ${i.input}`),
    );
    expect(found).toEqual([]);
  });

  it("load no AWS SDK package but DynamoDB's until an adapter is first called", () => {
    // shared/aws/lazy-client.ts: the other clients are dynamic imports, so a cold start does not pay for them.
    const eager = api().flatMap((b) =>
      b.externals
        .filter(
          (m) =>
            m.startsWith("@aws-sdk/") && !["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"].includes(m),
        )
        .map((m) => `${b.name}: ${m}`),
    );
    expect(eager).toEqual([]);
  });
});

describe("every Lambda bundle as deployed", () => {
  it("imports on this Node, and so does what its import statements load (the bench's load columns)", () => {
    // The remote-MCP invoker carries undici, whose index requires node:sqlite only when a SqliteCacheStore is
    // built; Node 20 has no node:sqlite, so a module that imported every external the bundle names could not load.
    expect(bundles.find((b) => b.name === "remote-mcp")?.externals).toContain("node:sqlite");
    // Under the repository, so `@aws-sdk/*` resolves from node_modules as the Lambda runtime provides it.
    mkdirSync(join(repoRoot, ".mcpflow"), { recursive: true });
    const dir = mkdtempSync(join(repoRoot, ".mcpflow", "bundle-load-"));
    try {
      const failed: string[] = [];
      for (const [name, staged] of stageLoads(bundles, dir)) {
        for (const file of [staged.bundle, staged.externals]) {
          try {
            importMs(file);
          } catch (error) {
            failed.push(
              `${name} ${file.slice(dir.length)}: ${String((error as { stderr?: string }).stderr ?? error).slice(0, 300)}`,
            );
          }
        }
      }
      expect(failed).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe("the meta function as deployed", () => {
  it("serves the OpenAPI document written beside its bundle, without the generator in it, with CORS", async () => {
    const meta = bundles.find((b) => b.name === "api-meta")!;
    expect(
      meta.inputs.map((i) => i.input).filter((input) => /openapi|zod-openapi|routes/.test(input)),
    ).toEqual(["shared/api/meta.routes.ts"]);
    const dir = dirname(meta.bundlePath);
    expect(existsSync(join(dir, "openapi.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "openapi.json"), "utf8"))).toEqual(openApiDocument());

    // Load the deployed bundle itself and ask it for the document, as API Gateway would.
    Object.assign(process.env, {
      MCPFLOW_SECRETS_PREFIX: "mcpflow/test/",
      MCPFLOW_TABLE: "mcpflow-test",
      MCPFLOW_BUCKET: "mcpflow-test-payloads",
      AWS_REGION: "us-east-1",
      MCPFLOW_WEB_ORIGIN: "https://console.example.com",
    });
    const { handler } = (await import(pathToFileURL(meta.bundlePath).href)) as {
      handler: (
        event: unknown,
        context: unknown,
      ) => Promise<{ statusCode: number; body: string; headers?: Record<string, string> }>;
    };
    const response = await handler(
      {
        httpMethod: "GET",
        path: "/v1/openapi.json",
        headers: { origin: "https://console.example.com" },
        queryStringParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { requestId: "bundle-test" },
      },
      { awsRequestId: "bundle-test", getRemainingTimeInMillis: () => 10_000 },
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(openApiDocument());
    // The function's own answer carries CORS for the web origin the stack configures (API Gateway does not add it).
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBe("https://console.example.com");
  });
});
