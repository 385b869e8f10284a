// CORS for the web origins (MCPFLOW_WEB_ORIGIN, comma-separated: on AWS the console's CloudFront address and the
// configured webOrigin). API Gateway answers the preflight (OPTIONS) itself and adds the
// headers to the errors it answers itself; responses from the Lambda functions must carry them too, or a browser
// hides them from the page. One list of headers serves both (infra/stacks/api-stack.ts reads it).
import type { MiddlewareObj } from "@middy/core";
import httpCors from "@middy/http-cors";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

/** Request headers a browser client may send. */
export const CORS_ALLOW_HEADERS = [
  "Authorization",
  "Content-Type",
  "x-api-key",
  "If-Match",
  "Idempotency-Key",
];
/** Response headers a browser client may read. */
export const CORS_EXPOSE_HEADERS = ["ETag", "Location", "Retry-After", "x-request-id"];

/**
 * The middleware for `origins` (one origin, or several separated by commas), or undefined when none is configured
 * (no CORS headers at all). A request from one of them gets its own origin back; any other gets none.
 */
export function corsFor(origins: string | undefined) {
  const allowed = (origins ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (allowed.length === 0) return undefined;
  return httpCors({
    origins: allowed,
    exposeHeaders: CORS_EXPOSE_HEADERS.join(", "),
    // API Gateway answers OPTIONS before the function is called; locally nothing asks for a preflight answer.
    disableBeforePreflightResponse: true,
  });
}

/**
 * The MCP registry read API (/v0.1/servers) is read by IDEs and other registries from any origin, with these exact
 * headers on every answer and preflight (docs.github.com, "Configure an MCP registry for your organization").
 */
export const OFFICIAL_REGISTRY_CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type",
} as const;

export function isOfficialRegistryPath(path: string): boolean {
  return path === "/v0.1/servers" || path.startsWith("/v0.1/servers/");
}

type Cors = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** The web origin's CORS, except on the registry read API, whose answers carry OFFICIAL_REGISTRY_CORS. */
export function corsMiddleware(web: Cors | undefined): Cors {
  const official = (request: { event: APIGatewayProxyEvent; response: APIGatewayProxyResult | null }) => {
    if (!request.response) return;
    request.response.headers = { ...(request.response.headers ?? {}), ...OFFICIAL_REGISTRY_CORS };
  };
  return {
    after: async (request) => {
      if (isOfficialRegistryPath(request.event.path)) official(request);
      else await web?.after?.(request);
    },
    onError: async (request) => {
      if (isOfficialRegistryPath(request.event.path)) official(request);
      else await web?.onError?.(request);
    },
  };
}
