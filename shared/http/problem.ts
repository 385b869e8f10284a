// The one place where errors become HTTP answers: RFC 9457 problem+json, failing fields named, no stack traces.

import {
  BadRequestError,
  ConflictError,
  type DomainError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnauthorizedError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  UpstreamError,
  UpstreamTimeoutError,
  ValidationError,
} from "../errors.js";
import * as z from "../zod.js";

/** RFC 9457 lets a problem type add members (extensions), so the schema is open: a 412 adds `currentVersion`. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.optional(z.string()),
  instance: z.optional(z.string()),
  errors: z.optional(z.array(z.object({ field: z.string(), rule: z.string() }))),
  currentVersion: z.optional(
    z.int().check(z.meta({ description: "412 on an MCD write: the version that is current now" })),
  ),
});
export type Problem = z.infer<typeof Problem>;

const PROBLEM_BASE = "https://mcpflow.dev/problems/";

type ErrorClass = abstract new (...args: never[]) => DomainError;

/**
 * The HTTP answer to each domain error: the only place a status is chosen. Looked up with instanceof in this
 * order, so a subclass (RuntimeNotApprovedError is a ConflictError, McpToolError an UpstreamError) answers as its
 * parent unless it is listed before it.
 */
const STATUS_TABLE: ReadonlyArray<readonly [ErrorClass, number, string]> = [
  [ValidationError, 400, "Validation failed"],
  [BadRequestError, 400, "Bad Request"],
  [UnauthorizedError, 401, "Unauthorized"],
  [ForbiddenError, 403, "Forbidden"],
  [NotFoundError, 404, "Not Found"],
  [MethodNotAllowedError, 405, "Method Not Allowed"],
  [ConflictError, 409, "Conflict"],
  [PreconditionFailedError, 412, "Precondition Failed"],
  [PayloadTooLargeError, 413, "Payload Too Large"],
  [UnsupportedMediaTypeError, 415, "Unsupported Media Type"],
  [UnprocessableError, 422, "Unprocessable content"],
  [PreconditionRequiredError, 428, "Precondition Required"],
  [UpstreamError, 502, "Bad Gateway"],
  [UpstreamTimeoutError, 504, "Gateway Timeout"],
];

/** Status and title of a domain error; undefined for anything else (a bug: answered 500). */
export function statusOf(error: unknown): { status: number; title: string } | undefined {
  for (const [type, status, title] of STATUS_TABLE) {
    if (error instanceof type) return { status, title };
  }
  return undefined;
}

export function problemFor(
  error: unknown,
  instance: string,
): { problem: Problem; headers: Record<string, string> } {
  const answer = statusOf(error);
  if (answer) {
    const domain = error as DomainError;
    const slug = answer.title.toLowerCase().replaceAll(" ", "-");
    const headers: Record<string, string> = {};
    const allow = domain.extra.allow;
    if (Array.isArray(allow)) headers.allow = allow.join(", ");
    const extra = Object.fromEntries(Object.entries(domain.extra).filter(([key]) => key !== "allow"));
    return {
      problem: {
        type: `${PROBLEM_BASE}${slug}`,
        title: answer.title,
        status: answer.status,
        detail: domain.message,
        instance,
        ...(domain.issues.length > 0 ? { errors: domain.issues } : {}),
        ...extra,
      },
      headers,
    };
  }
  return {
    problem: {
      type: `${PROBLEM_BASE}internal`,
      title: "Internal Server Error",
      status: 500,
      detail: "The server failed to answer this request. The request id identifies it in the logs.",
      instance,
    },
    headers: {},
  };
}
