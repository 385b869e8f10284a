// The embedded orchestrator: runs compiled ASL with aws-local-stepfunctions, each Task state overridden by the step
// protocol (shared/runs/step-execution.ts), which reaches MCP servers through a per-run pool: child processes (or
// HTTP sessions) started once per run.
import { ExecutionAbortedError, ExecutionError, StateMachine } from "aws-local-stepfunctions";
import { logger } from "../shared/log.js";
import { connectServer } from "../shared/mcp/connect.js";
import { MCP_RUNNER_ERROR } from "../shared/mcp/errors.js";
import { ProcessSlots, RunConnectionPools } from "../shared/mcp/pool.js";
import type { SpawnWatcher } from "../shared/mcp/process-tree.js";
import type { ChildSandbox } from "../shared/mcp/sandbox.js";
import { executionInputOf, type RunStart } from "../shared/orchestrator/execution-input.js";
import type { ExecutionEvent, Orchestrator } from "../shared/orchestrator/port.js";
import { outboundPolicyFromEnv } from "../shared/outbound/guard.js";
import type { Platform } from "../shared/platform.js";
import { assertMayRun } from "../shared/registry/approval.js";
import { materializeRuntime } from "../shared/registry/materialize.js";
import { runtimeAllowedHosts } from "../shared/registry/runtime-policy.js";
import { endRun, type RunEnd } from "../shared/runs/lifecycle.js";
import { MAX_CAUSE_CHARS } from "../shared/runs/limits.js";
import { parseTaskRefs, type RunStore } from "../shared/runs/step-call.js";
import { executeStep, StepInterrupted } from "../shared/runs/step-execution.js";
import { StepRecordBatch } from "../shared/runs/step-record-batch.js";
import { Runs } from "../shared/runs/store.js";
import { serverVersion, workflowVersionToRun } from "../shared/runs/version-cache.js";
import { meteredTable, type StoreMeter } from "../shared/store/meter.js";
import { SERVER_START_RESOURCE } from "../statemachines/state-names.js";

/** An error whose name the state machine's Retry/Catch match on, as SendTaskFailure's `error` would be. */
class TaskFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const START_TIMEOUT_MS = 30_000;
/**
 * How long a run's history waits at most before it is written (collectEvents): a step of a fast tool takes a few
 * milliseconds, so a shorter window wrote one batch per step (bench/workflow.ts); this one loses at most 200 ms of
 * history to a crash.
 */
const EVENT_WINDOW_MS = 200;
/**
 * Events that are written at once, without waiting for the window's end: one BatchWriteItem's worth. A run of fast
 * steps then writes its history as it goes, in full batches, instead of leaving a whole window's events (200 for a
 * hundred 1 ms steps) for its end to wait for.
 */
const EVENT_BATCH = 25;

interface ActiveExecution {
  abort: () => void;
  /** Aborted with a StepInterrupted when the run is cancelled or the platform shuts down. */
  steps: AbortController;
  done: Promise<void>;
  cancelled: boolean;
  /** Set on platform shutdown: the run is left RUNNING, and the next start marks it FAILED. */
  abandoned: boolean;
  /** The store as the run's steps see it: each request counted, for the run's usage (docs/costs.md). */
  store?: RunStore;
  meter: StoreMeter;
  /** Set as the run's end closes its servers: a step still starting one (an attempt the run has left) starts none. */
  ended: boolean;
}

type AslState = Record<string, unknown>;

function taskStates(states: Record<string, AslState>, into: [string, AslState][] = []): [string, AslState][] {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Task") into.push([name, state]);
    for (const branch of (state.Branches as { States: Record<string, AslState> }[] | undefined) ?? []) {
      taskStates(branch.States, into);
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, AslState> }
      | undefined;
    if (processor) taskStates(processor.States, into);
  }
  return into;
}

/** A run's servers start as its execution does here (startServers), so "Start servers" does nothing locally. */
const serversStartedLocally = async () => ({});

/**
 * The interpreter's event names, as Step Functions' execution history spells them, so a run reads the same in
 * `GET /v1/runs/{id}/events` locally and on AWS (TaskStateEntered, PassStateExited, TaskFailed, ExecutionAborted).
 */
export function historyEventType(local: string, stateType: string | undefined): string {
  if (local === "ExecutionTerminated") return "ExecutionAborted";
  if (!stateType) return local;
  if (local === "StateEntered") return `${stateType}StateEntered`;
  if (local === "StateExited") return `${stateType}StateExited`;
  if (local === "StateFailed" && stateType === "Task") return "TaskFailed";
  return local;
}

/** MCPFLOW_MAX_PROCESSES: server processes that runs may have at once; runs beyond it wait their turn. */
export function maxProcessesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.MCPFLOW_MAX_PROCESSES ?? DEFAULT_MAX_PROCESSES);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_MAX_PROCESSES;
}

/** Enough for several runs at once on a laptop; each server process costs tens of MB and a start of 0.2–2 s of CPU. */
const DEFAULT_MAX_PROCESSES = 8;

export interface LocalOrchestratorOptions {
  /** Records every server process this platform starts (see ProcessRegistry). */
  processes?: SpawnWatcher;
  maxProcesses?: number;
  /** How server processes are isolated (shared/mcp/sandbox.ts), decided once at the platform's start. */
  sandbox?: ChildSandbox;
  /**
   * Whether the API is answering requests right now. A queued execution waits for a moment without any (at most
   * API_FIRST_MAX_WAIT_MS): the API and the executions share one event loop and the machine's cores, and starting an
   * execution (a process spawn, its MCP handshake, its first records) in the middle of a burst of requests made
   * every answer of the burst wait for it.
   */
  apiBusy?: () => boolean;
}

/** The longest a queued execution gives way to API requests; under steady traffic it starts all the same. */
const API_FIRST_MAX_WAIT_MS = 2_000;
const API_FIRST_POLL_MS = 25;

export class LocalOrchestrator implements Orchestrator {
  private readonly executions = new Map<string, ActiveExecution>();
  private readonly pools: RunConnectionPools;
  private readonly slots: ProcessSlots;
  private readonly apiBusy: () => boolean;
  private platform: Platform | undefined;

  constructor(options: LocalOrchestratorOptions = {}) {
    this.pools = new RunConnectionPools({
      timeoutMs: START_TIMEOUT_MS,
      // The admin's allow-listed hosts are read at each connect, so a change to the runtime policy acts at once.
      connect: async (runtime, connectOptions) =>
        connectServer(runtime, {
          ...connectOptions,
          outbound: outboundPolicyFromEnv(process.env, await runtimeAllowedHosts(this.platform!.table)),
          ...(options.sandbox ? { sandbox: options.sandbox } : {}),
        }),
      ...(options.processes ? { processes: options.processes } : {}),
    });
    this.slots = new ProcessSlots(options.maxProcesses ?? maxProcessesFromEnv());
    this.apiBusy = options.apiBusy ?? (() => false);
  }

  /** Resolves once the API has no request in flight, or after API_FIRST_MAX_WAIT_MS, or when `signal` aborts. */
  private async apiQuiet(signal: AbortSignal): Promise<void> {
    const until = Date.now() + API_FIRST_MAX_WAIT_MS;
    while (this.apiBusy() && Date.now() < until && !signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, API_FIRST_POLL_MS));
    }
  }

  attach(platform: Platform): void {
    this.platform = platform;
  }

  async deploy(workflow: { name: string; version: number }) {
    return {
      stateMachineArn: `arn:aws:states:local:000000000000:stateMachine:mcpflow-${workflow.name}:${workflow.version}`,
    };
  }

  executionOf(run: { runId: string; workflow: string }) {
    return {
      executionArn: `arn:aws:states:local:000000000000:execution:mcpflow-${run.workflow}:${run.runId}`,
    };
  }

  async start(run: RunStart) {
    const { executionArn } = this.executionOf(run);
    const admission = new AbortController();
    const active: ActiveExecution = {
      abort: () => admission.abort(new Error("the run was stopped before it began")),
      steps: new AbortController(),
      done: Promise.resolve(),
      cancelled: false,
      abandoned: false,
      meter: { reads: 0, writes: 0 },
      ended: false,
    };
    // The answer does not wait for the run: it waits behind the process cap (its servers' slots), then executes.
    active.done = (async () => {
      let release: () => void;
      try {
        await this.apiQuiet(admission.signal);
        release = await this.slots.acquire(await this.serversOf(run), admission.signal);
      } catch {
        // Cancelled or stopped while waiting: cancelRun records its end, shutdown marks it.
        return;
      }
      try {
        if (active.cancelled || active.abandoned) return;
        await this.execute(run, executionArn, active);
      } finally {
        release();
      }
    })()
      .catch((error: unknown) => logger.error("run bookkeeping failed", { runId: run.runId, error }))
      .finally(() => this.executions.delete(run.runId));
    this.executions.set(run.runId, active);
    return { executionArn };
  }

  /** Slots a run takes: one per distinct server its steps name (remote ones too: telling needs each runtime). */
  private async serversOf(run: RunStart): Promise<number> {
    try {
      const { definition } = await workflowVersionToRun(this.platform!, run.workflow, run.version);
      return new Set(definition.steps.map((s) => `${s.server.name}@${s.server.version}`)).size;
    } catch {
      // ASL started without a stored workflow (the orchestrator contract does so): one slot.
      return 1;
    }
  }

  /** Runs the ASL to its end and records it; called once the run has its process slots. */
  private async execute(run: RunStart, executionArn: string, active: ActiveExecution): Promise<void> {
    const platform = this.platform!;
    const table = meteredTable(platform.table, active.meter);
    // Every attempt of this run's steps runs here, so their records can be committed in groups (step-record-batch.ts).
    const stepRecords = new StepRecordBatch(table);
    active.store = { table, blobs: platform.blobs, stepRecords };
    const asl = JSON.parse(run.aslJson) as { States: Record<string, Record<string, unknown>> };
    const inflight = new Set<Promise<unknown>>();
    const invoke = (input: unknown) => {
      const call = this.invokeTask(input);
      const settled = call.catch(() => undefined).finally(() => inflight.delete(settled));
      inflight.add(settled);
      return call as Promise<never>;
    };
    const handlers = Object.fromEntries(
      taskStates(asl.States).map(([name, state]) => [
        name,
        state.Resource === SERVER_START_RESOURCE ? serversStartedLocally : invoke,
      ]),
    );
    const machine = new StateMachine(asl as never, {
      // The ASL comes from our own compiler, whose every output the tests pass through asl-validator; validating again
      // on every run costs about a second on a busy machine.
      validationOptions: { noValidate: true },
    });
    // The same `$` (and `$$.Execution.Input`) Step Functions gives an execution started by the AWS adapter.
    const executionInput = executionInputOf(run);
    const execution = machine.run(executionInput as never, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: {
          Id: executionArn,
          Name: run.runId,
          StartTime: new Date().toISOString(),
          Input: executionInput,
        },
        Task: { Token: `local-${run.runId}` },
      } as never,
    });
    active.abort = () => execution.abort();
    const starting = this.startServers(run, active);
    const events = this.collectEvents(
      run.runId,
      execution.eventLogs as AsyncIterable<Record<string, unknown>>,
    );
    await (async () => {
      let end: RunEnd;
      try {
        end = { status: "SUCCEEDED", output: await execution.result };
      } catch (error) {
        if (error instanceof ExecutionAbortedError || active.cancelled)
          end = { status: "CANCELLED", error: { error: "Run.Cancelled", cause: "cancelled by a caller" } };
        else {
          // The interpreter wraps the failing state's error; the run reports that error, as Step Functions does.
          const failure = (error instanceof ExecutionError ? error.cause : error) as {
            name?: string;
            message?: string;
            cause?: unknown;
          };
          const name =
            failure.name === "ExecutionTimeoutError" ? "States.Timeout" : (failure.name ?? "Error");
          end = {
            status: failure.name === "ExecutionTimeoutError" ? "TIMED_OUT" : "FAILED",
            error: { error: name, cause: (failure.message ?? String(error)).slice(0, MAX_CAUSE_CHARS) },
          };
        }
      }
      // Closing the run's servers cuts short the calls still under way (a state timeout, a failed branch), which the
      // end record waits for: then they are closed first. Otherwise they are closed once the end is recorded: closing
      // reads the process table for each server's tree (tens of ms of the one thread on a busy host) and a server
      // takes 0.1-0.4 s to exit after its stdin ends, none of which the run's outcome waits for. Either way the run's
      // process slots are given back only once its servers have exited, and every start startServers made is in the
      // run's pool by then, so none outlives the run.
      await starting;
      active.ended = true;
      const closing = inflight.size > 0 ? this.pools.closeRun(run.runId) : undefined;
      try {
        await this.recordEnd(run, active, end, { inflight, events, stepRecords });
      } finally {
        await (closing ?? this.pools.closeRun(run.runId));
      }
    })();
  }

  /**
   * Starts every server the run's workflow pins at the run's beginning, all at once, beside the interpreter's first
   * states and the first step's reads, as the AWS path starts a run's server tasks ("Start servers"): a server's start
   * no longer waits for the first step that reaches it. Each start goes in the run's pool, which hands it to the
   * first step that reaches the server, failure included (a connect under way is shared; one that failed is tried
   * again by the next step that needs it). A server its runtime or approval keeps from running is left to that step,
   * which reports why. Resolves once every start is in the run's pool (not once the servers are up), so that the
   * run's end closes them all.
   */
  private async startServers(run: RunStart, active: ActiveExecution): Promise<void> {
    const platform = this.platform!;
    let pinned: Map<string, { name: string; version: string }>;
    try {
      const { definition } = await workflowVersionToRun(platform, run.workflow, run.version);
      pinned = new Map(
        definition.steps.flatMap((step) =>
          step.server.version === undefined
            ? []
            : [
                [
                  `${step.server.name}@${step.server.version}`,
                  { name: step.server.name, version: step.server.version },
                ],
              ],
        ),
      );
    } catch {
      // ASL started without a stored workflow (the orchestrator contract does so): its steps start what they call.
      return;
    }
    await Promise.all(
      [...pinned].map(async ([key, server]) => {
        try {
          const record = await serverVersion(platform, server.name, server.version);
          if (!record.runtime) return;
          await assertMayRun(platform.table, record);
          const { runtime, secretValues } = await materializeRuntime(
            record.runtime,
            server.name,
            platform.secrets,
          );
          if (active.steps.signal.aborted) return;
          // Nobody may take it (a step the run never reaches): its failure is the pool's to forget.
          this.pools
            .forRun(run.runId)
            .get(key, runtime, {}, secretValues)
            .catch(() => undefined);
        } catch {
          // Not started here: the first step that reaches it tries, and reports what stops it.
        }
      }),
    );
  }

  /** Records the run's end once its steps are: every step is settled before, so whoever sees it ended sees them final. */
  private async recordEnd(
    run: RunStart,
    active: ActiveExecution,
    outcome: RunEnd,
    pending: { inflight: Set<Promise<unknown>>; events: Promise<number>; stepRecords: StepRecordBatch },
  ): Promise<void> {
    const { inflight, events, stepRecords } = pending;
    let end = outcome;
    // Calls cut short by the end record their failure first.
    await Promise.all(inflight);
    // The steps' records and the history are stored before the run's end is, the two at once; a run whose records
    // could not be stored failed.
    const [transitions, unrecorded] = await Promise.all([
      events.catch(() => undefined),
      stepRecords.flush().then(
        () => undefined,
        (error: unknown) => error,
      ),
    ]);
    if (active.abandoned) return;
    if (unrecorded !== undefined) {
      logger.error("step records could not be stored", { runId: run.runId, error: unrecorded });
      end = {
        status: "FAILED",
        error: {
          error: MCP_RUNNER_ERROR,
          cause:
            `could not record the run's steps: ${unrecorded instanceof Error ? unrecorded.message : String(unrecorded)}`.slice(
              0,
              MAX_CAUSE_CHARS,
            ),
        },
      };
    }
    await endRun(this.platform!, run.runId, {
      ...end,
      measured: {
        ...(transitions !== undefined ? { stateTransitions: transitions } : {}),
        storeReads: active.meter.reads,
        storeWrites: active.meter.writes,
      },
    });
  }

  /**
   * Writes the run's history as it happens, so a run cut short (a crash, a kill -9) still has its events. One
   * write at a time, at most every EVENT_WINDOW_MS unless EVENT_BATCH events are pending: events that arrive
   * meanwhile go together in the next one (25 per BatchWrite), so a run of fast steps writes its history in a few
   * requests instead of one or two per step, and its end waits for at most one batch in flight and what followed it.
   * A crash loses at most the last window's events; the run and step records, written by the steps, lose nothing.
   * Answers the state transitions Step Functions would bill for the run: the states entered and the retries.
   */
  private async collectEvents(runId: string, logs: AsyncIterable<Record<string, unknown>>): Promise<number> {
    let transitions = 0;
    const runs = new Runs(this.platform!);
    let id = 0;
    const pending: Parameters<Runs["appendEvents"]>[1] = [];
    let writing: Promise<void> | undefined;
    let failure: unknown;
    let last = 0;
    /** Set once the execution is over: its end waits for its history, so nothing waits for a window any more. */
    let over = false;
    /** Ends the current window's wait: a full batch is pending, or the execution is over. */
    let hurry: (() => void) | undefined;
    const flush = () => {
      writing ??= (async () => {
        try {
          const since = Date.now() - last;
          if (!over && since < EVENT_WINDOW_MS && pending.length < EVENT_BATCH)
            await new Promise<void>((done) => {
              const timer = setTimeout(done, EVENT_WINDOW_MS - since);
              hurry = () => {
                clearTimeout(timer);
                done();
              };
            });
          hurry = undefined;
          last = Date.now();
          // What is pending now; events that arrive during the write wait for the next window (writing them as they
          // came wrote a batch of two or three per step when the store was slow).
          await runs.appendEvents(runId, pending.splice(0));
        } catch (error) {
          // The store refused (or closed): later events are dropped rather than retried for ever.
          failure ??= error;
          pending.length = 0;
        } finally {
          writing = undefined;
          // Events that arrived during the write go in the next window, whether or not another event follows soon
          // (a long step's): a crash loses at most a window's events.
          if (pending.length > 0 && !failure) void flush();
        }
      })();
      return writing;
    };
    for await (const log of logs) {
      const { type, timestamp, ...detail } = log as { type: string; timestamp: number } & Record<
        string,
        unknown
      >;
      const state = detail.state as { name?: string; type?: string } | undefined;
      if (type === "StateEntered" || type === "StateRetried") transitions++;
      pending.push({
        id: ++id,
        timestamp: new Date(timestamp ?? Date.now()).toISOString(),
        type: historyEventType(type, state?.type),
        ...(state?.name ? { stateName: state.name } : {}),
        // Its text now: the interpreter's objects may change after it goes on, and the store keeps the text.
        detailJson: JSON.stringify(detail, (_key, value) =>
          value instanceof Error ? { name: value.name, message: value.message } : value,
        ),
      });
      if (failure) continue;
      // A full batch is written at once; a write under way takes what is pending when it is done.
      if (pending.length >= EVENT_BATCH) hurry?.();
      void flush();
    }
    over = true;
    hurry?.();
    while (writing || pending.length > 0) await flush();
    if (failure) throw failure;
    return transitions;
  }

  /**
   * The Task override: the step protocol (executeStep), its outcome returned or thrown under its Retry/Catch name.
   * Public for the step-host contract (tests/contract/step-host.contract.ts), which runs it beside the AWS hosts.
   */
  async invokeTask(input: unknown): Promise<unknown> {
    const platform = this.platform!;
    const refs = parseTaskRefs(input);
    // The run this attempt belongs to (none when the step-host contract calls it directly).
    const active = this.executions.get(refs.runId);
    const outcome = await executeStep(refs, {
      store: active?.store ?? platform,
      connector: {
        connect: async (call) => {
          const key = `${call.server.name}@${call.server.version}`;
          const { runtime, secretValues } = await materializeRuntime(
            call.runtime,
            call.server.name,
            platform.secrets,
          );
          // An attempt the run has left (a cancel, a timed-out state, the run's end) may get here after the run's pool
          // was closed: a server started now would be in a new pool nobody closes, running until the platform stops.
          if (active && (active.ended || active.steps.signal.aborted))
            throw active.steps.signal.reason instanceof StepInterrupted
              ? active.steps.signal.reason
              : new StepInterrupted("abandoned");
          const pool = this.pools.forRun(refs.runId);
          const connection = await pool.get(key, runtime, {}, secretValues);
          // The run's pool hands over the start startServers made (under way or done) or starts it, keeps the server
          // for the run's next step, and the run's end closes it.
          return { connection, secretValues, release: async () => {} };
        },
      },
      signal: active?.steps.signal,
      log: { warn: (message, fields) => logger.warn(message, fields ?? {}) },
    });
    if (outcome.status === "SUCCEEDED") return outcome.result;
    if (outcome.status === "FAILED") throw new TaskFailure(outcome.failure.error, outcome.failure.cause);
    // The execution is being aborted: what is thrown here is never seen.
    throw new TaskFailure("Run.Cancelled", outcome.how);
  }

  async stop(run: { runId: string }, _cause: string): Promise<void> {
    const active = this.executions.get(run.runId);
    if (!active) return;
    active.cancelled = true;
    active.steps.abort(new StepInterrupted("cancelled"));
    active.abort();
    await this.pools.closeRun(run.runId);
    await active.done;
  }

  async events(run: { runId: string }): Promise<ExecutionEvent[]> {
    return (await new Runs(this.platform!).events(run.runId)) as unknown as ExecutionEvent[];
  }

  /** Marks runs left RUNNING by a platform that stopped: nothing can still be executing them. */
  async recover(): Promise<number> {
    return this.markStopped((run) => !this.executions.has(run));
  }

  private async markStopped(include: (run: string) => boolean): Promise<number> {
    const runs = new Runs(this.platform!);
    let count = 0;
    for (const run of await runs.running()) {
      if (!include(run.id)) continue;
      const ended = await endRun(this.platform!, run.id, {
        status: "FAILED",
        error: {
          error: "Platform.Stopped",
          cause: "the embedded platform stopped while this run was in progress",
        },
      });
      if (ended) count++;
    }
    return count;
  }

  /**
   * Stops every execution (platform shutdown): their servers are ended, the events they produced are written, and
   * their runs are marked FAILED (Platform.Stopped) now rather than by the next start. Bounded by `waitMs` for the
   * executions to wind down; a run still RUNNING after that is marked all the same (recover() covers a crash).
   */
  async shutdown(waitMs = 1500): Promise<number> {
    const active = [...this.executions.values()];
    for (const execution of active) {
      execution.abandoned = true;
      execution.steps.abort(new StepInterrupted("abandoned"));
      execution.abort();
    }
    await this.pools.closeAll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(active.map((execution) => execution.done)),
      new Promise((done) => {
        timer = setTimeout(done, waitMs);
      }),
    ]);
    clearTimeout(timer);
    return active.length > 0 ? this.markStopped(() => true) : 0;
  }
}
