// CORS for the web origin (MCPFLOW_WEB_ORIGIN). API Gateway answers the preflight (OPTIONS) itself and adds the
// headers to the errors it answers itself; responses from the Lambda functions must carry them too, or a browser
// hides them from the page. One list of headers serves both (infra/stacks/api-stack.ts reads it).
import httpCors from "@middy/http-cors";

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

/** The middleware for `origin`, or undefined when no web origin is configured (no CORS headers at all). */
export function corsFor(origin: string | undefined) {
  if (!origin) return undefined;
  return httpCors({
    origins: [origin],
    exposeHeaders: CORS_EXPOSE_HEADERS.join(", "),
    // API Gateway answers OPTIONS before the function is called; locally nothing asks for a preflight answer.
    disableBeforePreflightResponse: true,
  });
}
