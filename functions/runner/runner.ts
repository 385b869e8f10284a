// The step runner inside the Fargate task: executes the step (shared/runs/step-execution.ts) against the server in
// the task, heartbeating meanwhile, and carries the outcome to Step Functions with the task token. Every path
// either reports or exits non-zero, and none outlasts its deadline.
import type { SFNClient } from "@aws-sdk/client-sfn";
import { connectServer, isConnectionRefused, type McpConnection } from "../../shared/mcp/connect.js";
import type { ConnectFn } from "../../shared/mcp/pool.js";
import { type ChildSandbox, createSandbox } from "../../shared/mcp/sandbox.js";
import {
  beatWhileRunning,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  errorNameOf,
  reportToTask,
} from "../../shared/orchestrator/task-token.js";
import type { RunStore } from "../../shared/runs/step-call.js";
import {
  executeStep,
  hostFailure,
  type StepConnector,
  StepInterrupted,
} from "../../shared/runs/step-execution.js";
import { parseRunnerEnv, type RunnerConfig } from "./config.js";

export const EXIT_CODES = {
  /** The outcome (success or failure) was reported to Step Functions. */
  reported: 0,
  /** A bug in the runner; nothing was reported. */
  internal: 1,
  /** The task environment is unusable and has no task token to report with. */
  config: 2,
  /** Step Functions refused or could not take the report (token expired, task timed out, API down). */
  reportFailed: 3,
} as const;

export interface RunnerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RunnerDeps {
  sfn: Pick<SFNClient, "send">;
  /** The run store (table and blob bucket) the step is loaded from and recorded in; undefined when not configured. */
  store: RunStore | undefined;
  connect?: ConnectFn;
  log?: RunnerLogger;
  /** Told the whole remaining budget once the call is known, so that the process can arm a hard stop. */
  armWatchdog?: (budgetMs: number) => void;
}

export interface RunnerOptions {
  /** Below the state's HeartbeatSeconds; Step Functions fails the task when a beat is late. */
  heartbeatIntervalMs?: number;
  /** Bound on server start + initialize (a sidecar container may still be booting). */
  startTimeoutMs?: number;
  closeGraceMs?: number;
}

const DEFAULTS = {
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  startTimeoutMs: 60_000,
  closeGraceMs: 1000,
} satisfies Required<RunnerOptions>;

const HTTP_START_RETRY_MS = 500;
/** Time to close the server and report after the deadlines, before a hard stop. */
const WATCHDOG_SLACK_MS = 30_000;
/** Shorter values are not masked: masking "1" or "on" would garble every message. */
const MIN_MASKED_CHARS = 4;

const silentLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

/** Parses the environment and runs the step; the number is the process exit code. */
export async function runFromEnv(
  env: NodeJS.ProcessEnv,
  deps: RunnerDeps,
  options: RunnerOptions = {},
): Promise<number> {
  const log = deps.log ?? silentLogger;
  const parsed = parseRunnerEnv(env);
  const problems = parsed.ok ? [] : [...parsed.problems];
  if (!deps.store) problems.push("MCPFLOW_TABLE and MCPFLOW_BUCKET must be set to load and record the step");
  if (parsed.ok && deps.store) return runStep(parsed.config, { ...deps, store: deps.store }, options);
  log.error("task environment is invalid", { problems });
  const taskToken = parsed.ok ? parsed.config.taskToken : parsed.taskToken;
  if (!taskToken) return EXIT_CODES.config;
  const failure = hostFailure(`the task environment is invalid: ${problems.join("; ")}`);
  return exitCodeOf(await report(deps, log, taskToken, { status: "FAILED", failure }));
}

export async function runStep(
  config: RunnerConfig,
  deps: RunnerDeps & { store: RunStore },
  options: RunnerOptions = {},
): Promise<number> {
  const opts = {
    ...DEFAULTS,
    ...definedOnly({ heartbeatIntervalMs: config.heartbeatMs, startTimeoutMs: config.startTimeoutMs }),
    ...definedOnly(options),
  };
  const log = deps.log ?? silentLogger;
  const { taskToken, refs } = config;
  const work = new AbortController();

  const heartbeat = beatWhileRunning(deps.sfn, taskToken, {
    intervalMs: opts.heartbeatIntervalMs,
    onBeat: () => log.info("heartbeat sent"),
    onGone: (error) => {
      log.error("Step Functions no longer knows this task; stopping", { error });
      work.abort(new StepInterrupted("abandoned"));
    },
    onError: (error) => log.warn("heartbeat failed", { error }),
  });

  try {
    const outcome = await executeStep(refs, {
      store: deps.store,
      connector: taskServer(deps.connect ?? connectServer, config, opts),
      signal: work.signal,
      onCall: (call) => {
        const timeoutMs = Math.round(call.timeoutSeconds * 1000);
        deps.armWatchdog?.(opts.startTimeoutMs + timeoutMs + 3 * opts.closeGraceMs + WATCHDOG_SLACK_MS);
        log.info("step started", {
          ...refs,
          tool: call.tool,
          timeoutMs,
          transport: config.runtime.transport,
        });
      },
      log,
    });
    // No beat may race the report: a heartbeat after SendTaskSuccess is answered with an error.
    heartbeat.stop();
    if (outcome.status === "INTERRUPTED") return EXIT_CODES.reportFailed;
    if (outcome.status === "SUCCEEDED")
      log.info("step succeeded", { inline: !("blob" in outcome.result.output) });
    else log.error("step failed", { error: outcome.failure.error, cause: outcome.failure.cause });
    return exitCodeOf(await report(deps, log, taskToken, outcome));
  } catch (error) {
    log.error("runner failed", { error: error instanceof Error ? error.message : String(error) });
    return EXIT_CODES.internal;
  } finally {
    heartbeat.stop();
  }
}

/** The server in this task, for one step: started (or reached) when the step connects, closed after it. */
function taskServer(connect: ConnectFn, config: RunnerConfig, opts: Required<RunnerOptions>): StepConnector {
  const secretValues = maskableValues(config.serverEnv);
  return {
    async connect(_call, { signal }) {
      const connection = await startTaskServer(connect, config, { ...opts, signal });
      return { connection, secretValues, release: () => connection.close() };
    },
  };
}

/** The server's own values worth masking in what it sends back (its env holds its secrets). */
export function maskableValues(serverEnv: Record<string, string>): string[] {
  return Object.values(serverEnv).filter((v) => v.length >= MIN_MASKED_CHARS);
}

/** The image's user (`node` in the runner base): the stdio server runs as it when the runner runs as root. */
const IMAGE_USER_UID = "1000";

/**
 * The stdio server shares the runner's container, whose environment holds the task token and the task role's
 * credential URI; a process of the runner's uid reads them in /proc/<runner>/environ. So the task definition runs the
 * runner as root, and the runner starts the server as the image's user (MCPFLOW_SANDBOX_UID, 1000) through setpriv,
 * in a scratch directory: a uid of its own, without namespaces (Fargate grants no CAP_SYS_ADMIN). A runner that is
 * not root cannot drop the server anywhere: it runs it as itself (decision 0005).
 */
export function runnerSandbox(env: NodeJS.ProcessEnv, root = process.getuid?.() === 0): ChildSandbox {
  return createSandbox({
    hide: [],
    env: {
      PATH: env.PATH,
      MCPFLOW_SANDBOX: root ? "uid" : "off",
      MCPFLOW_SANDBOX_UID: env.MCPFLOW_SANDBOX_UID ?? IMAGE_USER_UID,
      MCPFLOW_SANDBOX_UIDS: "1",
    },
  });
}

/**
 * Starts the server in this task: a stdio child the runner starts with the server's own env (as the image's user,
 * runnerSandbox), or a sidecar container over HTTP. A sidecar may start after the runner; ECS container dependencies help but a port can open late, so an
 * HTTP server that refuses connections is retried until the start deadline.
 */
export async function startTaskServer(
  connect: ConnectFn,
  server: Pick<RunnerConfig, "runtime" | "serverEnv" | "cwd">,
  opts: { startTimeoutMs: number; closeGraceMs: number; signal?: AbortSignal; sandbox?: ChildSandbox },
): Promise<McpConnection> {
  const sandbox =
    server.runtime.transport === "stdio" ? (opts.sandbox ?? runnerSandbox(process.env)) : undefined;
  const deadline = Date.now() + opts.startTimeoutMs;
  for (;;) {
    const remaining = Math.max(1, deadline - Date.now());
    try {
      return await connect(server.runtime, {
        timeoutMs: remaining,
        ...(opts.signal ? { signal: opts.signal } : {}),
        env: server.serverEnv,
        ...(server.cwd ? { cwd: server.cwd } : {}),
        closeGraceMs: opts.closeGraceMs,
        ...(sandbox ? { sandbox } : {}),
      });
    } catch (error) {
      const refused = server.runtime.transport === "streamable-http" && isConnectionRefused(error);
      if (!refused || opts.signal?.aborted || Date.now() + HTTP_START_RETRY_MS >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, HTTP_START_RETRY_MS));
    }
  }
}

async function report(
  deps: RunnerDeps,
  log: RunnerLogger,
  taskToken: string,
  outcome: Parameters<typeof reportToTask>[2],
): Promise<boolean> {
  const sent = await reportToTask(deps.sfn, taskToken, outcome);
  if (!sent.sent) {
    log.error(`${outcome.status === "SUCCEEDED" ? "SendTaskSuccess" : "SendTaskFailure"} failed`, {
      error: errorNameOf(sent.error),
      message: sent.error instanceof Error ? sent.error.message : String(sent.error),
    });
  }
  return sent.sent;
}

function exitCodeOf(reported: boolean): number {
  return reported ? EXIT_CODES.reported : EXIT_CODES.reportFailed;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
