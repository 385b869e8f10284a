// The step of a tool-call run (shared/runs/tool-call.ts): what it is named, what its run stores, and how a host loads
// its call. Apart from the service so that the hosts' bundles (runner, invoker) do not carry the service's rules.

import { NotFoundError, UnprocessableError } from "../errors.js";
import { assertMayRun } from "../registry/approval.js";
import { ServerVersions } from "../registry/server-versions.js";
import * as z from "../zod.js";
import type { RunStore, StepCall, StepRefs } from "./step-call.js";
import { Runs } from "./store.js";

/**
 * The workflow name a tool-call run carries. No workflow can have it (`.` is not allowed in a workflow name), so
 * `GET /v1/runs?workflow=tools.call` lists exactly the tool calls.
 */
export const TOOL_CALL_WORKFLOW = "tools.call";
/** Its one step. */
export const TOOL_CALL_STEP = "call";

/**
 * API Gateway answers within 29 s and the call is answered in the request: the server's start and the tool call
 * together stay under it. Longer work belongs in a workflow run.
 */
export const TOOL_CALL_START_MS = 10_000;
export const TOOL_CALL_TIMEOUT_SECONDS = 15;

/** What a tool-call run stores as its input, and what its step is loaded from. */
export const ToolCallInput = z.object({
  server: z.object({ name: z.string(), version: z.string() }),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
});
export type ToolCallInput = z.infer<typeof ToolCallInput>;

/** The step call of a tool-call run, loaded from its input (as loadStepCall loads a workflow's step). */
export async function loadToolCall(store: RunStore, refs: StepRefs): Promise<StepCall> {
  const parsed = ToolCallInput.safeParse(await new Runs(store).inputOf(refs.runId));
  if (!parsed.success) throw new UnprocessableError(`Run ${refs.runId} is not a tool call.`);
  const { server, tool } = parsed.data;
  const record = await new ServerVersions(store.table).getVersionToRun(server.name, server.version);
  if (!record.runtime) throw new NotFoundError(`${server.name}@${server.version} has no runtime.`);
  await assertMayRun(store.table, record);
  return {
    refs,
    tool,
    arguments: parsed.data.arguments,
    timeoutSeconds: TOOL_CALL_TIMEOUT_SECONDS,
    server,
    runtime: record.runtime,
  };
}
