// Calling one tool of a server version from the API (a console's or the CLI's "try"): a run of one step, recorded,
// audited and listed as any run, under the same rules (the runtime approved, the secrets granted), executed by
// executeStep where the platform reaches servers (platform.prober: in process locally, the invoker Lambda on AWS).

import { createRegistry } from "../compose.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { ProbedTool } from "../mcp/probe-result.js";
import type { Platform } from "../platform.js";
import { assertMayRunRequest } from "../registry/approval.js";
import { checkToolArguments } from "../workflows/input-schema.js";
import { endRun } from "./lifecycle.js";
import type { RunRecord } from "./schema.js";
import type { StepRefs } from "./step-call.js";
import { newRunId, Runs } from "./store.js";
import {
  TOOL_CALL_START_MS,
  TOOL_CALL_STEP,
  TOOL_CALL_WORKFLOW,
  type ToolCallInput,
} from "./tool-call-step.js";

/**
 * MCP's annotation defaults: a tool is destructive unless it says it only reads (`readOnlyHint: true`) or that its
 * changes are not destructive (`destructiveHint: false`); an unannotated tool may delete.
 */
export function isDestructive(tool: Pick<ProbedTool, "annotations">): boolean {
  const a = tool.annotations ?? {};
  return a.readOnlyHint !== true && a.destructiveHint !== false;
}

export async function callTool(
  platform: Platform,
  request: {
    server: string;
    version: string;
    tool: string;
    arguments: Record<string, unknown>;
    confirm: boolean;
    caller: Caller;
  },
): Promise<RunRecord> {
  const registry = createRegistry(platform);
  const record = await registry.getVersion(request.server, request.version);
  const label = `${request.server}@${request.version}`;
  await assertMayRunRequest(platform.table, record, label);
  // The tool list is the probe's: it says which tools exist, their inputSchema and which ones may delete.
  const probe = await registry.probed(request.server, request.version);
  const tool = probe.tools.find((t) => t.name === request.tool);
  if (!tool) {
    throw new NotFoundError(`${label} has no tool named ${request.tool} (as last probed).`, {
      issues: [{ field: "tool", rule: `must be one of: ${probe.tools.map((t) => t.name).join(", ")}` }],
    });
  }
  if (isDestructive(tool) && !request.confirm) {
    throw new ConflictError(
      `Tool ${request.tool} of ${label} may change or delete data (it does not declare readOnlyHint or destructiveHint: false); send "confirm": true to call it.`,
      { issues: [{ field: "body.confirm", rule: "must be true to call a tool that may be destructive" }] },
    );
  }
  checkToolArguments(tool.inputSchema, request.arguments);

  const runs = new Runs(platform);
  const runId = newRunId();
  const input: ToolCallInput = {
    server: { name: request.server, version: request.version },
    tool: request.tool,
    arguments: request.arguments,
  };
  await runs.create({
    id: runId,
    workflow: TOOL_CALL_WORKFLOW,
    version: 1,
    input,
    startedBy: request.caller.id,
  });
  const refs: StepRefs = { runId, stepId: TOOL_CALL_STEP, workflow: TOOL_CALL_WORKFLOW, workflowVersion: 1 };
  try {
    await platform.prober.call(refs, { startTimeoutMs: TOOL_CALL_START_MS });
  } catch (error) {
    await endRun(platform, runId, {
      status: "FAILED",
      error: { error: "Run.StartFailed", cause: error instanceof Error ? error.message : String(error) },
    });
    throw error;
  }
  // The step's record is the outcome (executeStep wrote it, masked); the run ends as its one step did.
  const [step] = (await runs.get(runId, { steps: true })).steps ?? [];
  await endRun(
    platform,
    runId,
    step?.status === "SUCCEEDED"
      ? { status: "SUCCEEDED", output: step.output }
      : step?.error?.error === "States.Timeout"
        ? { status: "TIMED_OUT", error: step.error }
        : {
            status: "FAILED",
            error: step?.error ?? { error: "Run.NotRecorded", cause: "the call left no step record" },
          },
  );
  return runs.get(runId, { steps: true });
}
