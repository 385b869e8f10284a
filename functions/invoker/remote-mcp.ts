// The step executor, behind every step's `lambda:invoke.waitForTaskToken`: executes the step
// (shared/runs/step-execution.ts) against the step's server, heartbeating meanwhile, and carries the outcome to Step
// Functions with the task token. A server that runs as one of the run's Fargate tasks is reached at the address its
// task reported, inside the VPC, with the run's host key (decision 0008); a remote server over the public outbound
// guard. The registry function also invokes it to probe a remote server version (functions/invoker/probe.ts).
import { SFNClient } from "@aws-sdk/client-sfn";
import type { Context } from "aws-lambda";
import { logger } from "../../shared/log.js";
import { connectServer } from "../../shared/mcp/connect.js";
import { McpStartError } from "../../shared/mcp/errors.js";
import { isProbeRequest, isToolCallRequest } from "../../shared/mcp/prober.js";
import {
  beatWhileRunning,
  errorNameOf,
  heartbeatIntervalFromEnv,
  reportToTask,
} from "../../shared/orchestrator/task-token.js";
import { outboundPolicyFromEnv } from "../../shared/outbound/guard.js";
import { runHostRuleFromEnv } from "../../shared/outbound/run-host.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { materializeRuntime } from "../../shared/registry/materialize.js";
import { runtimeAllowedHosts } from "../../shared/registry/runtime-policy.js";
import { type HostReport, refsOfPayload, StepPayload, type StepRefs } from "../../shared/runs/step-call.js";
import { executeStep, type StepConnection, StepInterrupted } from "../../shared/runs/step-execution.js";
import { Runs } from "../../shared/runs/store.js";
import { createProbeHandler, createToolCallHandler } from "./probe.js";

export interface RemoteInvokerDeps {
  sfn: Pick<SFNClient, "send">;
  platform?: () => Promise<Platform>;
  connect?: typeof connectServer;
  /** Bound on connect + initialize. */
  startTimeoutMs?: number;
  /** Between two heartbeats (default: MCPFLOW_HEARTBEAT_SECONDS, else 20 s); below the state's HeartbeatSeconds. */
  heartbeatIntervalMs?: number;
}

export type RemoteInvokeOutcome =
  | { status: "SUCCEEDED" }
  | { status: "FAILED"; error: string }
  | { status: "NOT_REPORTED" };

const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Time kept back from Lambda's own deadline to record the outcome and report it. */
const REPORT_MARGIN_MS = 10_000;

export function createRemoteMcpHandler(deps: RemoteInvokerDeps) {
  const connect = deps.connect ?? connectServer;
  const platformOf = deps.platform ?? getPlatform;

  return async function handler(
    event: unknown,
    context?: Pick<Context, "getRemainingTimeInMillis">,
  ): Promise<RemoteInvokeOutcome> {
    const payload = StepPayload.parse(event);
    const refs: StepRefs = refsOfPayload(payload);
    const platform = await platformOf();
    // The state's TimeoutSeconds bounds the step; Lambda's own deadline (15 min) may come first.
    const remaining = context
      ? context.getRemainingTimeInMillis() - REPORT_MARGIN_MS
      : Number.POSITIVE_INFINITY;
    const startTimeoutMs = Math.max(
      1000,
      Math.min(deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, remaining),
    );
    // A call longer than the state's HeartbeatSeconds must beat; a beat answered "gone" (the run was cancelled or
    // the state timed out) stops the call, whose outcome nobody would take any more.
    const work = new AbortController();
    const heartbeat = beatWhileRunning(deps.sfn, payload.taskToken, {
      intervalMs: deps.heartbeatIntervalMs ?? heartbeatIntervalFromEnv(process.env),
      onGone: (error) => {
        logger.warn("Step Functions no longer knows this task; stopping the call", { ...refs, error });
        work.abort(new StepInterrupted("abandoned"));
      },
      onError: (error) => logger.warn("heartbeat failed", { ...refs, error }),
    });
    const outcome = await executeStep(refs, {
      store: platform,
      signal: work.signal,
      connector: {
        connect: async (call, { signal }) => {
          if (payload.host) {
            return connectHost(payload.host, refs.runId, {
              platform,
              connect,
              timeoutMs: startTimeoutMs,
              signal,
            });
          }
          const { runtime, secretValues } = await materializeRuntime(
            call.runtime,
            call.server.name,
            platform.secrets,
          );
          const connection = await connect(runtime, {
            timeoutMs: startTimeoutMs,
            signal,
            redact: secretValues,
            outbound: outboundPolicyFromEnv(process.env, await runtimeAllowedHosts(platform.table)),
          });
          return { connection, secretValues, release: () => connection.close() };
        },
      },
      ...(Number.isFinite(remaining) ? { maxCallMs: Math.max(1000, remaining - startTimeoutMs) } : {}),
      log: { warn: (message, fields) => logger.warn(message, { ...refs, ...fields }) },
    }).finally(() => heartbeat.stop());
    if (outcome.status === "INTERRUPTED") return { status: "NOT_REPORTED" };
    if (outcome.status === "FAILED") logger.warn("step failed", { ...refs, error: outcome.failure.error });
    const report = await reportToTask(deps.sfn, payload.taskToken, outcome);
    if (!report.sent) {
      // Another error (throttling, the API down) is thrown, so that Lambda's retry reports again.
      if (!report.gone) throw report.error;
      logger.error("Step Functions no longer knows this task; the outcome was not reported", {
        ...refs,
        error: errorNameOf(report.error),
      });
      return { status: "NOT_REPORTED" };
    }
    return outcome.status === "SUCCEEDED"
      ? { status: "SUCCEEDED" }
      : { status: "FAILED", error: outcome.failure.error };
  };
}

/** Host keys of the runs this container served lately: a run's steps follow one another closely. */
const hostKeys = new Map<string, Promise<string | undefined>>();
const HOST_KEY_CACHE_LIMIT = 64;

function hostKeyOf(platform: Platform, runId: string): Promise<string | undefined> {
  const hit = hostKeys.get(runId);
  if (hit) return hit;
  const pending = new Runs(platform).hostKeyOf(runId);
  pending.catch(() => hostKeys.delete(runId));
  if (hostKeys.size >= HOST_KEY_CACHE_LIMIT) hostKeys.delete(hostKeys.keys().next().value as string);
  hostKeys.set(runId, pending);
  return pending;
}

/**
 * The step's server in one of the run's tasks: at the address the task reported (a private IPv4 literal on the host
 * port, shared/outbound/run-host.ts), with the run's key. A task that did not start fails the step as its server.
 */
async function connectHost(
  host: HostReport,
  runId: string,
  options: { platform: Platform; connect: typeof connectServer; timeoutMs: number; signal: AbortSignal },
): Promise<StepConnection> {
  if (!host.url) {
    throw new McpStartError(
      "the run's server task",
      `it did not start: ${host.Error ?? "unknown error"}${host.Cause ? `: ${host.Cause}` : ""}`,
    );
  }
  const key = await hostKeyOf(options.platform, runId);
  if (!key) throw new McpStartError("the run's server task", "the run has no host key");
  const connection = await options.connect(
    { transport: "streamable-http", url: host.url, headers: { authorization: `Bearer ${key}` } },
    {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      redact: [key],
      outbound: { runHost: runHostRuleFromEnv(process.env) },
    },
  );
  return { connection, secretValues: [key], release: () => connection.close() };
}

const invoke = createRemoteMcpHandler({ sfn: new SFNClient({}) });
const probe = createProbeHandler();
const callTool = createToolCallHandler();

/** A task token's step call, or a probe or a tool call the registry function asked for. */
export function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) {
  if (isProbeRequest(event)) return probe(event);
  if (isToolCallRequest(event)) return callTool(event);
  return invoke(event, context);
}
