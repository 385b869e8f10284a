// Domain errors, named for what went wrong and carrying no HTTP: services throw these, and the HTTP edge
// (shared/http/problem.ts) holds the one table that turns each into a status and an RFC 9457 response.

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `packages.0.identifier`, or `body` for the whole document. */
  field: string;
  /** The rule that failed, in words a caller can act on. */
  rule: string;
}

export abstract class DomainError extends Error {
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

/** The request itself is malformed: a broken cursor, path or header value. */
export class BadRequestError extends DomainError {}

export class ValidationError extends DomainError {}

/** The request is well-formed but refers to things that do not fit together (unknown step, cycle, unknown tool...). */
export class UnprocessableError extends DomainError {}

export class UnauthorizedError extends DomainError {}

export class ForbiddenError extends DomainError {}

export class NotFoundError extends DomainError {}

export class MethodNotAllowedError extends DomainError {}

export class ConflictError extends DomainError {}

export class PreconditionFailedError extends DomainError {}

export class PayloadTooLargeError extends DomainError {}

export class UnsupportedMediaTypeError extends DomainError {}

export class PreconditionRequiredError extends DomainError {}

/** A dependency (an MCP server, an AWS API) failed in a way the caller cannot fix by changing the request. */
export class UpstreamError extends DomainError {}

/** A dependency did not answer in time. */
export class UpstreamTimeoutError extends DomainError {}
