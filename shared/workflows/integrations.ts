// What other areas need to know about workflows: MCD link checks ask whether one exists, the search index reads
// them, and the reverse-link table records which servers each one pins. Every function that reads or writes
// workflows imports this module once, so the same registrations hold in each Lambda and in the embedded platform.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { setWorkflowLookup } from "../mcds/links.js";
import { removeReferences, replaceReferences } from "../mcds/references.js";
import type { Platform } from "../platform.js";
import type { SearchDocument } from "../search/documents.js";
import { indexWorkflow, registerSearchSource, removeFromIndex } from "../search/service.js";
import { queryAll } from "../store/table.js";
import type { WorkflowDefinition } from "./definition.js";
import { addWorkflowChangeHook } from "./hooks.js";
import { versionKey, workflowKey } from "./keys.js";

function searchDocument(definition: WorkflowDefinition): SearchDocument {
  return {
    type: "workflow",
    id: definition.name,
    title: definition.name,
    description: definition.description ?? "",
    tools: [...new Set(definition.steps.map((step) => step.tool))].map((name) => ({ name })),
    tags: [],
  };
}

/** Reads the latest saved definition straight from its items: the search and MCD functions need no compiler. */
async function loadWorkflow(platform: Platform, name: string): Promise<SearchDocument | undefined> {
  const { table } = platform;
  const head = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: { pk: workflowKey(name), sk: "HEAD" } }),
  );
  if (!head.Item || head.Item.deleted === true) return undefined;
  const version = await table.doc.send(
    new GetCommand({
      TableName: table.name,
      Key: { pk: workflowKey(name), sk: versionKey(Number(head.Item.latestVersion)) },
    }),
  );
  const definition = version.Item?.definition as WorkflowDefinition | undefined;
  return definition ? searchDocument(definition) : undefined;
}

let installed = false;

export function installWorkflowIntegrations(): void {
  if (installed) return;
  installed = true;
  setWorkflowLookup(async (platform, name) => (await loadWorkflow(platform, name)) !== undefined);
  registerSearchSource("workflow", {
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
  });
  addWorkflowChangeHook({ saved: workflowSaved, deleted: workflowDeleted });
}

/** After a save: searchable at once, and listed under every server it pins. */
async function workflowSaved(platform: Platform, definition: WorkflowDefinition): Promise<void> {
  const doc = searchDocument(definition);
  await indexWorkflow(platform, {
    name: definition.name,
    ...(definition.description ? { description: definition.description } : {}),
    tools: (doc.tools ?? []).map((tool) => tool.name),
  });
  const servers = [...new Set(definition.steps.map((step) => step.server.name))];
  await replaceReferences(
    platform,
    {
      type: "workflow",
      id: definition.name,
      ...(definition.description ? { title: definition.description } : {}),
    },
    servers.map((id) => ({ type: "server" as const, id })),
  );
}

async function workflowDeleted(platform: Platform, name: string): Promise<void> {
  await removeFromIndex(platform, "workflow", name);
  await removeReferences(platform, { type: "workflow", id: name });
}
