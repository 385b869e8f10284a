// The step protocol, once for every host: load the step's call, record the attempt, connect, call the tool,
// normalise, offload a large output, record the end and answer the outcome. The embedded engine, the Fargate runner
// and the remote invoker only pass in how they reach a server and carry the outcome (return/throw locally,
// SendTaskSuccess/SendTaskFailure on AWS); see docs/architecture.md, "Code map".
import type { McpConnection } from "../mcp/connect.js";
import { redact } from "../mcp/env.js";
import {
  isMcpFailure,
  MCP_RUNNER_ERROR,
  MCP_SERVER_ERROR,
  McpStartError,
  McpTimeoutError,
  McpToolError,
} from "../mcp/errors.js";
import { normaliseToolResult, type ToolOutput } from "../mcp/result.js";
import { MAX_CAUSE_CHARS, PREVIEW_CHARS } from "./limits.js";
import type { RunError } from "./schema.js";
import { loadStepCall, type RunStore, type StepCall, type StepRefs } from "./step-call.js";
import { Runs } from "./store.js";

/** A connection to the step's server, as the host provides it. */
export interface StepConnection {
  connection: McpConnection;
  /** Values that must never be recorded or reported (the server's resolved secrets). */
  secretValues: readonly string[];
  /** Called once the call has ended: a pooled connection stays open, a per-step one closes. */
  release(): Promise<void>;
}

/**
 * How a host reaches a step's server: the embedded engine's per-run pool, the Fargate runner's server in its task,
 * the invoker's remote HTTP server.
 */
export interface StepConnector {
  connect(call: StepCall, options: { signal: AbortSignal }): Promise<StepConnection>;
}

/** The reason a host aborts a call: a cancelled run's step is recorded CANCELLED; an abandoned one, not at all. */
export class StepInterrupted extends Error {
  constructor(readonly how: "cancelled" | "abandoned") {
    super(how === "cancelled" ? "the run was cancelled" : "the host stopped executing this step");
    this.name = "StepInterrupted";
  }
}

export interface StepLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface StepExecutionDeps {
  /** The run store: where the call is loaded from, the attempt is recorded and large outputs go. */
  store: RunStore;
  connector: StepConnector;
  /** Aborted with a StepInterrupted when the host stops the call (a cancel, a shutdown, a task Step Functions lost). */
  signal?: AbortSignal;
  /** A bound below the step's own timeout (the invoker's Lambda deadline); the tool gets the smaller one. */
  maxCallMs?: number;
  /** Told the call once it is loaded (the runner arms its watchdog with the call's timeout). */
  onCall?(call: StepCall): void;
  log?: StepLogger;
}

/** What a Task state receives on success: the output, or a reference to it once it is over OFFLOAD_BYTES. */
export type StepResult =
  | { status: "SUCCEEDED"; output: ToolOutput }
  | { status: "SUCCEEDED"; output: { blob: { key: string; bytes: number }; text: string } };

/** A failure as a Task state sees it: `error` is what Retry/Catch match; `cause` is the container contract's JSON. */
export interface StepFailure {
  error: string;
  cause: string;
}

export type StepOutcome =
  | { status: "SUCCEEDED"; result: StepResult; superseded?: true }
  | { status: "FAILED"; failure: StepFailure; superseded?: true }
  /** The host stopped the call (StepInterrupted); it reports nothing. */
  | { status: "INTERRUPTED"; how: StepInterrupted["how"] };

/** The timeout name Step Functions gives a state past its TimeoutSeconds; the compiled Retry matches it. */
export const STATE_TIMEOUT = "States.Timeout";

/**
 * A call that ends within this is recorded by one write (start and end); a longer one shows RUNNING from then on. Far
 * below any step's timeout (a second at least), so no retry of the same step can start meanwhile.
 */
const QUICK_CALL_MS = 100;

/** The step record's tool and server for a call that could not be loaded. */
const NOT_LOADED = "(not loaded)";

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const silent: StepLogger = { warn() {} };

export async function executeStep(refs: StepRefs, deps: StepExecutionDeps): Promise<StepOutcome> {
  const runs = new Runs(deps.store);
  const log = deps.log ?? silent;
  const signal = deps.signal ?? new AbortController().signal;
  const step = { stepId: refs.stepId, ...(refs.itemIndex !== undefined ? { index: refs.itemIndex } : {}) };
  const begun = Date.now();

  let call: StepCall;
  try {
    call = await loadStepCall(deps.store, refs);
  } catch (error) {
    // Recorded as any other failure, so the run names the step and why instead of showing it NOT_RUN.
    const failure = failureOf({
      name: MCP_RUNNER_ERROR,
      message: `could not load the step call: ${describe(error)}`,
    });
    await recordBestEffort(log, "the unloadable step", async () => {
      const attempt = await runs.stepStarted(refs.runId, {
        ...step,
        tool: NOT_LOADED,
        server: NOT_LOADED,
        arguments: null,
      });
      await runs.stepEnded(
        refs.runId,
        step,
        { status: "FAILED", error: recordedError(failure) },
        { attempt },
      );
    });
    return { status: "FAILED", failure: failure.reported };
  }
  deps.onCall?.(call);

  // A call that ends within QUICK_CALL_MS is recorded by one write, its start and its end together: most tool calls
  // take a few milliseconds, and a start record nobody could see cost a store round trip per step. A longer call
  // records its start then (dated when the call began), and its end only once the start is written, so the record
  // never goes back from ended to running.
  const attemptRecord = {
    ...step,
    tool: call.tool,
    server: `${call.server.name}@${call.server.version}`,
    arguments: call.arguments,
  };
  const callStartedAt = new Date();
  const calling = callTool(call, deps, signal, begun);
  let ended = await settledWithin(calling, QUICK_CALL_MS);
  let attempt: number | undefined;
  if (!ended) {
    const started = runs.stepStarted(refs.runId, attemptRecord, callStartedAt).then(
      (value) => ({ ok: true as const, attempt: value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    ended = await calling;
    const recorded = await started;
    if (!recorded.ok) {
      // Later steps read this step from the store: a step that cannot be recorded fails (its call may have run, as
      // a retried step's call may have: steps are at least once).
      return {
        status: "FAILED",
        failure: failureOf({
          name: MCP_RUNNER_ERROR,
          message: `could not record the step: ${describe(recorded.error)}`,
        }).reported,
      };
    }
    attempt = recorded.attempt;
  }
  /** The attempt's end: with its start when it was not recorded, else conditional on being the latest attempt. */
  const recordEnd = (end: Parameters<Runs["stepEnded"]>[2]) =>
    attempt === undefined
      ? runs.stepCompleted(refs.runId, attemptRecord, callStartedAt, end)
      : runs.stepEnded(refs.runId, step, end, { attempt });
  if (ended.ok === "interrupted") {
    if (ended.how === "abandoned") return { status: "INTERRUPTED", how: "abandoned" };
    await recordBestEffort(log, "the cancelled step", () =>
      recordEnd({ status: "CANCELLED", error: { error: "Run.Cancelled", cause: "the run was cancelled" } }),
    );
    return { status: "INTERRUPTED", how: "cancelled" };
  }

  // ── Every output and error passes here before it is recorded or reported (secret masking) ──
  const checked = beforeRecording(ended, call, Date.now() - begun);

  if (checked.ok) {
    let kept: Awaited<ReturnType<Runs["stepEnded"]>>;
    try {
      kept = await recordEnd({ status: "SUCCEEDED", output: checked.output });
    } catch (error) {
      const failure = failureOf({
        name: MCP_RUNNER_ERROR,
        message: `could not record the output: ${describe(error)}`,
      });
      return { status: "FAILED", failure: failure.reported };
    }
    const result: StepResult = kept.outputBlob
      ? { status: "SUCCEEDED", output: { blob: kept.outputBlob, text: preview(checked.output.text) } }
      : { status: "SUCCEEDED", output: checked.output };
    return { status: "SUCCEEDED", result, ...(kept.superseded ? { superseded: true as const } : {}) };
  }
  const kept = await recordBestEffort(log, "the failure", () =>
    recordEnd({ status: "FAILED", error: recordedError(checked.failure) }),
  );
  return {
    status: "FAILED",
    failure: checked.failure.reported,
    ...(kept?.superseded ? { superseded: true as const } : {}),
  };
}

type CallEnd =
  | { ok: true; output: ToolOutput; secretValues: readonly string[] }
  | { ok: false; error: unknown; secretValues: readonly string[] }
  | { ok: "interrupted"; how: StepInterrupted["how"] };

/**
 * Connects through the host and calls the tool within the step's timeout, counted from `begun` (the attempt's start,
 * as Step Functions counts a Task's TimeoutSeconds from the state's start: a server's start is inside it), and
 * within the host's bound on the call, if smaller.
 */
async function callTool(
  call: StepCall,
  deps: StepExecutionDeps,
  signal: AbortSignal,
  begun: number,
): Promise<CallEnd> {
  const timeoutMs = Math.max(1, Math.round(call.timeoutSeconds * 1000));
  const timedOut = (ms: number) => () =>
    new McpTimeoutError(`tool "${call.tool}" did not answer within ${ms / 1000}s`, ms);
  let opened: StepConnection | undefined;
  let pending: Promise<StepConnection> | undefined;
  try {
    const result = await withDeadline(
      Math.max(1, timeoutMs - (Date.now() - begun)),
      async (deadline) => {
        pending = deps.connector.connect(call, { signal: deadline });
        opened = await raceAbort(deadline, pending);
        const callMs = Math.max(1, Math.min(timeoutMs - (Date.now() - begun), deps.maxCallMs ?? Infinity));
        return withDeadline(
          callMs,
          (callDeadline) =>
            opened!.connection.callTool(call.tool, call.arguments, {
              timeoutMs: callMs,
              signal: callDeadline,
            }),
          timedOut(callMs),
          deadline,
        );
      },
      timedOut(timeoutMs),
      signal,
    );
    return { ok: true, output: normaliseToolResult(result, call.tool), secretValues: opened!.secretValues };
  } catch (error) {
    if (signal.aborted && signal.reason instanceof StepInterrupted)
      return { ok: "interrupted", how: signal.reason.how };
    return { ok: false, error, secretValues: opened?.secretValues ?? [] };
  } finally {
    if (opened) await opened.release().catch(() => undefined);
    // A connect the deadline or an interruption overtook: the outcome does not wait for it (a pool's start may not
    // heed the signal); what it opens is released as soon as it settles.
    else void pending?.then((late) => late.release()).catch(() => undefined);
  }
}

interface Failure {
  /** Plain text, for the step record. */
  message: string;
  error: string;
  reported: StepFailure;
}

type Checked = { ok: true; output: ToolOutput } | { ok: false; failure: Failure };

/**
 * The one place an outcome passes before it is recorded or reported, on every host: failures are named (a step past
 * its TimeoutSeconds is States.Timeout, as Step Functions has already failed its state by then) and secret values are
 * masked in messages and stderr. The connection masks them first (shared/mcp/mask.ts, given the host's secret
 * values); masking again here also covers what did not come through it (a failed secret resolution, a start error).
 */
function beforeRecording(
  ended: Exclude<CallEnd, { ok: "interrupted" }>,
  call: StepCall,
  elapsedMs: number,
): Checked {
  if (ended.ok) return { ok: true, output: ended.output };
  const secrets = ended.secretValues;
  const classified = classify(ended.error);
  const timedOut = elapsedMs >= call.timeoutSeconds * 1000;
  // Past the timeout the host may have closed the server under the call, which would read as "exited with code 0".
  const message = timedOut
    ? `tool "${call.tool}" did not answer within ${call.timeoutSeconds}s (the step's timeout_seconds)`
    : classified.message;
  return {
    ok: false,
    failure: failureOf({
      name: timedOut ? STATE_TIMEOUT : classified.name,
      message: redact(message, secrets),
      tool: call.tool,
      stderr: classified.stderrTail?.map((line) => redact(line, secrets)),
    }),
  };
}

function classify(error: unknown): { name: string; message: string; stderrTail?: string[] } {
  if (error instanceof McpToolError) return { name: error.errorName, message: error.message };
  if (error instanceof McpStartError) {
    // Its message already ends with the stderr tail; the cause carries the tail as its own field.
    return {
      name: error.errorName,
      message: `MCP server failed to start: ${error.reason}`,
      stderrTail: error.stderrTail,
    };
  }
  if (isMcpFailure(error)) {
    return {
      name: error.errorName,
      message: error.message,
      ...("stderrTail" in error ? { stderrTail: error.stderrTail } : {}),
    };
  }
  return { name: MCP_SERVER_ERROR, message: describe(error) };
}

/** Lines of the server's stderr a cause keeps. */
const CAUSE_STDERR_LINES = 10;

/** The cause as docs/container-contract.md defines it: JSON `{message, tool?, stderr?}`, at most MAX_CAUSE_CHARS. */
function failureOf(f: { name: string; message: string; tool?: string; stderr?: string[] }): Failure {
  const stderr = f.stderr && f.stderr.length > 0 ? f.stderr.slice(-CAUSE_STDERR_LINES) : undefined;
  let cause = JSON.stringify({
    message: f.message,
    ...(f.tool ? { tool: f.tool } : {}),
    ...(stderr ? { stderr } : {}),
  });
  if (cause.length > MAX_CAUSE_CHARS) {
    // The stderr tail goes first, then the message is cut: the cause must fit whatever the server printed.
    const room =
      MAX_CAUSE_CHARS - JSON.stringify({ message: "", ...(f.tool ? { tool: f.tool } : {}) }).length - 64;
    cause = JSON.stringify({ message: cutJsonText(f.message, room), ...(f.tool ? { tool: f.tool } : {}) });
  }
  return { message: f.message.slice(0, MAX_CAUSE_CHARS), error: f.name, reported: { error: f.name, cause } };
}

/** Cuts `text` so that its JSON encoding (escapes included) stays within `room` characters. */
function cutJsonText(text: string, room: number): string {
  let cut = text.slice(0, room);
  while (JSON.stringify(cut).length > room + 2) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  return cut;
}

/** A failure a host reports before any step call exists (the runner's unusable task environment). */
export function hostFailure(message: string): StepFailure {
  return failureOf({ name: MCP_RUNNER_ERROR, message }).reported;
}

/**
 * A failure a host reports for an error outside any step call (a run's server that would not start), named and
 * shaped as a step's failure would be, its messages masked of `secretValues`.
 */
export function hostFailureOf(error: unknown, secretValues: readonly string[]): StepFailure {
  const classified = classify(error);
  return failureOf({
    name: classified.name,
    message: redact(classified.message, secretValues),
    stderr: classified.stderrTail?.map((line) => redact(line, secretValues)),
  }).reported;
}

function recordedError(failure: Failure): RunError {
  return { error: failure.error, cause: failure.message };
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/** A record that could not be written is logged; the outcome still goes to the orchestrator, which holds the run. */
async function recordBestEffort<T>(
  log: StepLogger,
  what: string,
  write: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    log.warn(`could not record ${what}`, { error: describe(error) });
    return undefined;
  }
}

/** `work`'s value if it settles within `ms`, else undefined (it goes on). */
async function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const later = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, later]);
  } finally {
    clearTimeout(timer);
  }
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
  if (parent.aborted) forward();
  parent.addEventListener("abort", forward, { once: true });
  const timer = setTimeout(() => controller.abort(onTimeout()), ms);
  try {
    return await raceAbort(controller.signal, run(controller.signal));
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", forward);
  }
}
