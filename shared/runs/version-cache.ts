// What a warm process keeps of the store between runs: workflow versions, server version documents and a run's input
// never change once saved, so the embedded platform, a reused Lambda container and a Fargate runner read each once
// instead of at every run start and every step. Approvals and grants are not kept: a revocation acts at once.
import { createWorkflows } from "../compose.js";
import type { Platform } from "../platform.js";
import type { ServerVersionRecord } from "../registry/schema.js";
import { ServerVersions } from "../registry/server-versions.js";
import { originOf } from "../store/meter.js";
import type { WorkflowDefinition } from "../workflows/definition.js";
import { type RunStore, Runs } from "./store.js";

/** What these reads need: the table and the blob store, which is all a runner in a Fargate task has. */
export type { RunStore };

/**
 * Per table (names and run ids are unique within a store, not across the stores one process may open) and per kind:
 * records by `<kind>:<name>@<version>`, and inputs apart, kept for fewer runs: they can be large, and a run's steps
 * follow one another closely.
 */
const caches = new WeakMap<object, Map<string, Promise<unknown>>>();
const inputCaches = new WeakMap<object, Map<string, Promise<unknown>>>();

function cached<T>(
  of: WeakMap<object, Map<string, Promise<unknown>>>,
  store: RunStore,
  key: string,
  load: () => Promise<T>,
  limit = 256,
): Promise<T> {
  // A metered view of the table (the engine's, per run) shares its store's caches.
  const table = originOf(store.table);
  const cache = of.get(table) ?? new Map<string, Promise<unknown>>();
  of.set(table, cache);
  const hit = cache.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const pending = load();
  pending.catch(() => cache.delete(key));
  // Bounded simply: a full cache starts over (each entry is one read to redo).
  if (cache.size >= limit) cache.clear();
  cache.set(key, pending);
  return pending;
}

/** A workflow version's definition (what a step reads; without its ASL, which may be a blob). */
export function workflowDefinition(
  store: RunStore,
  name: string,
  version: number,
): Promise<WorkflowDefinition> {
  return cached(
    caches,
    store,
    `d:${name}@${version}`,
    async () => (await createWorkflows(store as Platform).versionForRun(name, version)).definition,
  );
}

/** A workflow version's definition and ASL, as a run of it starts and ends; kept even if the workflow is deleted. */
export function workflowVersionToRun(
  store: RunStore,
  name: string,
  version: number,
): Promise<{ definition: WorkflowDefinition; aslJson: string }> {
  return cached(caches, store, `w:${name}@${version}`, () =>
    createWorkflows(store as Platform).versionForRun(name, version),
  );
}

/** A server version's document and runtime (its status, not whether it may run: see assertMayRun). */
export function serverVersion(store: RunStore, name: string, version: string): Promise<ServerVersionRecord> {
  return cached(caches, store, `s:${name}@${version}`, () =>
    new ServerVersions(store.table).getVersionToRun(name, version),
  );
}

/** A run's input (read back from its blob when it was large). */
export function runInput(store: RunStore, runId: string): Promise<unknown> {
  return cached(inputCaches, store, runId, () => new Runs(store).inputOf(runId), 32);
}
