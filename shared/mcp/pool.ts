// Reusing server connections within a run: a run that calls one server in ten steps starts it once. Starting a
// server costs a process spawn and an initialize round trip (seconds for npx/uv launchers); a call costs ms.
import type { Runtime } from "../registry/schema.js";
import { type ConnectOptions, connectServer, type McpConnection } from "./connect.js";
import type { SpawnWatcher } from "./process-tree.js";

export type ConnectFn = (runtime: Runtime, options: ConnectOptions) => Promise<McpConnection>;

export interface PoolOptions {
  /** Start/initialize bound for each connection. */
  timeoutMs: number;
  cwd?: string;
  closeGraceMs?: number;
  /** Secret values by name, for `{secret}` references in runtime env and headers. */
  secrets?: Record<string, string>;
  connect?: ConnectFn;
  /** Where every server process started through the pool is recorded (see ProcessRegistry). */
  processes?: SpawnWatcher;
}

export class McpConnectionPool {
  private readonly entries = new Map<string, Promise<McpConnection>>();
  private closing = false;

  constructor(private readonly options: PoolOptions) {}

  /**
   * The open connection for `key` (a server version key), connecting on first use. Concurrent callers share
   * one in-flight connect, its failure included; a connection that has closed or a connect that failed is replaced
   * on the next get. `redact`: secret values already resolved into `runtime`, masked in all the connection returns.
   */
  async get(
    key: string,
    runtime: Runtime,
    env: Record<string, string> = {},
    redact: readonly string[] = [],
  ): Promise<McpConnection> {
    if (this.closing) throw new Error("the connection pool is closed");
    const existing = this.entries.get(key);
    if (existing) {
      // A failed connect is forgotten as it fails: one still here is under way, and its failure is this caller's too.
      const connection = await existing;
      if (!connection.closed) return connection;
      // Another caller may already have replaced the dead entry while we awaited.
      const current = this.entries.get(key);
      if (current && current !== existing) return this.get(key, runtime, env, redact);
      this.entries.delete(key);
    }
    const connect = this.options.connect ?? connectServer;
    const pending = connect(runtime, {
      timeoutMs: this.options.timeoutMs,
      cwd: this.options.cwd,
      redact,
      closeGraceMs: this.options.closeGraceMs,
      secrets: this.options.secrets,
      env,
      ...(this.options.processes ? { processes: this.options.processes } : {}),
    });
    this.entries.set(key, pending);
    pending.then(
      (connection) => connection.onClose(() => this.forget(key, pending)),
      () => this.forget(key, pending),
    );
    return pending;
  }

  /** Drops a connection the caller found broken (for example an HTTP server that stopped answering) and closes it. */
  async discard(key: string): Promise<void> {
    const pending = this.entries.get(key);
    if (!pending) return;
    this.entries.delete(key);
    const connection = await pending.catch(() => undefined);
    await connection?.close();
  }

  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    const pending = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      pending.map(async (p) => {
        const connection = await p.catch(() => undefined);
        await connection?.close();
      }),
    );
    this.closing = false;
  }

  private forget(key: string, pending: Promise<McpConnection>): void {
    if (this.entries.get(key) === pending) this.entries.delete(key);
  }
}

/** One pool per run, so that runs never share a server process (or its state, or its secrets). */
export class RunConnectionPools {
  private readonly pools = new Map<string, McpConnectionPool>();

  constructor(private readonly options: PoolOptions | ((runId: string) => PoolOptions)) {}

  forRun(runId: string): McpConnectionPool {
    let pool = this.pools.get(runId);
    if (!pool) {
      pool = new McpConnectionPool(typeof this.options === "function" ? this.options(runId) : this.options);
      this.pools.set(runId, pool);
    }
    return pool;
  }

  /** Call when a run ends, whatever its status. */
  async closeRun(runId: string): Promise<void> {
    const pool = this.pools.get(runId);
    this.pools.delete(runId);
    await pool?.closeAll();
  }

  async closeAll(): Promise<void> {
    const runs = [...this.pools.keys()];
    await Promise.all(runs.map((runId) => this.closeRun(runId)));
  }

  get runs(): string[] {
    return [...this.pools.keys()];
  }
}

/**
 * A cap on the server processes that runs may have at once. A run takes, before it starts, a slot for each distinct
 * server it can start, and gives them back when it ends: taking them up front (rather than at each connect) means two
 * runs can never each hold one server and wait for the other's slot. Waiting runs are admitted in arrival order; a
 * run that needs more slots than the cap waits until it can have them all and then runs alone.
 */
export class ProcessSlots {
  private used = 0;
  private readonly waiting: { want: number; admit: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /** Resolves with a release function once `count` slots are free; an aborted wait rejects with the signal's reason. */
  acquire(count: number, signal?: AbortSignal): Promise<() => void> {
    const want = Math.max(0, Math.min(count, this.capacity));
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.used -= want;
        this.drain();
      };
      const entry = {
        want,
        admit: () => {
          signal?.removeEventListener("abort", onAbort);
          this.used += want;
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
        this.drain();
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
      this.drain();
    });
  }

  get inUse(): number {
    return this.used;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.want <= this.capacity) {
      this.waiting.shift()!.admit();
    }
  }
}
