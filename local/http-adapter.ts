// Turns a node:http request into an API Gateway REST proxy event, calls the area's Lambda handler, and writes
// its result back. This is the only code between an HTTP client and the handlers that AWS runs.
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerOptions, ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { type ApiArea, areaForPath } from "../shared/api/areas.js";
import { UnauthorizedError } from "../shared/errors.js";
import { logger } from "../shared/log.js";
import { answerIndex } from "./index-route.js";
import type { ConsoleListener } from "./web-console.js";

export type AreaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** API Gateway refuses payloads over 10 MB before any Lambda runs; so do we. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

export interface RequestListenerOptions {
  /**
   * Checks the caller's credentials from the headers alone and throws UnauthorizedError when there are none or they
   * are wrong. Called before a body is read, so an anonymous client cannot make the platform buffer 10 MB.
   */
  authenticate?: (headers: Record<string, string>) => Promise<unknown>;
  /** Routes that take a body from anyone (the sign-in code exchange): their bodies are read without a caller. */
  isPublicWrite?: (method: string, path: string) => boolean;
  /** The web console, for every path that is no API area's (the console answers it or declines it). */
  console?: ConsoleListener;
}

export interface HttpServerLimits {
  /** Whole header block; a client that trickles headers (slowloris) is cut off after this. */
  headersTimeoutMs?: number;
  /** Whole request, body included: a slow body is cut off after this. */
  requestTimeoutMs?: number;
  /** How often Node checks the two timeouts above. */
  checkIntervalMs?: number;
}

/**
 * node:http options for the API server. Node's defaults (60 s for headers, 300 s per request, checked every 30 s) let
 * a few hundred slow clients hold the platform's sockets for minutes; API Gateway gives a request 29 s in all.
 */
export function apiServerOptions(limits: HttpServerLimits = {}): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs ?? 10_000,
    requestTimeout: limits.requestTimeoutMs ?? 30_000,
    connectionsCheckingInterval: limits.checkIntervalMs ?? 1_000,
  };
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    type: `https://mcpflow.dev/problems/${title.toLowerCase().replaceAll(" ", "-")}`,
    title,
    status,
    detail,
  });
  res.writeHead(status, {
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** True when the request announces a body (a length above 0, or a chunked or otherwise framed one). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return Number(length) !== 0;
  return req.headers["transfer-encoding"] !== undefined;
}

/**
 * Answers without reading the body, and closes the connection once the answer is out: the unread body would
 * otherwise be drained (read and thrown away) for keep-alive, which is the very work the early answer avoids.
 */
function refuseUnread(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
): void {
  closeUnread(req, res);
  problem(res, status, title, detail, { connection: "close" });
}

/** How long a connection whose body went unread stays open after its answer, for the client to read that answer. */
const LINGER_MS = 2_000;

/**
 * Closes a connection whose request body was not read, once its answer is out: the answer's end goes at once (FIN),
 * and the socket itself LINGER_MS later, or as soon as the client closes. The body stays unread meanwhile: the request
 * is paused, so at most its stream's buffer is read and the rest waits in the client's and the kernel's buffers.
 * Destroyed at once instead, a socket with unread bytes answers the client's next ones with a reset, and a client
 * still sending its body saw EPIPE or ECONNRESET instead of the end of the answer (always on Node 24; on Node 20 when
 * its write came first) — the lingering close HTTP servers do (RFC 9112 §9.6).
 */
function closeUnread(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  // Node's server ends a `Connection: close` answer with destroySoon(), which destroys the socket once the end is out.
  socket.destroySoon = () => socket.end();
  res.on("finish", () => {
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.end();
    // Node's server resumes (drains) a body nobody read once the answer is out; this one is not to be read.
    req.pause();
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BYTES) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "mcpflow-local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:mcpflow-local",
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: "local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function createRequestListener(
  handlers: Record<ApiArea, AreaHandler>,
  options: RequestListenerOptions = {},
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? "/", "http://local");
      if (url.pathname === "/" && (req.method === "GET" || req.method === "HEAD")) {
        // A browser gets the console; curl and other clients the JSON index of the API (and a browser the
        // index page while no console is built).
        const browser = /\btext\/html\b/.test(req.headers.accept ?? "");
        if (browser && options.console && (await options.console(req, res))) return;
        answerIndex(req, res);
        return;
      }
      const area = areaForPath(url.pathname);
      if (!area) {
        if (options.console && (await options.console(req, res))) return;
        problem(res, 404, "Not Found", `No route for ${req.method} ${url.pathname}.`);
        // API Gateway answers these itself on AWS; locally the log line is ours to write.
        logger.info("request", {
          method: req.method,
          path: url.pathname,
          status: 404,
          ms: 0,
          caller: "anonymous",
        });
        return;
      }
      const tooLarge = `Bodies over ${GATEWAY_MAX_BYTES} bytes are refused.`;
      if (Number(req.headers["content-length"] ?? 0) > GATEWAY_MAX_BYTES) {
        refuseUnread(req, res, 413, "Payload Too Large", tooLarge);
        return;
      }
      let body: Buffer | "too-large" | "unread" = Buffer.alloc(0);
      const publicWrite = options.isPublicWrite?.(req.method ?? "GET", url.pathname) === true;
      if (hasBody(req) && options.authenticate && !publicWrite) {
        // Only "who are you?" is decided here; anything else (a caller in no group) is the handler's to answer.
        const refused = await options.authenticate(flatHeaders(req)).then(
          () => false,
          (error: unknown) => error instanceof UnauthorizedError,
        );
        // The handler, shown the request without its body, answers the 401 itself, so the log line and the audit
        // entry of a refused write are the same as for any other request. Every route that takes a body needs a caller.
        if (refused) body = "unread";
      }
      if (body !== "unread" && hasBody(req)) body = await readBody(req);
      if (body === "too-large") {
        refuseUnread(req, res, 413, "Payload Too Large", tooLarge);
        return;
      }
      const requestId = randomUUID();
      const event = proxyEvent(req, url, body === "unread" ? Buffer.alloc(0) : body, requestId);
      const result = await handlers[area](event, lambdaContext(requestId));
      const outHeaders: Record<string, string | number | boolean> = {
        "x-request-id": requestId,
        ...(result.headers ?? {}),
        ...(body === "unread" ? { connection: "close" } : {}),
      };
      if (body === "unread") closeUnread(req, res);
      const payload = result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
      // With its length known the answer goes out in one write, as API Gateway sends it, not in chunks (Node chunks
      // whatever writeHead leaves without a length). 204 and 304 carry no body and no length.
      if (payload.length > 0 && result.statusCode !== 204 && result.statusCode !== 304) {
        outHeaders["content-length"] = Buffer.byteLength(payload);
      }
      res.writeHead(result.statusCode, outHeaders as Record<string, string>);
      res.end(payload);
    } catch {
      // The handlers map every error themselves; reaching this means the adapter itself broke.
      if (!res.headersSent)
        problem(res, 500, "Internal Server Error", "The local platform failed to answer.");
      else res.end();
    }
  };
}

function proxyEvent(req: IncomingMessage, url: URL, body: Buffer, requestId: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiHeaders: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[key] = Array.isArray(value) ? value.join(",") : value;
    multiHeaders[key] = Array.isArray(value) ? value : [value];
  }
  // Without a prototype: a query key such as `toString` or `__proto__` is just a key.
  const query: Record<string, string> = Object.create(null);
  const multiQuery: Record<string, string[]> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    multiQuery[key] = [...(multiQuery[key] ?? []), value];
  }
  // A text body that is not valid UTF-8 goes as bytes (base64), as binary bodies do: decoding it here would replace
  // what was sent with U+FFFD, and the handler could no longer tell (it answers 400).
  const binary = body.length > 0 && (!isText(headers["content-type"]) || !isUtf8(body));
  return {
    httpMethod: req.method ?? "GET",
    path: url.pathname,
    resource: "/{proxy+}",
    headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters: { proxy: url.pathname.replace(/^\//, "") },
    stageVariables: null,
    body: body.length > 0 ? body.toString(binary ? "base64" : "utf8") : null,
    isBase64Encoded: binary,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: req.method ?? "GET",
      identity: {
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      } as APIGatewayProxyEvent["requestContext"]["identity"],
      path: url.pathname,
      stage: "local",
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath: "/{proxy+}",
    },
  };
}

function isText(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|yaml|x-yaml|[a-z0-9.+-]+\+json|x-www-form-urlencoded))/i.test(
    contentType,
  );
}
