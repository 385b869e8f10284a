// What one Task of a compiled workflow asks for. The Task carries references only (run id, step id, item index);
// the argument template and the data it reads are loaded here, from the store, by every host (executeStep).

import { createRegistry, createWorkflows } from "../compose.js";
import { NotFoundError } from "../errors.js";
import type { Platform } from "../platform.js";
import { assertMayRun } from "../registry/approval.js";
import type { Runtime, ServerVersionRecord } from "../registry/schema.js";
import { originOf } from "../store/meter.js";
import type { WorkflowDefinition } from "../workflows/definition.js";
import { ancestry, stepGraph } from "../workflows/graph.js";
import { listReferences, resolveTemplate, type TemplateContext } from "../workflows/references.js";
import * as z from "../zod.js";
import { Runs } from "./store.js";
import { loadToolCall, TOOL_CALL_WORKFLOW } from "./tool-call-step.js";

/** What a step call is loaded from: the run store (the table and the blob store), nothing else of a platform. */
export type RunStore = Pick<Platform, "table" | "blobs">;

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

/**
 * Workflow versions, server version documents and a run's input never change once saved, so a warm process (the
 * embedded platform, a reused Lambda container, a Fargate runner) keeps them instead of reading them for every
 * step. Inputs are kept for fewer runs: they can be large, and a run's steps follow one another closely.
 */
interface StoreCaches {
  definitions: Map<string, Promise<WorkflowDefinition>>;
  servers: Map<string, Promise<ServerVersionRecord>>;
  inputs: Map<string, Promise<unknown>>;
}
/** Per table: names and run ids are unique within a store, not across the stores one process may open. */
const caches = new WeakMap<object, StoreCaches>();
const CACHE_LIMIT = 256;
const INPUT_CACHE_LIMIT = 32;

function cached<T>(
  cache: Map<string, Promise<T>>,
  key: string,
  load: () => Promise<T>,
  limit = CACHE_LIMIT,
): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  const pending = load();
  pending.catch(() => cache.delete(key));
  if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
  cache.set(key, pending);
  return pending;
}

function cachesOf(store: RunStore): StoreCaches {
  // A metered view of the table (the engine's, per run) shares its store's caches.
  const table = originOf(store.table);
  let found = caches.get(table);
  if (!found) {
    found = { definitions: new Map(), servers: new Map(), inputs: new Map() };
    caches.set(table, found);
  }
  return found;
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

export async function loadStepCall(store: RunStore, refs: StepRefs): Promise<StepCall> {
  if (refs.workflow === TOOL_CALL_WORKFLOW) return loadToolCall(store, refs);
  const runs = new Runs(store);
  const { definitions, servers, inputs } = cachesOf(store);
  const definition = await cached(
    definitions,
    `${refs.workflow}@${refs.workflowVersion}`,
    // Reading a version needs the table and the blob store only, which is all a runner in a Fargate task has.
    async () =>
      (await createWorkflows(store as Platform).versionForRun(refs.workflow, refs.workflowVersion))
        .definition,
  );
  const step = definition.steps.find((s) => s.id === refs.stepId);
  if (!step)
    throw new NotFoundError(`Workflow ${refs.workflow} v${refs.workflowVersion} has no step ${refs.stepId}.`);
  const version = step.server.version!;
  // The reads a step needs do not depend on each other: one round trip's wait, not four.
  const [input, steps, record] = await Promise.all([
    cached(inputs, refs.runId, () => runs.inputOf(refs.runId), INPUT_CACHE_LIMIT),
    runs.stepResults(refs.runId, referencedSteps(step)),
    cached(servers, `${step.server.name}@${version}`, () =>
      createRegistry(store as Platform).getVersion(step.server.name, version),
    ).then(async (found) => {
      if (!found.runtime) throw new NotFoundError(`${step.server.name}@${version} has no runtime.`);
      // Second line behind the run's start: an approval revoked (or a grant withdrawn) mid-run stops the next step.
      await assertMayRun(store.table, found);
      return found;
    }),
  ]);
  const context: TemplateContext = { input, steps };
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
  return {
    refs,
    tool: step.tool,
    arguments: args,
    timeoutSeconds: step.timeout_seconds,
    server: { name: step.server.name, version },
    runtime: record.runtime!,
  };
}
