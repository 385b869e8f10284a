// Reads one page of an upstream registry's v0.1 list (`GET <base>/v0.1/servers`) for the registry sync, through
// the outbound guard (https, DNS-checked addresses, no redirects) and within bounds: an upstream is another
// organisation's server, so a huge, slow, malformed or endless answer is a clear sync error, never a crash.
import type { IncomingMessage } from "node:http";
import { UpstreamError, UpstreamTimeoutError } from "../errors.js";
import { type AddressPolicy, urlProblem } from "../outbound/address.js";
import { guardedGet } from "../outbound/guarded-get.js";
import { OutboundRefusedError } from "../outbound/lookup.js";
import * as z from "../zod.js";

export interface UpstreamLimits {
  /** Versions asked for per page (the official API's maximum is 100). */
  pageSize: number;
  /** Largest answer read, in bytes; the reading stops there. */
  maxBodyBytes: number;
  /** One request, headers and body, in milliseconds. */
  timeoutMs: number;
}

export const UPSTREAM_LIMITS: UpstreamLimits = {
  pageSize: 50,
  // 50 versions of at most 1 MiB each would be more, but real server.json documents are a few KB.
  maxBodyBytes: 4 * 1024 * 1024,
  timeoutMs: 10_000,
};

/** A cursor is sent back in a URL and kept on the source item: a longer one is not a cursor. */
const MAX_CURSOR_CHARS = 1_000;

/**
 * Answers to a page request with a cursor that say the cursor is no good (it expired, the upstream was rebuilt or
 * changed its cursor format): sending it again cannot help. Busy, unavailable, unauthorised and rate-limited
 * answers (401, 403, 408, 429, 5xx) are about the upstream, not the cursor: the cursor is kept for the next try.
 */
const CURSOR_REFUSALS = new Set([400, 404, 410, 422]);

/** The upstream refused a page's cursor: the sync drops it rather than send it again. */
export class UpstreamCursorRefusedError extends UpstreamError {
  constructor(
    message: string,
    /** The status the upstream answered. */
    readonly upstreamStatus: number,
  ) {
    super(message);
  }
}

export interface UpstreamPageRequest {
  base: string;
  since?: string;
  cursor?: string;
  search?: string;
}

export interface UpstreamPage {
  /** Each entry as the upstream sent it: the sync judges each one on its own. */
  servers: unknown[];
  nextCursor?: string;
}

const Page = z.object({
  servers: z.array(z.unknown()),
  metadata: z.optional(
    z.object({ nextCursor: z.optional(z.nullable(z.string())), count: z.optional(z.unknown()) }),
  ),
});

/**
 * What is wrong with a source URL before anything is sent: not a URL, a query or fragment, or what the outbound
 * policy refuses (a scheme other than https, credentials, a literal private address).
 */
export function sourceUrlProblem(value: string, policy: AddressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL such as https://registry.example.com";
  }
  if (url.search || url.hash) return "must have no query or fragment (the sync adds /v0.1/servers?…)";
  return urlProblem(url, policy);
}

/** The list URL of a page; the base keeps its own path (`https://host/mirror` → `https://host/mirror/v0.1/servers`). */
export function pageUrl(request: UpstreamPageRequest, pageSize: number): URL {
  const url = new URL(`${request.base.replace(/\/+$/, "")}/v0.1/servers`);
  url.searchParams.set("limit", String(pageSize));
  if (request.search) url.searchParams.set("search", request.search);
  if (request.since) url.searchParams.set("updated_since", request.since);
  if (request.cursor) url.searchParams.set("cursor", request.cursor);
  return url;
}

export async function readUpstreamPage(
  request: UpstreamPageRequest,
  policy: AddressPolicy,
  limits: UpstreamLimits = UPSTREAM_LIMITS,
  signal?: AbortSignal,
): Promise<UpstreamPage> {
  const url = pageUrl(request, limits.pageSize);
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const text = await (async () => {
    try {
      const response = await guardedGet(url, {
        policy,
        headers: { accept: "application/json" },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        response.destroy();
        if (request.cursor && CURSOR_REFUSALS.has(status)) {
          throw new UpstreamCursorRefusedError(
            `The upstream registry answered ${status} to GET ${url.pathname} with the cursor it had answered before.`,
            status,
          );
        }
        throw new UpstreamError(`The upstream registry answered ${status} to GET ${url.pathname}.`);
      }
      return await readBounded(response, limits.maxBodyBytes);
    } catch (error) {
      throw asSyncError(error, timeout, limits);
    }
  })();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamError("The upstream registry's answer is not JSON.");
  }
  const parsed = Page.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamError(
      "The upstream registry's answer is not a v0.1 server list ({servers: [...], metadata: {nextCursor}}).",
    );
  }
  const { servers, metadata } = parsed.data;
  if (servers.length > limits.pageSize) {
    throw new UpstreamError(
      `The upstream registry answered ${servers.length} servers to a request for at most ${limits.pageSize}.`,
    );
  }
  const nextCursor = metadata?.nextCursor || undefined;
  if (nextCursor !== undefined && (nextCursor.length > MAX_CURSOR_CHARS || /[\p{Cc}]/u.test(nextCursor))) {
    throw new UpstreamError(
      `The upstream registry's nextCursor is not a cursor (over ${MAX_CURSOR_CHARS} characters, or control characters).`,
    );
  }
  return { servers, ...(nextCursor !== undefined ? { nextCursor } : {}) };
}

/** The body as text, stopping (and closing the connection) once it passes `max` bytes. */
async function readBounded(response: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > max) {
      response.destroy();
      throw new UpstreamError(`The upstream registry's answer is larger than ${max} bytes; it was not read.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Every way a request can fail, as the sync error a caller reads; the remote end's words are never repeated. */
function asSyncError(error: unknown, timeout: AbortSignal, limits: UpstreamLimits): Error {
  if (error instanceof UpstreamError) return error;
  if (timeout.aborted) {
    return new UpstreamTimeoutError(
      `The upstream registry did not answer within ${limits.timeoutMs / 1000} s.`,
      { cause: error },
    );
  }
  const refused = findCause(error, (cause) => cause instanceof OutboundRefusedError);
  if (refused) {
    return new UpstreamError(`The outbound policy refused the request: ${refused.message}.`, {
      cause: error,
      issues: [{ field: "url", rule: refused.message }],
    });
  }
  if (findCause(error, (cause) => cause.name === "AbortError")) return error as Error;
  const code = findCause(error, (cause) => typeof (cause as { code?: unknown }).code === "string") as
    | (Error & { code: string })
    | undefined;
  return new UpstreamError(`The upstream registry could not be reached${code ? ` (${code.code})` : ""}.`, {
    cause: error,
  });
}

function findCause(error: unknown, test: (cause: Error) => boolean): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (test(current)) return current;
    current = current.cause;
  }
  return undefined;
}
