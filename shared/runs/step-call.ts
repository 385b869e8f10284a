// What one Task of a compiled workflow asks for, and how its answer is recorded. The Task carries references only
// (run id, step id, item index); the argument template and the data it reads are loaded here, from the store, by
// the local invoker and by the Fargate runner alike.

import { NotFoundError } from "../errors.js";
import type { Platform } from "../platform.js";
import type { Runtime } from "../registry/schema.js";
import { Registry } from "../registry/service.js";
import { ancestry, stepGraph } from "../workflows/graph.js";
import { resolveTemplate, type TemplateContext } from "../workflows/references.js";
import { Workflows } from "../workflows/service.js";
import { Runs } from "./store.js";

export interface StepRefs {
  runId: string;
  stepId: string;
  itemIndex?: number;
  workflow: string;
  workflowVersion: number;
}

export interface StepCall {
  refs: StepRefs;
  tool: string;
  arguments: Record<string, unknown>;
  timeoutSeconds: number;
  server: { name: string; version: string };
  runtime: Runtime;
}

/** Reads the references out of a Task's effective input: ECS RunTask parameters or a Lambda invoke payload. */
export function parseTaskRefs(input: unknown): StepRefs {
  const record = (input ?? {}) as Record<string, unknown>;
  const payload = record.Payload as Record<string, unknown> | undefined;
  if (payload) {
    return {
      runId: String(payload.runId),
      stepId: String(payload.stepId),
      ...(payload.itemIndex !== undefined ? { itemIndex: Number(payload.itemIndex) } : {}),
      workflow: String(payload.workflow),
      workflowVersion: Number(payload.workflowVersion),
    };
  }
  const overrides = record.Overrides as
    | { ContainerOverrides?: { Environment?: { Name: string; Value: string }[] }[] }
    | undefined;
  const env = Object.fromEntries(
    (overrides?.ContainerOverrides?.[0]?.Environment ?? []).map((e) => [e.Name, e.Value]),
  );
  return fromEnvironment(env);
}

export function fromEnvironment(env: Record<string, string | undefined>): StepRefs {
  const missing = [
    "MCPFLOW_RUN_ID",
    "MCPFLOW_STEP_ID",
    "MCPFLOW_WORKFLOW",
    "MCPFLOW_WORKFLOW_VERSION",
  ].filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`The task is missing ${missing.join(", ")}.`);
  return {
    runId: env.MCPFLOW_RUN_ID!,
    stepId: env.MCPFLOW_STEP_ID!,
    ...(env.MCPFLOW_ITEM_INDEX !== undefined && env.MCPFLOW_ITEM_INDEX !== ""
      ? { itemIndex: Number(env.MCPFLOW_ITEM_INDEX) }
      : {}),
    workflow: env.MCPFLOW_WORKFLOW!,
    workflowVersion: Number(env.MCPFLOW_WORKFLOW_VERSION),
  };
}

export async function loadStepCall(platform: Platform, refs: StepRefs): Promise<StepCall> {
  const runs = new Runs(platform);
  const { definition } = await new Workflows(platform).versionForRun(refs.workflow, refs.workflowVersion);
  const step = definition.steps.find((s) => s.id === refs.stepId);
  if (!step)
    throw new NotFoundError(`Workflow ${refs.workflow} v${refs.workflowVersion} has no step ${refs.stepId}.`);
  const context: TemplateContext = {
    input: await runs.inputOf(refs.runId),
    steps: await runs.stepResults(refs.runId),
  };
  // An ancestor whose `when` was false never ran, so it left no record; the state machine holds it as SKIPPED.
  const isAncestor = ancestry(stepGraph(definition));
  for (const other of definition.steps) {
    if (other.when && !context.steps[other.id] && isAncestor(step.id, other.id))
      context.steps[other.id] = { status: "SKIPPED", output: null };
  }
  if (step.for_each && refs.itemIndex !== undefined) {
    const items = resolveTemplate(step.for_each.items, context);
    context.item = Array.isArray(items) ? items[refs.itemIndex] : undefined;
  }
  const args = resolveTemplate(step.arguments, context) as Record<string, unknown>;
  const version = step.server.version!;
  const record = await new Registry(platform.table).getVersion(step.server.name, version);
  if (!record.runtime) throw new NotFoundError(`${step.server.name}@${version} has no runtime.`);
  return {
    refs,
    tool: step.tool,
    arguments: args,
    timeoutSeconds: step.timeout_seconds,
    server: { name: step.server.name, version },
    runtime: record.runtime,
  };
}
