// Lambda behind `lambda:invoke.waitForTaskToken` for servers reachable over Streamable HTTP: executes the step
// (shared/runs/step-execution.ts) against the remote server, heartbeating meanwhile, and carries the outcome to Step
// Functions with the task token. Remote servers need no task. The registry function also invokes it to probe a remote server version
// (functions/invoker/probe.ts).
import { SFNClient } from "@aws-sdk/client-sfn";
import type { Context } from "aws-lambda";
import { logger } from "../../shared/log.js";
import { connectServer } from "../../shared/mcp/connect.js";
import { isProbeRequest, isToolCallRequest } from "../../shared/mcp/prober.js";
import {
  beatWhileRunning,
  errorNameOf,
  heartbeatIntervalFromEnv,
  reportToTask,
} from "../../shared/orchestrator/task-token.js";
import { outboundPolicyFromEnv } from "../../shared/outbound/guard.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { materializeRuntime } from "../../shared/registry/materialize.js";
import { runtimeAllowedHosts } from "../../shared/registry/runtime-policy.js";
import type { StepRefs } from "../../shared/runs/step-call.js";
import { executeStep, StepInterrupted } from "../../shared/runs/step-execution.js";
import * as z from "../../shared/zod.js";
import { createProbeHandler, createToolCallHandler } from "./probe.js";

const Text = z.string().check(z.minLength(1));

export const RemoteInvokePayload = z.object({
  taskToken: Text,
  runId: Text,
  stepId: Text,
  itemIndex: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
  workflow: Text,
  workflowVersion: z.coerce.number().check(z.int(), z.positive()),
  server: Text,
});
export type RemoteInvokePayload = z.infer<typeof RemoteInvokePayload>;

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
    const payload = RemoteInvokePayload.parse(event);
    const refs: StepRefs = {
      runId: payload.runId,
      stepId: payload.stepId,
      ...(payload.itemIndex !== undefined ? { itemIndex: payload.itemIndex } : {}),
      workflow: payload.workflow,
      workflowVersion: payload.workflowVersion,
    };
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

const invoke = createRemoteMcpHandler({ sfn: new SFNClient({}) });
const probe = createProbeHandler();
const callTool = createToolCallHandler();

/** A task token's step call, or a probe or a tool call the registry function asked for. */
export function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) {
  if (isProbeRequest(event)) return probe(event);
  if (isToolCallRequest(event)) return callTool(event);
  return invoke(event, context);
}
