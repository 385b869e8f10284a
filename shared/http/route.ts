// A route is a contract: method, path, the role it needs and the zod schemas of its inputs and output.
// Contracts live apart from their implementations so the OpenAPI document can list every route without
// pulling every area's code into one bundle.

import type { Caller, Role } from "../identity/roles.js";
import type { Platform } from "../platform.js";
import type * as z from "../zod.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteSpec<
  P extends z.core.$ZodType = z.core.$ZodType,
  Q extends z.core.$ZodType = z.core.$ZodType,
  B extends z.core.$ZodType = z.core.$ZodType,
> {
  method: HttpMethod;
  /** `{param}` matches one segment; `{name*}` matches a server name, sent either as `ns%2Fname` or `ns/name`. */
  path: string;
  /** The weakest role allowed, or `public` for no authentication at all. */
  role: Role | "public";
  /**
   * Also readable without credentials when the deployment allows anonymous registry reads
   * (MCPFLOW_REGISTRY_PUBLIC_READ=true); credentials that are sent are still checked.
   */
  publicRead?: boolean;
  /**
   * Also takes the Bearer token as the `access_token` query parameter (RFC 6750 §2.3), for a page a browser opens by
   * navigation, which cannot send Authorization. The answer is never cached and its links send no Referer, so the
   * token stays out of caches and other sites' logs; access logs record the path without the query.
   */
  queryToken?: boolean;
  /** Errors as the official MCP registry answers them (`{"error": "..."}`) instead of problem+json. */
  problemFormat?: "official-registry";
  summary: string;
  tags: string[];
  /** The audit log names the action this way; every non-GET route is audited. */
  action: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The schema OpenAPI documents for the body when `body` is looser than what the service validates (a workflow
   * body is `unknown` to the route and a WorkflowDefinition to the service). Documentation only: never validated,
   * and rendered when the OpenAPI document is built, so its JSON Schema costs the Lambda nothing.
   */
  bodyDocs?: z.core.$ZodType;
  /** Media types the body may have; JSON by default. A parsed YAML body is handed over as its JSON value. */
  bodyTypes?: ("json" | "yaml" | "text")[];
  /** Largest body accepted, bytes; 1 MiB by default. */
  maxBodyBytes?: number;
  /** Header names the route reads (documented in OpenAPI), e.g. If-Match or Idempotency-Key. */
  headers?: { name: string; required?: boolean; description: string }[];
  success: number;
  /**
   * Problem statuses the implementation can answer beyond those the route's shape implies (400 for inputs, 401
   * and 403 for a role, 413 and 415 for a body): 404, 409, 412, 422, 428, 502. OpenAPI lists exactly these.
   */
  errors?: readonly number[];
  /** Headers every success answer carries (ETag, Location), documented in OpenAPI. */
  responseHeaders?: ResponseHeader[];
  /** Other statuses answered with the same body as `success` (a replayed Idempotency-Key, a degraded health). */
  alsoAnswers?: { status: number; description: string }[];
  response?: z.core.$ZodType;
  /** Content type of the response when it is not JSON (text/html, text/x-diff...). */
  responseType?: string;
}

export interface ResponseHeader {
  name: string;
  description: string;
}

export const ETAG: ResponseHeader = {
  name: "ETag",
  description: 'The version, quoted (`"3"`): send it back as If-Match to save the next one',
};

export const LOCATION = (what: string): ResponseHeader => ({
  name: "Location",
  description: `The path of ${what}`,
});

export function route<P extends z.core.$ZodType, Q extends z.core.$ZodType, B extends z.core.$ZodType>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

export interface ApiRequest<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The body as sent, for routes that keep the original text (YAML workflows, Markdown). */
  rawBody: string | undefined;
  headers: Record<string, string>;
  /** Undefined only on public routes. */
  caller: Caller;
  platform: Platform;
  requestId: string;
  method: HttpMethod;
  path: string;
}

export interface ApiResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Facts the audit entry of this write keeps besides who/what/when (an approved runtime's digest...). */
  audit?: Record<string, string>;
}

type Infer<T> = T extends z.core.$ZodType ? z.output<T> : undefined;

export type RouteHandler<S> =
  S extends RouteSpec<infer P, infer Q, infer B>
    ? (request: ApiRequest<Infer<P>, Infer<Q>, Infer<B>>) => Promise<ApiResult>
    : never;

export type RouteTable = Record<string, RouteSpec>;
export type Implementations<R extends RouteTable> = { [K in keyof R]: RouteHandler<R[K]> };
