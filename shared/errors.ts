// Domain errors. Services throw these; shared/http/problem.ts maps them, in one place, to RFC 9457 responses.

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `packages.0.identifier`, or `body` for the whole document. */
  field: string;
  /** The rule that failed, in words a caller can act on. */
  rule: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  readonly issues: FieldIssue[];
  readonly extra: Record<string, unknown>;

  constructor(
    message: string,
    options: { issues?: FieldIssue[]; cause?: unknown; extra?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.issues = options.issues ?? [];
    this.extra = options.extra ?? {};
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
  readonly title = "Bad Request";
}

export class ValidationError extends DomainError {
  readonly status = 400;
  readonly title = "Validation failed";
}

/** The request is well-formed but refers to things that do not fit together (unknown step, cycle, unknown tool...). */
export class UnprocessableError extends DomainError {
  readonly status = 422;
  readonly title = "Unprocessable content";
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly title = "Unauthorized";
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly title = "Forbidden";
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly title = "Not Found";
}

export class MethodNotAllowedError extends DomainError {
  readonly status = 405;
  readonly title = "Method Not Allowed";
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly title = "Conflict";
}

export class PreconditionFailedError extends DomainError {
  readonly status = 412;
  readonly title = "Precondition Failed";
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly title = "Payload Too Large";
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly title = "Unsupported Media Type";
}

export class PreconditionRequiredError extends DomainError {
  readonly status = 428;
  readonly title = "Precondition Required";
}

/** A dependency (an MCP server, an AWS API) failed in a way the caller cannot fix by changing the request. */
export class UpstreamError extends DomainError {
  readonly status = 502;
  readonly title = "Bad Gateway";
}
