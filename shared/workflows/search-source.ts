// What other areas read of workflows without the workflows service (and its compiler): the search index's
// source and the "does it exist" check behind MCD links. Both read the latest saved definition from its items.
import type { Platform } from "../platform.js";
import type { SearchDocument } from "../search/documents.js";
import type { SearchSource } from "../search/freshness.js";
import { queryAll } from "../store/table.js";
import type { WorkflowDefinition } from "./definition.js";
import { readLatestDefinition } from "./keys.js";

export function workflowSearchDocument(definition: WorkflowDefinition): SearchDocument {
  return {
    type: "workflow",
    id: definition.name,
    title: definition.name,
    description: definition.description ?? "",
    tools: [...new Set(definition.steps.map((step) => step.tool))].map((name) => ({ name })),
    tags: [],
  };
}

/** From the highest version slot, not the head: a save's follow-ups (this index) run before its head moves. */
async function loadWorkflow(platform: Platform, name: string): Promise<SearchDocument | undefined> {
  const definition = await readLatestDefinition(platform.table, name);
  return definition ? workflowSearchDocument(definition) : undefined;
}

export const workflowSearchSource: SearchSource = {
  async all(platform) {
    const heads = await queryAll<{ name: string }>(platform.table, {
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": "WORKFLOWS" },
    });
    const docs = await Promise.all(heads.map((head) => loadWorkflow(platform, head.name)));
    return docs.filter((doc): doc is SearchDocument => doc !== undefined);
  },
  one: loadWorkflow,
};

/** Whether a workflow with this name exists and is not deleted (MCD link checks). */
export async function workflowExists(platform: Platform, name: string): Promise<boolean> {
  return (await loadWorkflow(platform, name)) !== undefined;
}
