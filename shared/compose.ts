// The composition root: builds the services of a platform and wires what follows a save. Every host (the API
// functions, the embedded platform, the runner, the invoker, run status) gets its services here, so who reacts to
// a registry, workflow or MCD write is this file and nothing else: no module registers hooks at import time.
// One factory per service, so a Lambda bundle carries only the services its function builds (esbuild drops the
// factories it does not call); createServices builds them all.
import { Dependencies } from "./dependencies/service.js";
import { ReferenceIndex } from "./mcds/references.js";
import { McdService } from "./mcds/service.js";
import type { Platform } from "./platform.js";
import { ServerVersions } from "./registry/server-versions.js";
import { Registry } from "./registry/service.js";
import { Runs } from "./runs/store.js";
import { recordSearchChange, type SearchChange, type SearchSources } from "./search/freshness.js";
import { SearchIndex } from "./search/service.js";
import { mcdSearchSource, serverSearchSource } from "./search/sources.js";
import { workflowExists, workflowSearchSource } from "./workflows/search-source.js";
import { type PrepareWorkflow, Workflows } from "./workflows/service.js";

const SEARCH_SOURCES: SearchSources = {
  server: serverSearchSource,
  mcd: mcdSearchSource,
  workflow: workflowSearchSource,
};

/** The search index's follow-up, without the query side (and its engine) that only the readers need. */
function searchChanged(platform: Platform, change: SearchChange): Promise<void> {
  return recordSearchChange(platform, SEARCH_SOURCES, change);
}

export function createSearch(platform: Platform): SearchIndex {
  return new SearchIndex(platform, SEARCH_SOURCES);
}

export function createReferences(platform: Platform): ReferenceIndex {
  return new ReferenceIndex(platform);
}

/** After a publish, a status change or a probe: the server's search document is reloaded everywhere. */
export function createRegistry(platform: Platform): Registry {
  return new Registry(platform.table, {
    serverChanged: (name) => searchChanged(platform, { type: "server", id: name, op: "upsert" }),
  });
}

export interface WorkflowOptions {
  /**
   * Checks and compiles definitions (`prepareWorkflow` from shared/workflows/prepare.ts). Only the hosts that save
   * or validate workflows pass it, so the compiler and the JSON Schema validator stay out of the other bundles;
   * without it `prepare`, `create` and `update` throw.
   */
  prepareWorkflow?: PrepareWorkflow;
}

/** After a save: searchable at once and listed under every server it pins. After a delete: neither. */
export function createWorkflows(platform: Platform, options: WorkflowOptions = {}): Workflows {
  const references = createReferences(platform);
  return new Workflows(platform, {
    // Reads and pins only: the registry's writes and the listing's projection stay out of the workflows bundle.
    registry: new ServerVersions(platform.table),
    ...(options.prepareWorkflow ? { prepare: options.prepareWorkflow } : {}),
    listener: {
      async saved(definition) {
        await searchChanged(platform, { type: "workflow", id: definition.name, op: "upsert" });
        const servers = [...new Set(definition.steps.map((step) => step.server.name))];
        await references.replace(
          {
            type: "workflow",
            id: definition.name,
            ...(definition.description ? { title: definition.description } : {}),
          },
          servers.map((id) => ({ type: "server" as const, id })),
        );
      },
      async deleted(name) {
        await searchChanged(platform, { type: "workflow", id: name, op: "remove" });
        await references.remove({ type: "workflow", id: name });
      },
    },
  });
}

/** After a save: listed under every server, workflow and MCD it links to, then searchable. After a delete: neither. */
export function createMcds(platform: Platform): McdService {
  const references = createReferences(platform);
  return new McdService(platform, {
    workflowExists: (name) => workflowExists(platform, name),
    listener: {
      async saved(mcd) {
        await references.replace({ type: "mcd", id: mcd.slug, title: mcd.title }, [
          ...mcd.links.servers.map((id) => ({ type: "server" as const, id })),
          ...mcd.links.workflows.map((id) => ({ type: "workflow" as const, id })),
          ...mcd.links.mcds.map((id) => ({ type: "mcd" as const, id })),
        ]);
        await searchChanged(platform, { type: "mcd", id: mcd.slug, op: "upsert" });
      },
      async deleted(slug) {
        await searchChanged(platform, { type: "mcd", id: slug, op: "remove" });
        await references.remove({ type: "mcd", id: slug });
      },
    },
  });
}

/** What depends on what, read through the registry, the workflows and the MCDs (reads only: no compiler). */
export function createDependencies(platform: Platform): Dependencies {
  return new Dependencies({
    registry: createRegistry(platform),
    workflows: createWorkflows(platform),
    mcds: createMcds(platform),
  });
}

export interface Services {
  platform: Platform;
  registry: Registry;
  workflows: Workflows;
  mcds: McdService;
  runs: Runs;
  search: SearchIndex;
  references: ReferenceIndex;
}

/** Every service of a platform. Cheap: the services hold no state of their own (the index is cached per table). */
export function createServices(platform: Platform, options: WorkflowOptions = {}): Services {
  return {
    platform,
    registry: createRegistry(platform),
    workflows: createWorkflows(platform, options),
    mcds: createMcds(platform),
    runs: new Runs(platform),
    search: createSearch(platform),
    references: createReferences(platform),
  };
}
