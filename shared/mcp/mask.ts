// Masking secret values in everything that comes back from a server (tool results, listings, errors, stderr) at the
// connection, before any host (the embedded engine, the Fargate runner, the remote invoker, the probe) stores or logs
// it: a server is untrusted code and may print its environment anywhere.
import type {
  CallToolResult,
  Implementation,
  Prompt,
  Resource,
  ServerCapabilities,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { CallOptions, McpConnection } from "./connect.js";
import { redact } from "./env.js";

/** Every string in `value` with each secret value replaced by `***`; the shape is unchanged. */
export function maskDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const visit = (node: unknown, depth: number): unknown => {
    if (typeof node === "string") return redact(node, secrets);
    if (typeof node !== "object" || node === null || depth > 64) return node;
    if (Array.isArray(node)) return node.map((item) => visit(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) out[redact(key, secrets)] = visit(item, depth + 1);
    return out;
  };
  return visit(value, 0) as T;
}

/**
 * The error with its message, its string fields (text, reason, stderr tail, content) and its whole `cause` chain
 * masked. A cause is replaced by a plain Error that keeps its name and masked message: loggers print causes.
 */
export function maskError<E>(error: E, secrets: readonly string[]): E {
  if (secrets.length === 0 || !(error instanceof Error)) return error;
  const masked = error as Error & Record<string, unknown>;
  masked.message = redact(masked.message, secrets);
  if (typeof masked.stack === "string") masked.stack = redact(masked.stack, secrets);
  for (const key of ["text", "reason", "stderrTail", "content"]) {
    if (key in masked) {
      try {
        masked[key] = maskDeep(masked[key], secrets);
      } catch {
        // A read-only field keeps its value; the message above is what hosts show.
      }
    }
  }
  if (masked.cause !== undefined) masked.cause = maskedCause(masked.cause, secrets, 0);
  return error;
}

function maskedCause(cause: unknown, secrets: readonly string[], depth: number): unknown {
  if (depth > 8) return undefined;
  if (!(cause instanceof Error)) return maskDeep(cause, secrets);
  const copy = new Error(redact(cause.message, secrets));
  copy.name = cause.name;
  copy.stack = redact(cause.stack ?? "", secrets);
  const code = (cause as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code: maskDeep(code, secrets) });
  // AggregateError (a connect that tried several addresses): the codes say why, so they are kept.
  const errors = (cause as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    Object.assign(copy, { errors: errors.map((e) => maskedCause(e, secrets, depth + 1)) });
  }
  if (cause.cause !== undefined) copy.cause = maskedCause(cause.cause, secrets, depth + 1);
  return copy;
}

/** A connection whose every answer and error has the secret values masked. */
export class MaskedConnection implements McpConnection {
  readonly serverInfo: Implementation;
  readonly instructions: string | undefined;
  readonly capabilities: ServerCapabilities;

  constructor(
    private readonly inner: McpConnection,
    private readonly secrets: readonly string[],
  ) {
    this.serverInfo = maskDeep(inner.serverInfo, secrets);
    this.instructions = maskDeep(inner.instructions, secrets);
    this.capabilities = maskDeep(inner.capabilities, secrets);
  }

  get protocolVersion(): string {
    return this.inner.protocolVersion;
  }
  get label(): string {
    return this.inner.label;
  }
  get pid(): number | undefined {
    return this.inner.pid;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  onClose(listener: () => void): void {
    this.inner.onClose(listener);
  }
  listTools(options?: { timeoutMs?: number }): Promise<Tool[]> {
    return this.masked(this.inner.listTools(options));
  }
  listResources(options?: { timeoutMs?: number }): Promise<Resource[]> {
    return this.masked(this.inner.listResources(options));
  }
  listPrompts(options?: { timeoutMs?: number }): Promise<Prompt[]> {
    return this.masked(this.inner.listPrompts(options));
  }
  callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    return this.masked(this.inner.callTool(name, args, options));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  stderrTail(): string[] {
    return maskDeep(this.inner.stderrTail(), this.secrets);
  }

  private async masked<T>(pending: Promise<T>): Promise<T> {
    try {
      return maskDeep(await pending, this.secrets);
    } catch (error) {
      throw maskError(error, this.secrets);
    }
  }
}
