// The step runner inside the Fargate task: load the step's call, connect to the server in the task, call the tool
// while heartbeating, and report the outcome to Step Functions with the task token. Every path either reports or
// exits non-zero, and none outlasts its deadline.
import { createHash } from "node:crypto";
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { connectServer, isConnectionRefused, type McpConnection } from "../../shared/mcp/connect.js";
import { redact } from "../../shared/mcp/env.js";
import {
  isMcpFailure,
  MCP_RUNNER_ERROR,
  MCP_SERVER_ERROR,
  type McpErrorName,
  McpServerError,
  McpStartError,
  McpTimeoutError,
  McpToolError,
} from "../../shared/mcp/errors.js";
import type { ConnectFn } from "../../shared/mcp/pool.js";
import { normaliseToolResult, type ToolOutput } from "../../shared/mcp/result.js";
import * as z from "../../shared/zod.js";
import type { BlobWriter } from "./blobs.js";
import { parseRunnerEnv, type RunnerConfig, type StepRefs } from "./config.js";

export const StepCall = z.object({
  tool: z.string().check(z.minLength(1)),
  arguments: z.record(z.string(), z.unknown()),
  timeoutSeconds: z.number().check(z.positive()),
});
export type StepCall = z.infer<typeof StepCall>;

export type LoadStepCall = (refs: StepRefs) => Promise<StepCall>;

export interface StepRecorder {
  /** Answers the attempt number the store gave this call, so that ended() cannot overwrite a later attempt. */
  started(refs: StepRefs, call: StepCall): Promise<number | undefined>;
  ended(
    refs: StepRefs,
    end:
      | { status: "SUCCEEDED"; output: unknown }
      | { status: "FAILED"; error: { error: string; cause?: string } },
    attempt: number | undefined,
  ): Promise<void>;
}

/** What the runner sends with SendTaskSuccess; the state machine reads `output` (or `output.blob`). */
export type StepSuccess =
  | { status: "SUCCEEDED"; output: ToolOutput }
  | { status: "SUCCEEDED"; output: { blob: { key: string; bytes: number }; text: string } };

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
  blobs: BlobWriter;
  loadStepCall: LoadStepCall;
  /** Keeps the run's step timeline (the same records the embedded platform writes); best effort, never fatal. */
  record?: StepRecorder;
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
  /** Outputs whose success payload is larger than this go to a blob. Step Functions caps payloads at 256 KiB. */
  maxInlineBytes?: number;
  /** Characters of text kept inline next to a blob reference. */
  previewChars?: number;
  closeGraceMs?: number;
}

const DEFAULTS = {
  heartbeatIntervalMs: 20_000,
  startTimeoutMs: 60_000,
  maxInlineBytes: 200 * 1024,
  previewChars: 4096,
  closeGraceMs: 1000,
} satisfies Required<RunnerOptions>;

const MAX_CAUSE_CHARS = 4096;
const CAUSE_STDERR_LINES = 10;
/** Step Functions answers these when the token can no longer be used; retrying cannot help. */
const TASK_GONE = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);
const HTTP_START_RETRY_MS = 500;
/** Time to close the server and report after the deadlines, before a hard stop. */
const WATCHDOG_SLACK_MS = 30_000;

const silentLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

/** Parses the environment and runs the step; the number is the process exit code. */
export async function runFromEnv(
  env: NodeJS.ProcessEnv,
  deps: RunnerDeps,
  options: RunnerOptions = {},
): Promise<number> {
  const log = deps.log ?? silentLogger;
  const parsed = parseRunnerEnv(env);
  if (parsed.ok) return runStep(parsed.config, deps, options);
  log.error("task environment is invalid", { problems: parsed.problems });
  if (!parsed.taskToken) return EXIT_CODES.config;
  const reported = await sendFailure(deps, log, parsed.taskToken, MCP_RUNNER_ERROR, {
    message: `the task environment is invalid: ${parsed.problems.join("; ")}`,
  });
  return reported ? EXIT_CODES.reported : EXIT_CODES.reportFailed;
}

class TaskGone extends Error {}

export async function runStep(
  config: RunnerConfig,
  deps: RunnerDeps,
  options: RunnerOptions = {},
): Promise<number> {
  const opts = {
    ...DEFAULTS,
    ...definedOnly({ heartbeatIntervalMs: config.heartbeatMs, startTimeoutMs: config.startTimeoutMs }),
    ...definedOnly(options),
  };
  const log = deps.log ?? silentLogger;
  const connect = deps.connect ?? connectServer;
  const { taskToken, refs } = config;
  const secrets = Object.values(config.serverEnv).filter((v) => v.length >= 4);
  const work = new AbortController();
  let connection: McpConnection | undefined;
  let inner: Promise<ToolOutput> | undefined;

  const heartbeat = setInterval(() => {
    deps.sfn.send(new SendTaskHeartbeatCommand({ taskToken })).then(
      () => log.info("heartbeat sent"),
      (error: unknown) => {
        const name = errorName(error);
        if (TASK_GONE.has(name)) {
          log.error("Step Functions no longer knows this task; stopping", { error: name });
          work.abort(new TaskGone(name));
        } else {
          log.warn("heartbeat failed", { error: name });
        }
      },
    );
  }, opts.heartbeatIntervalMs);

  try {
    let call: StepCall;
    try {
      call = StepCall.parse(await deps.loadStepCall(refs));
    } catch (error) {
      clearInterval(heartbeat);
      log.error("could not load the step call", { error: describe(error) });
      return await report(
        sendFailure(deps, log, taskToken, MCP_RUNNER_ERROR, {
          message: `could not load the step call: ${describe(error)}`,
        }),
      );
    }
    const timeoutMs = Math.round(call.timeoutSeconds * 1000);
    deps.armWatchdog?.(opts.startTimeoutMs + timeoutMs + 3 * opts.closeGraceMs + WATCHDOG_SLACK_MS);
    log.info("step started", { ...refs, tool: call.tool, timeoutMs, transport: config.runtime.transport });
    const record = async <T>(what: string, write: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await write();
      } catch (error) {
        log.warn(`could not record the step ${what}`, { error: describe(error) });
        return undefined;
      }
    };
    const attempt = deps.record ? await record("start", () => deps.record!.started(refs, call)) : undefined;

    inner = (async (): Promise<ToolOutput> => {
      connection = await connectWithRetry(connect, config, opts, work.signal);
      const result = await withDeadline(
        timeoutMs,
        (signal) => connection!.callTool(call.tool, call.arguments, { timeoutMs, signal }),
        () =>
          new McpTimeoutError(`tool "${call.tool}" did not answer within ${call.timeoutSeconds}s`, timeoutMs),
        work.signal,
      );
      return normaliseToolResult(result, call.tool);
    })();
    const outcome = await raceAbort(work.signal, inner).then(
      (output) => ({ ok: true as const, output }),
      (error: unknown) => ({ ok: false as const, error }),
    );

    // No beat may race the report: a heartbeat after SendTaskSuccess is answered with an error.
    clearInterval(heartbeat);
    if (work.signal.aborted) return EXIT_CODES.reportFailed;
    if (outcome.ok) {
      const payload = await successPayload(outcome.output, refs, taskToken, deps.blobs, opts);
      if (deps.record)
        await record("end", () =>
          deps.record!.ended(refs, { status: "SUCCEEDED", output: payload.output }, attempt),
        );
      log.info("step succeeded", { inline: !("blob" in payload.output) });
      return await report(sendSuccess(deps, log, taskToken, payload));
    }
    const failure = classify(outcome.error);
    log.error("step failed", { error: failure.name, message: redact(failure.message, secrets) });
    if (deps.record) {
      await record("end", () =>
        deps.record!.ended(
          refs,
          {
            status: "FAILED",
            error: { error: failure.name, cause: redact(failure.message, secrets).slice(0, 2000) },
          },
          attempt,
        ),
      );
    }
    return await report(
      sendFailure(deps, log, taskToken, failure.name, {
        message: redact(failure.message, secrets),
        tool: call.tool,
        stderr: failure.stderrTail?.slice(-CAUSE_STDERR_LINES).map((l) => redact(l, secrets)),
      }),
    );
  } catch (error) {
    log.error("runner failed", { error: describe(error) });
    return EXIT_CODES.internal;
  } finally {
    clearInterval(heartbeat);
    // After an abort the connect may still be settling (it honours the signal); close what it opened.
    if (work.signal.aborted) await inner?.catch(() => {});
    await (connection as McpConnection | undefined)?.close().catch(() => {});
  }
}

async function report(sent: Promise<boolean>): Promise<number> {
  return (await sent) ? EXIT_CODES.reported : EXIT_CODES.reportFailed;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? "Error";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function raceAbort<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The SDK has its own request timeout; this deadline also holds if a transport never settles the request. */
async function withDeadline<T>(
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => Error,
  parent: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort(parent.reason);
  parent.addEventListener("abort", forward, { once: true });
  const timer = setTimeout(() => controller.abort(onTimeout()), ms);
  try {
    return await raceAbort(controller.signal, run(controller.signal));
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", forward);
  }
}

/**
 * A sidecar server container may start after the runner; ECS container dependencies help but a port can open
 * late, so an HTTP server that refuses connections is retried until the start deadline.
 */
async function connectWithRetry(
  connect: ConnectFn,
  config: RunnerConfig,
  opts: Required<RunnerOptions>,
  signal: AbortSignal,
): Promise<McpConnection> {
  const deadline = Date.now() + opts.startTimeoutMs;
  for (;;) {
    const remaining = Math.max(1, deadline - Date.now());
    try {
      return await connect(config.runtime, {
        timeoutMs: remaining,
        signal,
        env: config.serverEnv,
        cwd: config.cwd,
        closeGraceMs: opts.closeGraceMs,
      });
    } catch (error) {
      const refused = config.runtime.transport === "streamable-http" && isConnectionRefused(error);
      if (!refused || signal.aborted || Date.now() + HTTP_START_RETRY_MS >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, HTTP_START_RETRY_MS));
    }
  }
}

interface Failure {
  name: McpErrorName;
  message: string;
  stderrTail?: string[];
}

function classify(error: unknown): Failure {
  if (error instanceof McpToolError) return { name: error.errorName, message: error.message };
  if (error instanceof McpServerError) {
    // The message of a start error already ends with the stderr tail; the cause carries it separately.
    const message =
      error instanceof McpStartError ? `MCP server failed to start: ${error.reason}` : error.message;
    return { name: error.errorName, message, stderrTail: error.stderrTail };
  }
  if (isMcpFailure(error)) return { name: error.errorName, message: error.message };
  return { name: MCP_SERVER_ERROR, message: describe(error) };
}

async function successPayload(
  output: ToolOutput,
  refs: StepRefs,
  taskToken: string,
  blobs: BlobWriter,
  opts: Required<RunnerOptions>,
): Promise<StepSuccess> {
  const inline: StepSuccess = { status: "SUCCEEDED", output };
  const body = JSON.stringify(inline);
  if (Buffer.byteLength(body) <= opts.maxInlineBytes) return inline;
  const bytes = Buffer.from(JSON.stringify(output));
  // One key per attempt (the token differs per attempt) without putting the token itself in the key.
  const attempt = createHash("sha256").update(taskToken).digest("hex").slice(0, 16);
  const item = refs.itemIndex === undefined ? "" : `items/${refs.itemIndex}/`;
  const key = `runs/${refs.runId}/steps/${refs.stepId}/${item}${attempt}/output.json`;
  await blobs.put(key, bytes, { contentType: "application/json" });
  const preview =
    output.text.length > opts.previewChars ? `${output.text.slice(0, opts.previewChars)}…` : output.text;
  return { status: "SUCCEEDED", output: { blob: { key, bytes: bytes.byteLength }, text: preview } };
}

async function sendSuccess(deps: RunnerDeps, log: RunnerLogger, taskToken: string, payload: StepSuccess) {
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(payload) }));
    return true;
  } catch (error) {
    log.error("SendTaskSuccess failed", { error: errorName(error), message: describe(error) });
    return false;
  }
}

async function sendFailure(
  deps: RunnerDeps,
  log: RunnerLogger,
  taskToken: string,
  error: McpErrorName,
  cause: { message: string; tool?: string; stderr?: string[] },
): Promise<boolean> {
  const trimmed = { ...cause, stderr: cause.stderr && cause.stderr.length > 0 ? cause.stderr : undefined };
  let text = JSON.stringify(trimmed);
  if (text.length > MAX_CAUSE_CHARS) {
    text = JSON.stringify({
      ...trimmed,
      stderr: undefined,
      message: trimmed.message.slice(0, MAX_CAUSE_CHARS - 200),
    });
  }
  try {
    await deps.sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: text }));
    return true;
  } catch (sendError) {
    log.error("SendTaskFailure failed", { error: errorName(sendError), message: describe(sendError) });
    return false;
  }
}
