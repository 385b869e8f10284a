// Connecting to one MCP server (a stdio child process or a Streamable HTTP endpoint) with the protocol's own SDK,
// in bounded time, and turning every way a start can fail into one McpStartError that says why.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { basename, isAbsolute } from "node:path";
import type { Readable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  CallToolResultSchema,
  ErrorCode,
  type Implementation,
  McpError,
  type Prompt,
  type Resource,
  type ServerCapabilities,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { AddressPolicy } from "../outbound/address.js";
import { checkRequestTarget, createGuardedFetch, outboundPolicyFromEnv } from "../outbound/guard.js";
import type { Runtime } from "../registry/schema.js";
import { buildHeaders, buildServerEnv, type ResolveInput, redact, secretValues } from "./env.js";
import { McpServerError, McpStartError, McpTimeoutError, McpToolError } from "./errors.js";
import { LineReadBuffer } from "./line-buffer.js";
import { MaskedConnection, maskError } from "./mask.js";
import {
  findTree,
  hasProc,
  isAlive,
  listDescendants,
  type SpawnWatcher,
  signalAll,
  treeMarker,
} from "./process-tree.js";
import { type ChildSandbox, type PreparedSandbox, prepareSandbox, resolveCommand } from "./sandbox.js";

export interface ConnectOptions extends ResolveInput {
  /** Bound on start + initialize; a server that has not answered by then is killed. */
  timeoutMs: number;
  /** Abandons the start (the server is killed) when the caller no longer needs it. */
  signal?: AbortSignal;
  /** A working directory the server's image chose (the runner's MCPFLOW_SERVER_CWD); with a sandbox, its scratch one. */
  cwd?: string;
  /** How long close() waits at each step (end stdin → SIGTERM → SIGKILL) before escalating. */
  closeGraceMs?: number;
  clientInfo?: { name: string; version: string };
  /** Told of every stdio child the moment it is spawned, and marks its environment (see ProcessRegistry). */
  processes?: SpawnWatcher;
  /**
   * Where a Streamable HTTP server may be reached (shared/outbound): https to public addresses, plus the hosts an admin
   * allow-listed. Defaults to the platform's environment (MCPFLOW_ALLOW_LOOPBACK_HTTP).
   */
  outbound?: AddressPolicy;
  /**
   * Secret values already resolved into the runtime (materializeRuntime's `secretValues`): masked, with those the
   * connection resolves itself, in everything the server sends back and in every error, before a host sees it.
   */
  redact?: readonly string[];
  /**
   * How a stdio server is isolated (sandbox.ts): its own namespaces and uid where the host allows, a scratch working
   * directory, HOME and TMPDIR always; the platform passes the one it decided at start. Left out, the server runs as
   * the caller's user in the caller's directory (tests of the connection itself).
   */
  sandbox?: ChildSandbox;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface McpConnection {
  readonly serverInfo: Implementation;
  readonly protocolVersion: string;
  readonly capabilities: ServerCapabilities;
  readonly instructions: string | undefined;
  /** A short, secret-free name for messages: `node index.js` or `http://127.0.0.1:3001/mcp`. */
  readonly label: string;
  /** The child's pid for stdio servers. */
  readonly pid: number | undefined;
  /** True once the transport closed, on purpose or because the server went away. */
  readonly closed: boolean;
  onClose(listener: () => void): void;
  listTools(options?: { timeoutMs?: number }): Promise<Tool[]>;
  listResources(options?: { timeoutMs?: number }): Promise<Resource[]>;
  listPrompts(options?: { timeoutMs?: number }): Promise<Prompt[]>;
  /** The raw result; `isError` results are returned, not thrown (see normaliseToolResult). */
  callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult>;
  /** Ends the session and, for stdio, the whole process tree. Safe to call twice. */
  close(): Promise<void>;
  stderrTail(): string[];
}

const STDERR_TAIL_LINES = 50;
const STDERR_LINE_MAX = 500;
/** A server that prints this many non-JSON-RPC lines before answering initialize is not an MCP server. */
const JUNK_LINE_LIMIT = 20;
const DEFAULT_CLOSE_GRACE_MS = 1000;
const DEFAULT_LIST_TIMEOUT_MS = 30_000;
const MAX_LIST_PAGES = 1000;
const CLIENT_INFO = { name: "mcpflow", version: "0.1.0" };
/**
 * The largest message a stdio server may send (the SDK's own default, made explicit so errors can name it). The SDK
 * closes the transport when a message outgrows it; without naming that, a 50 MB result read as "closed the
 * connection (exited with code 0)". Outputs past the inline limit are offloaded to blobs long before this.
 */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Connects to a server. Whatever it sends back — results, listings, its name and instructions, errors, stderr — has
 * every secret value it was given masked before the caller sees it (mask.ts).
 */
export async function connectServer(runtime: Runtime, options: ConnectOptions): Promise<McpConnection> {
  const secrets = secretValues(runtime, options, options.redact);
  let connection: McpConnection;
  try {
    connection =
      runtime.transport === "stdio"
        ? await connectStdio(runtime, options, secrets)
        : await connectHttp(runtime, options);
  } catch (error) {
    throw maskError(error, secrets);
  }
  return secrets.length === 0 ? connection : new MaskedConnection(connection, secrets);
}

/** Keeps the last lines a server wrote to stderr, with secret values masked. */
class StderrTail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly redactions: readonly string[]) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.add(line);
    // A server that never writes a newline must not grow this without bound.
    if (this.partial.length > STDERR_LINE_MAX * 4) {
      this.add(this.partial);
      this.partial = "";
    }
  }

  private add(line: string): void {
    if (line.trim() === "") return;
    this.lines.push(line.length > STDERR_LINE_MAX ? `${line.slice(0, STDERR_LINE_MAX)}…` : line);
    if (this.lines.length > STDERR_TAIL_LINES) this.lines.shift();
  }

  snapshot(): string[] {
    const lines = this.partial.trim() === "" ? this.lines : [...this.lines, this.partial];
    return lines.slice(-STDERR_TAIL_LINES).map((l) => redact(l, this.redactions));
  }
}

/**
 * The SDK keeps the ChildProcess private; we need it for the exit code in messages and to kill the tree. Its read
 * buffer is replaced by one linear in a message's size (line-buffer.ts).
 */
class TrackedStdioTransport extends StdioClientTransport {
  child: ChildProcess | undefined;
  watcher: SpawnWatcher | undefined;

  constructor(params: ConstructorParameters<typeof StdioClientTransport>[0] & { maxBufferSize: number }) {
    super(params);
    (this as unknown as { _readBuffer: LineReadBuffer })._readBuffer = new LineReadBuffer(
      params.maxBufferSize,
    );
  }

  override async start(): Promise<void> {
    try {
      await super.start();
    } finally {
      this.child = (this as unknown as { _process?: ChildProcess })._process;
      const pid = this.child?.pid;
      if (pid !== undefined && this.watcher) {
        const watcher = this.watcher;
        watcher.spawned(pid);
        if (this.child!.exitCode !== null || this.child!.signalCode !== null) watcher.ended(pid);
        else this.child!.once("exit", () => watcher.ended(pid));
      }
    }
  }
}

function stdioLabel(runtime: Runtime): string {
  const parts = [runtime.command ?? runtime.image ?? "stdio", ...(runtime.args ?? [])].map((p) =>
    p.length > 40 || p.includes("/") ? basename(p) : p,
  );
  const label = parts.join(" ");
  return label.length > 100 ? `${label.slice(0, 99)}…` : label;
}

function httpLabel(url: URL): string {
  // Never the query string or userinfo: they are where URL-borne credentials live.
  return `${url.origin}${url.pathname}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** Failures detected by watching the transport rather than by the SDK's request. */
class EarlyStop extends Error {}

interface Watch {
  protocolVersion: string | undefined;
  /** Set when a message outgrew MAX_MESSAGE_BYTES and the SDK closed the transport. */
  overflowed: boolean;
  junk: string[];
  early: Promise<never>;
  stop(reason: string): void;
}

function watchTransport(transport: Transport): Watch {
  let stop!: (reason: string) => void;
  const early = new Promise<never>((_, reject) => {
    stop = (reason) => reject(new EarlyStop(reason));
  });
  early.catch(() => {});
  const watch: Watch = { protocolVersion: undefined, overflowed: false, junk: [], early, stop };
  // Protocol.connect() chains handlers that are already set, so these observe without replacing the SDK's.
  transport.onmessage = (message) => {
    const result = (message as { result?: { protocolVersion?: unknown; serverInfo?: unknown } }).result;
    if (
      watch.protocolVersion === undefined &&
      typeof result?.protocolVersion === "string" &&
      result.serverInfo
    ) {
      watch.protocolVersion = result.protocolVersion;
    }
  };
  transport.onerror = (error) => {
    if (error.message.startsWith("ReadBuffer exceeded maximum size")) watch.overflowed = true;
    // ReadBuffer reports each stdout line that is not JSON-RPC as a SyntaxError or a ZodError.
    if (watch.protocolVersion === undefined && (error instanceof SyntaxError || error.name === "ZodError")) {
      watch.junk.push(error.message.replace(/\s+/g, " ").slice(0, 160));
      if (watch.junk.length >= JUNK_LINE_LIMIT) {
        watch.stop(`does not speak MCP: it wrote non-JSON-RPC output to stdout (${junkSample(watch)})`);
      }
    }
  };
  return watch;
}

function junkSample(watch: Watch): string {
  return `${watch.junk.length} line${watch.junk.length === 1 ? "" : "s"}, first: ${watch.junk[0]}`;
}

function exitReason(child: ChildProcess | undefined): string | undefined {
  if (!child) return undefined;
  if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
  if (child.signalCode !== null) return `was killed by ${child.signalCode}`;
  return undefined;
}

/**
 * Whether a failed start of a Streamable HTTP server was a refused connection (nothing listens yet), read from the
 * error's causes: the message says the same for every failure on purpose (HTTP_UNREACHABLE). The runner waits for a
 * sidecar that opens its port late with it.
 */
export function isConnectionRefused(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if ((current as { code?: unknown }).code === "ECONNREFUSED") return true;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((e) => (e as { code?: unknown })?.code === "ECONNREFUSED")) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function errnoCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | undefined)?.code;
  if (typeof direct === "string") return direct;
  const nested = (
    (error as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined
  )?.code;
  return typeof nested === "string" ? nested : undefined;
}

/**
 * Every way a Streamable HTTP server can fail to become usable gets this one message: refused, unreachable, reset,
 * timed out, redirected, a TLS failure, a DNS name that leads somewhere not allowed, or an answer that is not MCP.
 * Telling them apart would make the probe a port scanner of whatever the platform can reach; the cause stays on the
 * error (`cause`) for the platform's own logs, and no byte the remote end sent is repeated.
 */
export const HTTP_UNREACHABLE =
  "could not be reached as an MCP server (no MCP answer: refused, unreachable, timed out, redirected or not MCP)";

interface StartContext {
  runtime: Runtime;
  timeoutMs: number;
  signal?: AbortSignal;
  watch: Watch;
  child?: () => ChildProcess | undefined;
  url?: URL;
}

function startReason(error: unknown, ctx: StartContext): string {
  if (ctx.url && !ctx.signal?.aborted) return HTTP_UNREACHABLE;
  if (error instanceof EarlyStop) return error.message;
  const code = errnoCode(error);
  if (ctx.runtime.transport === "stdio") {
    if (code === "ENOENT") return `command not found: ${ctx.runtime.command}`;
    if (code === "EACCES") return `permission denied running ${ctx.runtime.command}`;
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    const junk =
      ctx.watch.junk.length > 0 ? `; it wrote non-JSON-RPC output to stdout (${junkSample(ctx.watch)})` : "";
    return `did not answer initialize within ${seconds(ctx.timeoutMs)}${junk}`;
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    const exit = exitReason(ctx.child?.());
    return exit ? `${exit} before answering initialize` : "closed the connection before answering initialize";
  }
  if (error instanceof McpError) return `initialize failed: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

class SdkConnection implements McpConnection {
  readonly serverInfo: Implementation;
  readonly protocolVersion: string;
  readonly capabilities: ServerCapabilities;
  readonly instructions: string | undefined;
  private _closed = false;
  private closing: Promise<void> | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(
    readonly label: string,
    private readonly client: Client,
    private readonly tail: StderrTail | undefined,
    private readonly endSession: () => Promise<void>,
    private readonly child: () => ChildProcess | undefined,
    protocolVersion: string,
    /** A Streamable HTTP server: what its HTTP layer said (an error page, a body) is never repeated. */
    private readonly remote = false,
    private readonly overflowed: () => boolean = () => false,
  ) {
    this.serverInfo = client.getServerVersion() ?? { name: "unknown", version: "unknown" };
    this.capabilities = client.getServerCapabilities() ?? {};
    this.instructions = client.getInstructions();
    this.protocolVersion = protocolVersion;
    client.onclose = () => this.markClosed();
  }

  get pid(): number | undefined {
    return this.child()?.pid;
  }

  get closed(): boolean {
    return this._closed;
  }

  onClose(listener: () => void): void {
    if (this._closed) listener();
    else this.listeners.push(listener);
  }

  private markClosed(): void {
    if (this._closed) return;
    this._closed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }

  stderrTail(): string[] {
    return this.tail?.snapshot() ?? [];
  }

  async listTools(options: { timeoutMs?: number } = {}): Promise<Tool[]> {
    return this.paginate(
      "tools/list",
      async (cursor, timeout) => {
        const page = await this.client.listTools(cursor ? { cursor } : undefined, { timeout });
        return { items: page.tools, nextCursor: page.nextCursor };
      },
      options.timeoutMs,
    );
  }

  async listResources(options: { timeoutMs?: number } = {}): Promise<Resource[]> {
    return this.paginate(
      "resources/list",
      async (cursor, timeout) => {
        const page = await this.client.listResources(cursor ? { cursor } : undefined, { timeout });
        return { items: page.resources, nextCursor: page.nextCursor };
      },
      options.timeoutMs,
    );
  }

  async listPrompts(options: { timeoutMs?: number } = {}): Promise<Prompt[]> {
    return this.paginate(
      "prompts/list",
      async (cursor, timeout) => {
        const page = await this.client.listPrompts(cursor ? { cursor } : undefined, { timeout });
        return { items: page.prompts, nextCursor: page.nextCursor };
      },
      options.timeoutMs,
    );
  }

  private async paginate<T>(
    method: string,
    fetchPage: (
      cursor: string | undefined,
      timeoutMs: number,
    ) => Promise<{ items: T[]; nextCursor?: string }>,
    timeoutMs = DEFAULT_LIST_TIMEOUT_MS,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      let result: { items: T[]; nextCursor?: string };
      try {
        result = await fetchPage(cursor, timeoutMs);
      } catch (error) {
        throw this.requestFailure(method, error, timeoutMs);
      }
      items.push(...result.items);
      // A server that hands back a cursor it already gave would page forever.
      if (!result.nextCursor || seen.has(result.nextCursor)) return items;
      seen.add(result.nextCursor);
      cursor = result.nextCursor;
    }
    return items;
  }

  async callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    if (this._closed) {
      throw new McpServerError(`MCP server ${this.label} is not connected${this.exitSuffix()}`, {
        stderrTail: this.stderrTail(),
      });
    }
    try {
      const result = await this.client.callTool({ name, arguments: args }, CallToolResultSchema, {
        timeout: options.timeoutMs,
        maxTotalTimeout: options.timeoutMs,
        signal: options.signal,
      });
      return result as CallToolResult;
    } catch (error) {
      if (options.signal?.aborted && error === options.signal.reason && error instanceof Error) throw error;
      if (error instanceof McpError && TOOL_FAULT_CODES.has(error.code)) {
        throw new McpToolError(name, error.message.replace(/^MCP error -?\d+: /, ""), { cause: error });
      }
      if (this.overflowed()) {
        throw new McpToolError(
          name,
          `its result is larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB, the most one MCP message may carry (MCP server ${this.label} was closed)`,
          { cause: error },
        );
      }
      throw this.requestFailure(`tools/call "${name}"`, error, options.timeoutMs);
    }
  }

  private exitSuffix(): string {
    const exit = exitReason(this.child());
    return exit ? ` (it ${exit})` : "";
  }

  private requestFailure(what: string, error: unknown, timeoutMs: number): Error {
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return new McpTimeoutError(
        `MCP server ${this.label} did not answer ${what} within ${seconds(timeoutMs)}`,
        timeoutMs,
        {
          cause: error,
        },
      );
    }
    if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
      return new McpServerError(
        `MCP server ${this.label} closed the connection during ${what}${this.exitSuffix()}`,
        {
          cause: error,
          stderrTail: this.stderrTail(),
        },
      );
    }
    const detail =
      this.remote && !(error instanceof McpError)
        ? "it stopped answering as an MCP server"
        : error instanceof Error
          ? error.message
          : String(error);
    return new McpServerError(`MCP server ${this.label} failed during ${what}: ${detail}`, {
      cause: error,
      stderrTail: this.stderrTail(),
    });
  }

  close(): Promise<void> {
    this.closing ??= this.endSession().finally(() => this.markClosed());
    return this.closing;
  }
}

/** JSON-RPC errors that mean "this call was wrong", not "the server is broken". */
const TOOL_FAULT_CODES = new Set<number>([
  ErrorCode.InvalidParams,
  ErrorCode.MethodNotFound,
  ErrorCode.InvalidRequest,
]);

function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/**
 * Ends a child's whole tree: end stdin, then SIGTERM, then SIGKILL to the root, each after a grace period; then what
 * is left of the tree (`marker` in its environment, or descended from it) gets SIGTERM, and SIGKILL 0.2 s later.
 * The tree is found once, after the root is gone, in one pass over /proc: the marker finds the processes an exit
 * re-parented away from the tree and those born while it was closing, which a snapshot taken before would miss and
 * a scan after could not place. Without /proc (macOS) the tree is the root's descendants, snapshot before and after.
 */
async function endProcessTree(
  client: Client,
  child: ChildProcess | undefined,
  graceMs: number,
  marker: Record<string, string>,
): Promise<void> {
  const root = child?.pid;
  if (!child || root === undefined) {
    await client.close().catch(() => {});
    return;
  }
  const running = child.exitCode === null && child.signalCode === null;
  // Orphans can no longer be found from the root once it died: without /proc's markers, look before it does.
  const before = hasProc() ? [] : await listDescendants(root);
  // The SDK ends stdin and escalates on its own after 2 s + 2 s; we escalate sooner, then sweep the tree.
  const sdkClose = client.close().catch(() => {});
  if (running) {
    const exited = once(child, "exit").catch(() => {});
    if (!(await within(exited, graceMs))) {
      signalAll([root], "SIGTERM");
      if (!(await within(exited, graceMs))) {
        signalAll([root], "SIGKILL");
        await within(exited, graceMs);
      }
    }
  }
  const rest = [...new Set([...before, ...(await findTree(marker, [root]))])].filter(isAlive);
  if (rest.length > 0) {
    // As long as the old survivors' step gave them: they outlived their root's end, or ignored its stdin's.
    signalAll(rest, "SIGTERM");
    const deadline = Date.now() + Math.min(graceMs, 200);
    while (rest.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    signalAll(rest.filter(isAlive), "SIGKILL");
  }
  await within(sdkClose, graceMs);
}

async function startWithin(
  client: Client,
  transport: Transport,
  ctx: StartContext,
  cleanup: () => Promise<void>,
  label: string,
  tail: StderrTail | undefined,
  beforeReport: () => Promise<void> = async () => {},
): Promise<void> {
  const timer = setTimeout(
    () => ctx.watch.stop(`did not answer initialize within ${seconds(ctx.timeoutMs)}`),
    ctx.timeoutMs + 50,
  );
  const onAbort = () => ctx.watch.stop("the start was cancelled");
  if (ctx.signal?.aborted) onAbort();
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const connecting = client.connect(transport, { timeout: ctx.timeoutMs });
    connecting.catch(() => {});
    await Promise.race([connecting, ctx.watch.early]);
  } catch (error) {
    const reason = startReason(error, ctx);
    await cleanup().catch(() => {});
    await beforeReport();
    throw new McpStartError(label, reason, { cause: error, stderrTail: tail?.snapshot() });
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
  }
}

async function connectStdio(
  runtime: Runtime,
  options: ConnectOptions,
  secrets: readonly string[],
): Promise<McpConnection> {
  const label = stdioLabel(runtime);
  if (!runtime.command) {
    throw new McpStartError(label, "the runtime has no command (an image-only runtime runs inside its task)");
  }
  const marker = treeMarker();
  const env = { ...buildServerEnv(runtime, options, label), ...options.processes?.env, ...marker };
  let sandbox: PreparedSandbox | undefined;
  if (options.sandbox) {
    if (
      !isAbsolute(runtime.command) &&
      runtime.command.includes("/") &&
      !(options.sandbox.packages && runtime.command.startsWith("node_modules/"))
    ) {
      throw new McpStartError(
        label,
        `the command ${runtime.command} is a relative path: a server starts in a scratch directory that holds only node_modules (the platform's packages), so name a command on PATH, an absolute path or one under node_modules/`,
      );
    }
    if (!resolveCommand(runtime.command, env.PATH)) {
      throw new McpStartError(label, `command not found: ${runtime.command}`);
    }
    try {
      sandbox = await prepareSandbox(options.sandbox, runtime.command, runtime.args ?? [], options.cwd);
    } catch (error) {
      throw new McpStartError(label, (error as Error).message, { cause: error });
    }
    Object.assign(env, sandbox.env);
  }
  const tail = new StderrTail(secrets);
  const transport = new TrackedStdioTransport({
    command: sandbox?.command ?? runtime.command,
    args: sandbox?.args ?? runtime.args ?? [],
    env,
    cwd: sandbox?.cwd ?? options.cwd,
    stderr: "pipe",
    maxBufferSize: MAX_MESSAGE_BYTES,
  });
  transport.watcher = options.processes;
  // With stderr: "pipe" the SDK hands out a PassThrough before start, so no early output is lost.
  const stderr = transport.stderr as Readable | null;
  stderr?.on("data", (chunk: Buffer) => tail.push(chunk));
  const watch = watchTransport(transport);
  const client = new Client(options.clientInfo ?? CLIENT_INFO, { capabilities: {} });
  const grace = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const child = () => transport.child;
  const end = () =>
    endProcessTree(client, transport.child, grace, marker).finally(() =>
      sandbox?.dispose().catch(() => undefined),
    );
  // The pipe's last bytes can arrive just after the exit that failed the start; they are usually the reason.
  const drainStderr = async () => {
    if (stderr && !stderr.readableEnded && transport.child) await within(once(stderr, "end"), 200);
  };
  await startWithin(
    client,
    transport,
    { runtime, timeoutMs: options.timeoutMs, signal: options.signal, watch, child },
    end,
    label,
    tail,
    drainStderr,
  );
  return new SdkConnection(
    label,
    client,
    tail,
    end,
    child,
    watch.protocolVersion ?? "unknown",
    false,
    () => watch.overflowed,
  );
}

async function connectHttp(runtime: Runtime, options: ConnectOptions): Promise<McpConnection> {
  if (!runtime.url) {
    throw new McpStartError(
      "streamable-http",
      "the runtime has no url (an image-only runtime runs inside its task)",
    );
  }
  let url: URL;
  try {
    url = new URL(runtime.url);
  } catch (error) {
    throw new McpStartError("streamable-http", "the runtime url is not a valid URL", { cause: error });
  }
  const label = httpLabel(url);
  const headers = buildHeaders(runtime, options, label);
  try {
    checkRequestTarget(url, headers, options.outbound ?? outboundPolicyFromEnv());
  } catch (error) {
    // Decided from the definition alone, before anything is sent: saying which rule it breaks reveals nothing.
    throw new McpStartError(label, (error as Error).message, { cause: error });
  }
  const guard = createGuardedFetch(options.outbound ?? outboundPolicyFromEnv());
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    fetch: guard.fetch,
  });
  const watch = watchTransport(transport);
  const client = new Client(options.clientInfo ?? CLIENT_INFO, { capabilities: {} });
  const grace = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const end = async () => {
    // Tell the server the session is over so it can free it; a hung server must not hold us up.
    if (transport.sessionId) await within(transport.terminateSession(), grace);
    await within(client.close(), grace);
    await within(guard.close(), grace);
  };
  await startWithin(
    client,
    transport,
    { runtime, timeoutMs: options.timeoutMs, signal: options.signal, watch, url },
    end,
    label,
    undefined,
  );
  return new SdkConnection(
    label,
    client,
    undefined,
    end,
    () => undefined,
    watch.protocolVersion ?? "unknown",
    true,
  );
}
