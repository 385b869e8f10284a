// Builds the Lambda handler of one API area: a middy chain that logs, maps errors to problem+json, routes,
// authenticates, checks the role, parses and validates the body, calls the area's implementation and audits writes.
import { isUtf8 } from "node:buffer";
import middy, { type MiddlewareObj, type Request } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { recordAudit } from "../audit/log.js";
import {
  BadRequestError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "../errors.js";
import { authenticateApiKey } from "../identity/api-keys.js";
import { type Caller, hasRole } from "../identity/roles.js";
import { logger } from "../log.js";
import { getPlatform, type Platform } from "../platform.js";
import { MAX_VALUE_DEPTH, STORED_DEPTH_LIMIT, tooDeepAt } from "../store/depth.js";
import { validationError } from "../validation.js";
import * as z from "../zod.js";
import { corsFor, corsMiddleware, isOfficialRegistryPath } from "./cors.js";
import { openPageCursor, sealPageCursor } from "./page-cursors.js";
import { problemFor } from "./problem.js";
import type { ApiRequest, ApiResult, HttpMethod, Implementations, RouteSpec, RouteTable } from "./route.js";
import { createRouter } from "./router.js";

const DEFAULT_MAX_BODY = 1024 * 1024;

const NO_QUERY = z.strictObject({});

/** A page opened with `?access_token=`: kept out of every cache, and followed links do not carry its URL. */
const QUERY_TOKEN_HEADERS = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

/** A YAML parser such as `parse` from the `yaml` package; aliases are capped against "billion laughs" bodies. */
export type YamlParser = (text: string, options: { maxAliasCount: number }) => unknown;

export interface ApiHandlerOptions {
  /**
   * Parses `application/yaml` bodies. Opt-in per area: js-yaml is ~45 KB minified, so only areas with YAML routes
   * bundle it; elsewhere a YAML body is answered 415.
   */
  readonly parseYaml?: YamlParser;
  /** The browser origin allowed to call the API (CORS); MCPFLOW_WEB_ORIGIN by default, none when unset. */
  readonly webOrigin?: string;
  /**
   * Whether `publicRead` routes (the MCP registry read API) answer callers without credentials. Read per request;
   * MCPFLOW_REGISTRY_PUBLIC_READ=true by default, off when unset (docs/registry-api.md).
   */
  readonly anonymousRegistryReads?: () => boolean;
}

interface Internal {
  [key: string]: unknown;
  startedAt: number;
  platform?: Platform;
  spec?: RouteSpec;
  params?: Record<string, string>;
  caller?: Caller;
  operation?: string;
  auditDetail?: Record<string, string>;
}

type ApiEvent = APIGatewayProxyEvent;
type ApiRequestState = Request<ApiEvent, APIGatewayProxyResult, Error, Context, Internal>;

// Header and query maps have no prototype: a client's key such as `__proto__` or `toString` stays an ordinary key
// (refused as unknown by the route's schema) instead of being dropped or shadowing a method.
function lowerCaseHeaders(event: ApiEvent): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === "string") headers[key.toLowerCase()] = value;
  }
  return headers;
}

function firstQueryValues(event: ApiEvent): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (typeof value === "string") query[key] = value;
  }
  return query;
}

function mediaKind(contentType: string | undefined): "json" | "yaml" | "text" | "other" | undefined {
  if (!contentType) return undefined;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return "json";
  if (type === "application/yaml" || type === "application/x-yaml" || type === "text/yaml") return "yaml";
  if (type === "text/markdown" || type === "text/plain") return "text";
  return "other";
}

function readBody(
  event: ApiEvent,
  spec: RouteSpec,
  headers: Record<string, string>,
  parseYaml: YamlParser | undefined,
): { value: unknown; raw?: string } {
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  const limit = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (bytes.length > limit) {
    throw new PayloadTooLargeError(
      `The body is ${bytes.length} bytes; this route accepts at most ${limit}.`,
      {
        issues: [{ field: "body", rule: `must be at most ${limit} bytes` }],
      },
    );
  }
  if (!spec.body) return { value: undefined };
  if (bytes.length === 0) {
    throw new BadRequestError("This route needs a request body.", {
      issues: [{ field: "body", rule: "is required" }],
    });
  }
  const accepted = (spec.bodyTypes ?? ["json"]).filter((k) => k !== "yaml" || parseYaml !== undefined);
  const kind = mediaKind(headers["content-type"]);
  if (kind === undefined || kind === "other" || !accepted.includes(kind)) {
    const types = accepted.map(
      (k) => ({ json: "application/json", yaml: "application/yaml", text: "text/markdown" })[k],
    );
    throw new UnsupportedMediaTypeError(
      `Content-Type ${headers["content-type"] ?? "(none)"} is not accepted here; send ${types.join(" or ")}.`,
      { issues: [{ field: "content-type", rule: `must be one of ${types.join(", ")}` }] },
    );
  }
  // Decoding would turn each broken sequence into U+FFFD silently, and store that instead of what was sent.
  if (!isUtf8(bytes)) {
    throw new BadRequestError("The body is not valid UTF-8.", {
      issues: [{ field: "body", rule: "must be valid UTF-8" }],
    });
  }
  const text = bytes.toString("utf8");
  if (kind === "text") return { value: text, raw: text };
  let value: unknown;
  try {
    value = kind === "json" ? JSON.parse(text) : parseYaml!(text, { maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : "cannot be parsed";
    throw new BadRequestError(`The body is not valid ${kind === "json" ? "JSON" : "YAML"}: ${reason}`, {
      issues: [{ field: "body", rule: `must be valid ${kind === "json" ? "JSON" : "YAML"}` }],
    });
  }
  const deep = tooDeepAt(value, MAX_VALUE_DEPTH);
  if (deep !== undefined) {
    const field = ["body", ...deep.slice(0, 3)].join(".");
    throw new BadRequestError(
      `The body nests more than ${MAX_VALUE_DEPTH} levels deep (at ${field}); DynamoDB stores ${STORED_DEPTH_LIMIT} levels, and a record keeps a body's values up to two levels down.`,
      {
        issues: [
          {
            field,
            rule: `must nest at most ${MAX_VALUE_DEPTH} levels (DynamoDB stores ${STORED_DEPTH_LIMIT} levels)`,
          },
        ],
      },
    );
  }
  const protoKey = protoKeyPath(value);
  if (protoKey !== undefined) {
    throw new BadRequestError("The body has a key named __proto__, which is not accepted anywhere.", {
      issues: [{ field: `body${protoKey}`, rule: "a key named __proto__ is not accepted" }],
    });
  }
  return { value, raw: text };
}

/**
 * Where the first own key `__proto__` is in a parsed body (`.a.b.__proto__`, `.items.3.__proto__`), if any. JSON.parse
 * and YAML keep it as an ordinary key, but copying such an object by assignment (as schema parsing does) either
 * drops it silently or replaces the copy's prototype. Iterative, so deep nesting cannot overflow the stack.
 */
function protoKeyPath(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, ""]];
  while (pending.length > 0) {
    const [node, path] = pending.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        pending.push([item, `${path}.${index}`]);
      });
      continue;
    }
    if (Object.hasOwn(node, "__proto__")) return `${path}.__proto__`;
    for (const [key, item] of Object.entries(node)) pending.push([item, `${path}.${key}`]);
  }
  return undefined;
}

/** The caller behind a request's headers; the local HTTP adapter also calls it before it reads a body. */
export async function authenticate(platform: Platform, headers: Record<string, string>): Promise<Caller> {
  const authorization = headers.authorization;
  const apiKey = headers["x-api-key"];
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new UnauthorizedError("The Authorization header must be `Bearer <token>`.");
    const verified = await platform.verifier.verify(match[1]!);
    if (!verified.role) {
      throw new ForbiddenError(`${verified.name} is in none of the groups admin, editor, operator, viewer.`);
    }
    return { ...verified, role: verified.role };
  }
  if (apiKey) return authenticateApiKey(platform.table, apiKey);
  throw new UnauthorizedError("Send `Authorization: Bearer <token>` or `x-api-key: <key>`.");
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  if (body === undefined) return { statusCode: status, headers, body: "" };
  // A string body with a non-JSON content-type of its own (text/html, text/x-diff) is sent as it is.
  const type = Object.entries(headers).find(([key]) => key.toLowerCase() === "content-type")?.[1];
  if (typeof body === "string" && type !== undefined && mediaKind(type) !== "json") {
    return { statusCode: status, headers, body };
  }
  return {
    statusCode: status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

function requestLogger(): MiddlewareObj<ApiEvent, APIGatewayProxyResult, Error, Context, Internal> {
  const log = (request: ApiRequestState) => {
    const internal = request.internal as Internal;
    logger.info("request", {
      method: request.event.httpMethod,
      path: request.event.path,
      status: request.response?.statusCode,
      ms: Math.round(performance.now() - internal.startedAt),
      caller: internal.caller?.id ?? "anonymous",
      requestId: request.event.requestContext?.requestId,
    });
  };
  return {
    before: (request) => {
      (request.internal as Internal).startedAt = performance.now();
    },
    after: log,
    onError: log,
  };
}

function problemResponses(): MiddlewareObj<ApiEvent, APIGatewayProxyResult, Error, Context, Internal> {
  return {
    onError: (request) => {
      const { problem, headers } = problemFor(request.error, request.event.path);
      if (problem.status >= 500) {
        logger.error("unhandled error", { error: request.error, path: request.event.path });
      }
      // The MCP registry read API answers errors as the official registry does: {"error": "..."}.
      const official =
        (request.internal as Internal).spec?.problemFormat === "official-registry" ||
        isOfficialRegistryPath(request.event.path);
      request.response = official
        ? {
            statusCode: problem.status,
            headers: { "content-type": "application/json", ...headers },
            body: JSON.stringify({
              error: problem.detail ?? problem.title,
              ...(problem.errors ? { errors: problem.errors } : {}),
            }),
          }
        : {
            statusCode: problem.status,
            headers: { "content-type": "application/problem+json", ...headers },
            body: JSON.stringify(problem),
          };
    },
  };
}

function auditTrail(): MiddlewareObj<ApiEvent, APIGatewayProxyResult, Error, Context, Internal> {
  const record = async (request: ApiRequestState) => {
    const internal = request.internal as Internal;
    const method = request.event.httpMethod;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
    if (!internal.platform || !request.response) return;
    const status = request.response.statusCode;
    try {
      await recordAudit(internal.platform.table, {
        at: new Date().toISOString(),
        actor: internal.caller
          ? { id: internal.caller.id, name: internal.caller.name, role: internal.caller.role }
          : { id: "anonymous", name: "anonymous" },
        action: internal.spec?.action ?? "unknown",
        method: request.event.httpMethod,
        path: request.event.path,
        target: internal.params ? Object.values(internal.params).join("@") || undefined : undefined,
        outcome: status < 400 ? "success" : "failure",
        status,
        requestId: request.event.requestContext?.requestId,
        ...(internal.auditDetail && status < 400 ? { detail: internal.auditDetail } : {}),
      });
    } catch (error) {
      logger.error("audit write failed", { error, path: request.event.path });
    }
  };
  // onError runs before problemResponses has set the response (middy runs onError in reverse order of use),
  // so the audit middleware is registered first and reads the response in both paths.
  return { after: record, onError: record };
}

export function createApiHandler<R extends RouteTable>(
  routes: R,
  implementations: Implementations<R>,
  options: ApiHandlerOptions = {},
) {
  const entries = Object.entries(routes).map(([operation, spec]) => ({ ...spec, operation }));
  const lookup = createRouter(entries);
  // middy hands `internal` to middlewares only; the handler reaches the same object through its event.
  const states = new WeakMap<ApiEvent, Internal>();

  const main = async (
    event: ApiEvent,
    _context: Context,
    internal: Internal,
  ): Promise<APIGatewayProxyResult> => {
    // API Gateway answers preflights itself; the embedded platform's come here. The CORS middleware adds the headers.
    if (event.httpMethod === "OPTIONS" && isOfficialRegistryPath(event.path)) {
      return { statusCode: 204, headers: {}, body: "" };
    }
    const found = lookup(event.httpMethod, event.path);
    if (found.kind === "not-found")
      throw new NotFoundError(`No route for ${event.httpMethod} ${event.path}.`);
    if (found.kind === "malformed-path") {
      throw new BadRequestError(`The path ${event.path} has a broken percent-encoding.`, {
        issues: [{ field: "path", rule: "must be valid percent-encoded UTF-8 (a `/` in a name is `%2F`)" }],
      });
    }
    if (found.kind === "method-not-allowed") {
      throw new MethodNotAllowedError(`${event.httpMethod} is not allowed on ${event.path}.`, {
        extra: { allow: found.allowed },
      });
    }
    const { spec, params: rawParams } = found.match;
    internal.spec = spec;
    internal.params = rawParams;
    internal.operation = spec.operation;
    const platform = await getPlatform();
    internal.platform = platform;
    const headers = lowerCaseHeaders(event);
    const query = firstQueryValues(event);
    if (spec.queryToken && query.access_token !== undefined) {
      if (!headers.authorization && !headers["x-api-key"])
        headers.authorization = `Bearer ${query.access_token}`;
      delete query.access_token;
    }

    let caller: Caller | undefined;
    const anonymousRead =
      spec.publicRead === true && !headers.authorization && !headers["x-api-key"] && anonymousRegistryReads();
    if (spec.role !== "public" && !anonymousRead) {
      caller = await authenticate(platform, headers);
      internal.caller = caller;
      if (!hasRole(caller.role, spec.role)) {
        throw new ForbiddenError(`This needs the ${spec.role} role; ${caller.name} has ${caller.role}.`);
      }
    }

    const body = readBody(event, spec, headers, options.parseYaml);
    const parse = (schema: RouteSpec["params"], value: unknown, prefix: string) => {
      if (!schema) return value;
      const result = z.safeParse(schema, value);
      if (!result.success) throw validationError(result.error, prefix);
      return result.data;
    };
    const request: ApiRequest = {
      params: parse(spec.params, rawParams, "path"),
      // A route without query parameters refuses any, as a body refuses unknown fields.
      query: await openPageCursor(
        platform,
        spec,
        spec.operation,
        parse(spec.query ?? NO_QUERY, query, "query"),
      ),
      body: parse(spec.body, body.value, "body"),
      rawBody: body.raw,
      headers,
      caller: caller as Caller,
      platform,
      requestId: event.requestContext?.requestId ?? "local",
      method: event.httpMethod as HttpMethod,
      path: event.path,
    };
    const implementation = implementations[spec.operation as keyof R] as (
      r: ApiRequest,
    ) => Promise<ApiResult>;
    const result = await implementation(request);
    if (result.audit) internal.auditDetail = result.audit;
    return json(
      result.status ?? spec.success,
      await sealPageCursor(platform, spec, spec.operation, request.query, result.body),
      spec.queryToken ? { ...result.headers, ...QUERY_TOKEN_HEADERS } : result.headers,
    );
  };

  const anonymousRegistryReads =
    options.anonymousRegistryReads ?? (() => process.env.MCPFLOW_REGISTRY_PUBLIC_READ === "true");
  const cors = corsMiddleware(corsFor(options.webOrigin ?? process.env.MCPFLOW_WEB_ORIGIN));
  return (
    middy<ApiEvent, APIGatewayProxyResult, Error, Context, Internal>()
      // First, so that its after/onError run last: on the response problemResponses has made, errors included.
      .use(cors as MiddlewareObj<ApiEvent, APIGatewayProxyResult, Error, Context, Internal>)
      .use(requestLogger())
      .use(auditTrail())
      .use(problemResponses())
      .use({
        before: (request) => {
          states.set(request.event, request.internal as Internal);
        },
      })
      .handler(async (event, context) =>
        main(event, context, states.get(event) ?? ({ startedAt: 0 } as Internal)),
      )
  );
}
