// What the CLI ends with: one line on stderr (the problem's title, the failing fields, what to do) and an exit code a
// script can branch on. Never a stack trace.

/** Exit codes; docs/cli.md lists them. */
export const EXIT = {
  ok: 0,
  /** The API refused (4xx other than below) or failed (5xx), or the network did. */
  error: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** No credentials, or the API answered 401 or 403. */
  auth: 3,
  /** The API answered 404. */
  notFound: 4,
  /** The API answered 409 or 412: a conflict to resolve (an approval, a stale version). */
  conflict: 5,
  /** A run the command followed (or a tool call) ended FAILED, CANCELLED or TIMED_OUT. */
  runFailed: 10,
  runCancelled: 11,
  runTimedOut: 12,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exit: ExitCode;
  readonly fields: { field: string; rule: string }[];

  constructor(
    message: string,
    options: { hint?: string; exit?: ExitCode; fields?: { field: string; rule: string }[] } = {},
  ) {
    super(message);
    this.name = "CliError";
    this.hint = options.hint;
    this.exit = options.exit ?? EXIT.error;
    this.fields = options.fields ?? [];
  }
}

/** An RFC 9457 problem as the API sends it (application/problem+json). */
export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; rule: string }[];
}

/** A problem the API answered, as a CliError with the exit code its status implies and what to do next. */
export function problemError(status: number, problem: Problem | undefined, request: string): CliError {
  const title = problem?.title ?? `HTTP ${status}`;
  const detail = problem?.detail ? `: ${problem.detail}` : "";
  const exit =
    status === 401 || status === 403
      ? EXIT.auth
      : status === 404
        ? EXIT.notFound
        : status === 409 || status === 412 || status === 428
          ? EXIT.conflict
          : EXIT.error;
  const hint =
    status === 401
      ? "sign in with `mcpflow login` (or set MCPFLOW_API_KEY)"
      : status === 403
        ? "your role does not allow this; ask an admin, or use a profile with a stronger role (--profile)"
        : status >= 500
          ? `the platform failed on ${request}; try again, or look at its logs`
          : undefined;
  return new CliError(`${title}${detail}`, {
    exit,
    fields: problem?.errors ?? [],
    ...(hint ? { hint } : {}),
  });
}

/**
 * The one line an error prints: what went wrong, the failing fields, what to do. An unexpected error prints its
 * message only (its stack stays out: MCPFLOW_DEBUG=1 prints it).
 */
export function describeError(error: unknown): { line: string; exit: ExitCode } {
  if (error instanceof CliError) {
    const fields = error.fields.map((f) => `${f.field}: ${f.rule}`);
    const line =
      `error: ${oneLine(error.message)}` +
      (fields.length > 0 ? ` (${oneLine(fields.join("; "))})` : "") +
      (error.hint ? ` — ${error.hint}` : "");
    return { line, exit: error.exit };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: `error: ${oneLine(message)}`, exit: EXIT.error };
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
