// Errors for calling MCP servers. Each carries the Step Functions error name (`errorName`) the runner reports
// with SendTaskFailure, so that the compiled state machine can Retry/Catch on it.
import { UpstreamError, UpstreamTimeoutError } from "../errors.js";

/** The error names a step reports to Step Functions; the workflow compiler matches Retry/Catch on these. */
export const MCP_ERROR_NAMES = {
  /** The tool ran and said no (`isError: true`, unknown tool, invalid arguments). Retrying the same call rarely helps. */
  toolError: "Mcp.ToolError",
  /** The server could not be started or reached, crashed, or broke the protocol. Often transient. */
  serverError: "Mcp.ServerError",
  /** The tool did not answer within the step's timeout. */
  timeout: "Mcp.Timeout",
  /** The runner itself could not do its job (bad task environment, step call not loadable). */
  runnerError: "Mcp.RunnerError",
} as const;

export type McpErrorName = (typeof MCP_ERROR_NAMES)[keyof typeof MCP_ERROR_NAMES];

export const MCP_TOOL_ERROR = MCP_ERROR_NAMES.toolError;
export const MCP_SERVER_ERROR = MCP_ERROR_NAMES.serverError;
export const MCP_TIMEOUT = MCP_ERROR_NAMES.timeout;
export const MCP_RUNNER_ERROR = MCP_ERROR_NAMES.runnerError;

interface ServerFailureOptions {
  cause?: unknown;
  /** Last lines the server wrote to stderr, already redacted of secret values. */
  stderrTail?: string[];
}

/** The tool answered with an error. `text` is what the tool said, so a workflow can show it. */
export class McpToolError extends UpstreamError {
  readonly errorName = MCP_TOOL_ERROR;
  readonly toolName: string;
  readonly text: string;
  readonly content: unknown[];

  constructor(toolName: string, text: string, options: { content?: unknown[]; cause?: unknown } = {}) {
    super(`tool "${toolName}" failed: ${text || "(no message)"}`, { cause: options.cause });
    this.toolName = toolName;
    this.text = text;
    this.content = options.content ?? [];
  }
}

/** The server failed as a process or a peer: crashed, unreachable, or not speaking MCP. */
export class McpServerError extends UpstreamError {
  readonly errorName: McpErrorName = MCP_SERVER_ERROR;
  readonly stderrTail: string[];

  constructor(message: string, options: ServerFailureOptions = {}) {
    super(message, { cause: options.cause });
    this.stderrTail = options.stderrTail ?? [];
  }
}

/** The server never became usable: `reason` says why in a few words ("exited with code 1", "command not found"). */
export class McpStartError extends McpServerError {
  readonly reason: string;

  constructor(server: string, reason: string, options: ServerFailureOptions = {}) {
    super(`MCP server ${server} failed to start: ${reason}${formatTail(options.stderrTail)}`, options);
    this.reason = reason;
  }
}

export class McpTimeoutError extends UpstreamTimeoutError {
  readonly errorName = MCP_TIMEOUT;
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options: { cause?: unknown } = {}) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}

export type McpFailure = McpToolError | McpServerError | McpTimeoutError;

export function isMcpFailure(error: unknown): error is McpFailure {
  return error instanceof McpToolError || error instanceof McpServerError || error instanceof McpTimeoutError;
}

/** Only the last few lines go into a message; the full tail stays on the error for logs. */
const TAIL_LINES_IN_MESSAGE = 10;

export function formatTail(tail: string[] | undefined): string {
  if (!tail || tail.length === 0) return "";
  return `\nstderr (last ${Math.min(tail.length, TAIL_LINES_IN_MESSAGE)} lines):\n${tail.slice(-TAIL_LINES_IN_MESSAGE).join("\n")}`;
}
