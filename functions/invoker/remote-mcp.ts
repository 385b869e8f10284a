// Lambda behind `lambda:invoke.waitForTaskToken` for servers reachable over Streamable HTTP: loads the step's call,
// calls the tool, records the step, and answers Step Functions with the task token. Remote servers need no task.
// The registry function also invokes it to probe a remote server version (functions/invoker/probe.ts).
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import type { Context } from "aws-lambda";
import { logger } from "../../shared/log.js";
import { connectServer, type McpConnection } from "../../shared/mcp/connect.js";
import { redact } from "../../shared/mcp/env.js";
import { isMcpFailure, MCP_RUNNER_ERROR, MCP_SERVER_ERROR } from "../../shared/mcp/errors.js";
import { isProbeRequest } from "../../shared/mcp/prober.js";
import { normaliseToolResult } from "../../shared/mcp/result.js";
import { outboundPolicyFromEnv } from "../../shared/outbound/guard.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { materializeRuntime } from "../../shared/registry/materialize.js";
import { runtimeAllowedHosts } from "../../shared/registry/runtime-policy.js";
import { loadStepCall, type StepCall, type StepRefs } from "../../shared/runs/step-call.js";
import { Runs } from "../../shared/runs/store.js";
import * as z from "../../shared/zod.js";
import { createProbeHandler } from "./probe.js";

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
}

export type RemoteInvokeOutcome =
  | { status: "SUCCEEDED" }
  | { status: "FAILED"; error: string }
  | { status: "NOT_REPORTED" };

const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Time kept back from Lambda's own deadline to record the outcome and report it. */
const REPORT_MARGIN_MS = 10_000;
const PREVIEW_CHARS = 1024;
const MAX_CAUSE_CHARS = 2000;
/** Step Functions answers these when the token is no longer usable; retrying cannot help. */
const TASK_GONE = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createRemoteMcpHandler(deps: RemoteInvokerDeps) {
  const connect = deps.connect ?? connectServer;
  const platformOf = deps.platform ?? getPlatform;

  /** Sends the report; a token Step Functions no longer knows is logged, not thrown (nothing can take it). */
  async function report(
    command: SendTaskSuccessCommand | SendTaskFailureCommand,
    refs: StepRefs,
  ): Promise<boolean> {
    try {
      await deps.sfn.send(command as SendTaskSuccessCommand);
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name ?? "";
      if (!TASK_GONE.has(name)) throw error;
      logger.error("Step Functions no longer knows this task; the outcome was not reported", {
        ...refs,
        error: name,
      });
      return false;
    }
  }

  return async function handler(
    event: unknown,
    context?: Pick<Context, "getRemainingTimeInMillis">,
  ): Promise<RemoteInvokeOutcome> {
    const payload = RemoteInvokePayload.parse(event);
    const { taskToken } = payload;
    const refs: StepRefs = {
      runId: payload.runId,
      stepId: payload.stepId,
      ...(payload.itemIndex !== undefined ? { itemIndex: payload.itemIndex } : {}),
      workflow: payload.workflow,
      workflowVersion: payload.workflowVersion,
    };
    const fail = async (error: string, cause: string): Promise<RemoteInvokeOutcome> => {
      const sent = await report(
        new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, MAX_CAUSE_CHARS) }),
        refs,
      );
      return sent ? { status: "FAILED", error } : { status: "NOT_REPORTED" };
    };

    const platform = await platformOf();
    const runs = new Runs(platform);
    let call: StepCall;
    try {
      call = await loadStepCall(platform, refs);
    } catch (error) {
      logger.error("could not load the step call", { ...refs, error: describe(error) });
      return fail(MCP_RUNNER_ERROR, `could not load the step call: ${describe(error)}`);
    }
    const step = { stepId: refs.stepId, ...(refs.itemIndex !== undefined ? { index: refs.itemIndex } : {}) };
    const attempt = await runs.stepStarted(refs.runId, {
      ...step,
      tool: call.tool,
      server: `${call.server.name}@${call.server.version}`,
      arguments: call.arguments,
    });

    let secretValues: string[] = [];
    let connection: McpConnection | undefined;
    try {
      const materialized = await materializeRuntime(call.runtime, call.server.name, platform.secrets);
      secretValues = materialized.secretValues;
      const remaining = context
        ? context.getRemainingTimeInMillis() - REPORT_MARGIN_MS
        : Number.POSITIVE_INFINITY;
      const startTimeoutMs = Math.max(
        1000,
        Math.min(deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, remaining),
      );
      connection = await connect(materialized.runtime, {
        timeoutMs: startTimeoutMs,
        redact: secretValues,
        outbound: outboundPolicyFromEnv(process.env, await runtimeAllowedHosts(platform.table)),
      });
      // The state's TimeoutSeconds bounds the step; Lambda's own deadline (15 min) may come first.
      const timeoutMs = Math.max(1000, Math.min(call.timeoutSeconds * 1000, remaining - startTimeoutMs));
      const result = await connection.callTool(call.tool, call.arguments, { timeoutMs });
      const output = normaliseToolResult(result, call.tool);
      const kept = await runs.stepEnded(refs.runId, step, { status: "SUCCEEDED", output }, { attempt });
      // Large outputs stay in the blob store; Step Functions carries the reference (256 KiB payload limit).
      const sent = await report(
        new SendTaskSuccessCommand({
          taskToken,
          output: JSON.stringify({
            status: "SUCCEEDED",
            output: kept.outputBlob
              ? { blob: kept.outputBlob, text: output.text.slice(0, PREVIEW_CHARS) }
              : output,
          }),
        }),
        refs,
      );
      return sent ? { status: "SUCCEEDED" } : { status: "NOT_REPORTED" };
    } catch (error) {
      // The same names the Fargate runner and the local engine report, so Retry/Catch behave alike everywhere.
      const name = isMcpFailure(error) ? error.errorName : MCP_SERVER_ERROR;
      const cause = redact(describe(error), secretValues).slice(0, MAX_CAUSE_CHARS);
      logger.warn("step failed", { ...refs, error: name });
      await runs.stepEnded(
        refs.runId,
        step,
        { status: "FAILED", error: { error: name, cause } },
        { attempt },
      );
      return fail(name, cause);
    } finally {
      await connection?.close().catch(() => undefined);
    }
  };
}

const invoke = createRemoteMcpHandler({ sfn: new SFNClient({}) });
const probe = createProbeHandler();

/** A task token's step call, or a probe the registry function asked for. */
export function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) {
  return isProbeRequest(event) ? probe(event) : invoke(event, context);
}
