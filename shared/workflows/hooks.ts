// Told after a workflow was saved or deleted, so the search index and the reverse-link table follow every save,
// whoever calls the service, without the service importing them (shared/workflows/integrations.ts installs the
// hook; the registry does the same in shared/registry/hooks.ts).
import type { Platform } from "../platform.js";
import type { WorkflowDefinition } from "./definition.js";

export interface WorkflowChangeHook {
  saved(platform: Platform, definition: WorkflowDefinition): Promise<void>;
  deleted(platform: Platform, name: string): Promise<void>;
}

const changeHooks = new Set<WorkflowChangeHook>();

export function addWorkflowChangeHook(hook: WorkflowChangeHook): () => void {
  changeHooks.add(hook);
  return () => changeHooks.delete(hook);
}

export async function notifyWorkflowSaved(platform: Platform, definition: WorkflowDefinition): Promise<void> {
  for (const hook of changeHooks) await hook.saved(platform, definition);
}

export async function notifyWorkflowDeleted(platform: Platform, name: string): Promise<void> {
  for (const hook of changeHooks) await hook.deleted(platform, name);
}
