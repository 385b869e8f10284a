// CORS on the functions' own answers: API Gateway answers preflights and its own errors, but a Lambda proxy response
// reaches the browser only if it carries Access-Control-Allow-Origin itself, errors included.
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPlatform, startLocalPlatform } from "../../local/platform.js";
import { NotFoundError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { route } from "../../shared/http/route.js";
import * as z from "../../shared/zod.js";
import { scratchDir } from "../helpers/scratch.js";

const ORIGIN = "https://console.example.com";
const routes = {
  ping: route({
    method: "GET",
    path: "/v1/ping",
    role: "public",
    action: "ping",
    summary: "ping",
    tags: [],
    success: 200,
    response: z.object({ ok: z.boolean() }),
  }),
  missing: route({
    method: "GET",
    path: "/v1/missing",
    role: "public",
    action: "missing",
    summary: "missing",
    tags: [],
    success: 200,
  }),
};
const implementations = {
  async ping() {
    return { body: { ok: true }, headers: { etag: '"1"' } };
  },
  async missing(): Promise<never> {
    throw new NotFoundError("Nothing here.");
  },
};

const event = (path: string, origin?: string) => ({
  httpMethod: "GET",
  path,
  headers: origin ? { origin } : {},
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  body: null,
  isBase64Encoded: false,
  resource: "/{proxy+}",
  requestContext: { requestId: "cors-test" },
});
const context = { awsRequestId: "cors-test", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

// The embedded platform, as every handler runs on it locally (it installs itself for getPlatform()).
let platform: LocalPlatform | undefined;
beforeAll(async () => {
  platform = await startLocalPlatform({ home: scratchDir("mcpflow-cors-"), port: 0 });
});
afterAll(async () => {
  await platform?.stop();
});

describe("CORS headers on the functions' answers", () => {
  const handler = createApiHandler(routes, implementations, { webOrigin: ORIGIN });
  const call = (path: string, origin?: string) => handler(event(path, origin) as never, context);

  it("allow the web origin on a success, and expose the headers a client reads", async () => {
    const response = await call("/v1/ping", ORIGIN);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBe(ORIGIN);
    expect(String(response.headers?.["Access-Control-Expose-Headers"])).toContain("ETag");
  });

  it("allow it on a problem+json error and on an unknown route too", async () => {
    for (const path of ["/v1/missing", "/v1/nowhere"]) {
      const response = await call(path, ORIGIN);
      expect(response.statusCode, path).toBe(404);
      expect(response.headers?.["content-type"], path).toContain("application/problem+json");
      expect(response.headers?.["Access-Control-Allow-Origin"], path).toBe(ORIGIN);
    }
  });

  it("allow no other origin", async () => {
    const response = await call("/v1/ping", "https://evil.example.com");
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBeUndefined();
  });

  it("allow each of several configured origins, and only them (the console's CloudFront address and webOrigin)", async () => {
    const CLOUDFRONT = "https://d111111abcdef8.cloudfront.net";
    const both = createApiHandler(routes, implementations, { webOrigin: `${ORIGIN},${CLOUDFRONT}` });
    for (const origin of [ORIGIN, CLOUDFRONT]) {
      const response = await both(event("/v1/ping", origin) as never, context);
      expect(response.headers?.["Access-Control-Allow-Origin"], origin).toBe(origin);
    }
    const other = await both(event("/v1/ping", "https://evil.example.com") as never, context);
    expect(other.headers?.["Access-Control-Allow-Origin"]).toBeUndefined();
  });

  it("add nothing when no web origin is configured", async () => {
    const plain = createApiHandler(routes, implementations, { webOrigin: "" });
    const response = await plain(event("/v1/ping", ORIGIN) as never, context);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBeUndefined();
  });
});
