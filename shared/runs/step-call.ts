// What one Task of a compiled workflow asks for. The Task carries references only (run id, step id, item index);
// the argument template and the data it reads are loaded here, from the store, by every host (executeStep).

import { NotFoundError } from "../errors.js";
import { assertMayRun } from "../registry/approval.js";
import type { Runtime } from "../registry/schema.js";
import type { WorkflowDefinition } from "../workflows/definition.js";
import { ancestry, stepGraph } from "../workflows/graph.js";
import { listReferences, resolveTemplate, type TemplateContext } from "../workflows/references.js";
import * as z from "../zod.js";
import { Runs } from "./store.js";
import { loadToolCall, TOOL_CALL_WORKFLOW } from "./tool-call-step.js";
import { type RunStore, runInput, serverVersion, workflowDefinition } from "./version-cache.js";

/** What a step call is loaded from: the run store (the table and the blob store), nothing else of a platform. */
export type { RunStore };

/** Which call a Task asks for, whichever host receives it (ECS overrides, a Lambda payload, the local override). */
export const StepRefs = z.object({
  runId: z.string().check(z.minLength(1)),
  stepId: z.string().check(z.minLength(1)),
  itemIndex: z.optional(z.int().check(z.gte(0))),
  workflow: z.string().check(z.minLength(1)),
  workflowVersion: z.int().check(z.positive()),
});
export type StepRefs = z.infer<typeof StepRefs>;

export interface StepCall {
  refs: StepRefs;
  tool: string;
  arguments: Record<string, unknown>;
  timeoutSeconds: number;
  server: { name: string; version: string };
  runtime: Runtime;
}

const Text = z.string().check(z.minLength(1));

/**
 * Where a run's server task serves (its report through the start Task's token), or the error Step Functions caught
 * when it did not start (decision 0008).
 */
export const HostReport = z.object({
  url: z.optional(z.string()),
  Error: z.optional(z.string()),
  Cause: z.optional(z.string()),
});
export type HostReport = z.infer<typeof HostReport>;

/**
 * What a step's Task sends the step executor (statemachines/compile.ts): the step's ids, the run's context (`$.run`,
 * the same for every step of the run) and, for a server that runs as one of the run's tasks, where it serves.
 */
export const StepPayload = z.object({
  taskToken: Text,
  stepId: Text,
  itemIndex: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
  run: z.object({
    id: Text,
    workflow: Text,
    version: z.coerce.number().check(z.int(), z.positive()),
  }),
  host: z.optional(HostReport),
});
export type StepPayload = z.infer<typeof StepPayload>;

export function refsOfPayload(payload: StepPayload): StepRefs {
  return {
    runId: payload.run.id,
    stepId: payload.stepId,
    ...(payload.itemIndex !== undefined ? { itemIndex: payload.itemIndex } : {}),
    workflow: payload.run.workflow,
    workflowVersion: payload.run.version,
  };
}

/** Reads the references out of a Task's effective input: a Lambda invoke's parameters, or an ECS RunTask's. */
export function parseTaskRefs(input: unknown): StepRefs {
  const record = (input ?? {}) as Record<string, unknown>;
  if (record.Payload) return refsOfPayload(StepPayload.parse(record.Payload));
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

/** The steps whose outputs a step's arguments and for_each read. */
function referencedSteps(step: WorkflowDefinition["steps"][number]): string[] {
  const ids = new Set<string>();
  for (const occurrence of [
    ...listReferences(step.arguments),
    ...(step.for_each ? listReferences(step.for_each.items) : []),
  ]) {
    if (occurrence.reference?.stepId) ids.add(occurrence.reference.stepId);
  }
  return [...ids];
}

/** What every step of a definition looks up in it, worked out once per definition (the cache keeps one object). */
interface DefinitionIndex {
  steps: Map<string, WorkflowDefinition["steps"][number]>;
  /** Steps with a `when`: the only ones a later step may find without a record (SKIPPED). */
  conditional: WorkflowDefinition["steps"];
  /** Built at the first step that needs it: a graph of the whole workflow, O(steps) to build. */
  isAncestor?: (id: string, ancestor: string) => boolean;
}

const indexes = new WeakMap<WorkflowDefinition, DefinitionIndex>();

/**
 * A step's lookups in its definition, once per definition rather than per step: finding the step and building the
 * graph at every step made a run's cost grow with the square of its steps (bench/workflow.ts).
 */
function indexOf(definition: WorkflowDefinition): DefinitionIndex {
  let index = indexes.get(definition);
  if (!index) {
    const steps = new Map<string, WorkflowDefinition["steps"][number]>();
    for (const step of definition.steps) if (!steps.has(step.id)) steps.set(step.id, step);
    index = { steps, conditional: definition.steps.filter((s) => s.when) };
    indexes.set(definition, index);
  }
  return index;
}

export async function loadStepCall(store: RunStore, refs: StepRefs): Promise<StepCall> {
  if (refs.workflow === TOOL_CALL_WORKFLOW) return loadToolCall(store, refs);
  const runs = new Runs(store);
  const definition = await workflowDefinition(store, refs.workflow, refs.workflowVersion);
  const index = indexOf(definition);
  const step = index.steps.get(refs.stepId);
  if (!step)
    throw new NotFoundError(`Workflow ${refs.workflow} v${refs.workflowVersion} has no step ${refs.stepId}.`);
  const version = step.server.version!;
  // The reads a step needs do not depend on each other: one round trip's wait, not four.
  const [input, steps, record] = await Promise.all([
    runInput(store, refs.runId),
    runs.stepResults(refs.runId, referencedSteps(step)),
    serverVersion(store, step.server.name, version).then(async (found) => {
      if (!found.runtime) throw new NotFoundError(`${step.server.name}@${version} has no runtime.`);
      // Second line behind the run's start: an approval revoked (or a grant withdrawn) mid-run stops the next step.
      await assertMayRun(store.table, found);
      return found;
    }),
  ]);
  const context: TemplateContext = { input, steps };
  // An ancestor whose `when` was false never ran, so it left no record; the state machine holds it as SKIPPED.
  for (const other of index.conditional) {
    if (context.steps[other.id]) continue;
    index.isAncestor ??= ancestry(stepGraph(definition));
    if (index.isAncestor(step.id, other.id)) context.steps[other.id] = { status: "SKIPPED", output: null };
  }
  if (step.for_each && refs.itemIndex !== undefined) {
    const items = resolveTemplate(step.for_each.items, context);
    context.item = Array.isArray(items) ? items[refs.itemIndex] : undefined;
  }
  const args = resolveTemplate(step.arguments, context) as Record<string, unknown>;
  return {
    refs,
    tool: step.tool,
    arguments: args,
    timeoutSeconds: step.timeout_seconds,
    server: { name: step.server.name, version },
    runtime: record.runtime!,
  };
}
