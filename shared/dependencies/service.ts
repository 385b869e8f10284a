// What depends on what, read through the services that own the data (the registry, the workflows' version log, the
// MCDs): which workflow versions pin which server versions, which MCDs link which servers, workflows and MCDs, and
// which of them a change to a server version would break. Reads only; one request instead of one per resource.
import { isDeepStrictEqual } from "node:util";
import { NotFoundError, UnprocessableError } from "../errors.js";
import type { McdService } from "../mcds/service.js";
import type { ProbedTool } from "../mcp/probe-result.js";
import type { Registry } from "../registry/service.js";
import { decodeCursor, encodeCursor } from "../store/cursor.js";
import type { WorkflowDefinition } from "../workflows/definition.js";
import type { Workflows } from "../workflows/service.js";
import { serverKey, validateWorkflow } from "../workflows/validate.js";
import * as z from "../zod.js";
import type {
  DependencyMap,
  DependencyMcd,
  DependencyQuery,
  DependencyServer,
  DependencyWorkflow,
  Impact,
  ImpactChange,
  ImpactedWorkflow,
  PinnedServer,
} from "./schema.js";

export interface DependencyReaders {
  registry: Registry;
  workflows: Workflows;
  mcds: McdService;
}

interface WorkflowVersions {
  name: string;
  description?: string;
  latestVersion: number;
  versions: { version: number; isLatest: boolean; definition: WorkflowDefinition }[];
}

/** Where a page of the map ended: the last source's key (`mcd:<slug>` or `workflow:<name>`). */
const MapPosition = z.strictObject({ after: z.string().check(z.maxLength(300)) });

/** Reads of one workflow's versions or one server's versions run this many at a time. */
const READ_CONCURRENCY = 8;

async function mapBounded<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
  return results;
}

/** Each server version a definition pins, once, in step order. */
export function pinsOf(definition: WorkflowDefinition): PinnedServer[] {
  const pins = new Map<string, PinnedServer>();
  for (const step of definition.steps) {
    if (step.server.version === undefined) continue;
    pins.set(serverKey(step.server), { name: step.server.name, version: step.server.version });
  }
  return [...pins.values()];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether Markdown names a tool: the name as a whole word (tool names carry `-`, `_` and `.`). */
function mentions(body: string, tool: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escapeRegExp(tool)}($|[^A-Za-z0-9_-])`).test(body);
}

export class Dependencies {
  constructor(private readonly readers: DependencyReaders) {}

  /** Every live workflow with every version since it was (re)created, newest first. */
  private async workflowVersions(): Promise<WorkflowVersions[]> {
    const names: { name: string; description?: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.readers.workflows.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      names.push(...page.workflows);
      cursor = page.nextCursor;
    } while (cursor);
    const read = await mapBounded(names, async (summary) => {
      try {
        const versions = await this.readers.workflows.versions(summary.name);
        const latest = versions.find((v) => v.isLatest) ?? versions[0];
        if (!latest) return undefined;
        return {
          name: summary.name,
          ...(latest.definition.description ? { description: latest.definition.description } : {}),
          latestVersion: latest.version,
          versions: versions.map((v) => ({
            version: v.version,
            isLatest: v.isLatest,
            definition: v.definition,
          })),
        } satisfies WorkflowVersions;
      } catch (error) {
        // Deleted between the listing and this read: it depends on nothing any more.
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    });
    return read.filter((w): w is WorkflowVersions => w !== undefined);
  }

  private async allMcds(): Promise<DependencyMcd[]> {
    const mcds: DependencyMcd[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.readers.mcds.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      for (const mcd of page.items) {
        mcds.push({ slug: mcd.slug, title: mcd.title, version: mcd.version, links: mcd.links });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return mcds;
  }

  /**
   * A page of the map: workflows and MCDs in one order (`mcd:` before `workflow:`, then by name), each with what it
   * depends on, and the servers they name with the status of each pinned version.
   */
  async map(query: DependencyQuery): Promise<DependencyMap> {
    if (query.version !== undefined && query.server === undefined) {
      throw new UnprocessableError("`version` narrows `server`; give both.", {
        issues: [{ field: "query.version", rule: "needs `server`" }],
      });
    }
    const after = decodeCursor(query.cursor, MapPosition)?.after;
    const [workflows, mcds] = await Promise.all([
      query.type === "mcd" ? [] : this.workflowVersions(),
      query.type === "workflow" ? [] : this.allMcds(),
    ]);
    const pinsServer = (definition: WorkflowDefinition) =>
      pinsOf(definition).some(
        (pin) => pin.name === query.server && (query.version === undefined || pin.version === query.version),
      );
    type Source = { key: string; workflow?: DependencyWorkflow; mcd?: DependencyMcd };
    const sources: Source[] = [];
    for (const workflow of workflows) {
      let versions = workflow.versions;
      if (query.server !== undefined) versions = versions.filter((v) => pinsServer(v.definition));
      if (versions.length === 0) continue;
      if (query.workflow !== undefined && workflow.name !== query.workflow) continue;
      if (query.mcd !== undefined) continue;
      sources.push({
        key: `workflow:${workflow.name}`,
        workflow: {
          name: workflow.name,
          ...(workflow.description ? { description: workflow.description } : {}),
          latestVersion: workflow.latestVersion,
          versions: versions.map((v) => ({
            version: v.version,
            isLatest: v.isLatest,
            servers: pinsOf(v.definition),
          })),
        },
      });
    }
    for (const mcd of mcds) {
      if (query.server !== undefined && !mcd.links.servers.includes(query.server)) continue;
      if (query.workflow !== undefined && !mcd.links.workflows.includes(query.workflow)) continue;
      if (query.mcd !== undefined && mcd.slug !== query.mcd && !mcd.links.mcds.includes(query.mcd)) continue;
      sources.push({ key: `mcd:${mcd.slug}`, mcd });
    }
    // Code-unit order, the same order the cursor's `>` compares in.
    sources.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rest = after === undefined ? sources : sources.filter((source) => source.key > after);
    const page = rest.slice(0, query.limit);
    const last = page.at(-1);
    const pageWorkflows = page.flatMap((s) => (s.workflow ? [s.workflow] : []));
    const pageMcds = page.flatMap((s) => (s.mcd ? [s.mcd] : []));
    return {
      workflows: pageWorkflows,
      mcds: pageMcds,
      servers: await this.serversOf(pageWorkflows, pageMcds),
      ...(rest.length > page.length && last ? { nextCursor: encodeCursor({ after: last.key }) } : {}),
    };
  }

  /** The servers a page names, with the status of each version its workflows pin. */
  private async serversOf(
    workflows: DependencyWorkflow[],
    mcds: DependencyMcd[],
  ): Promise<DependencyServer[]> {
    const pinned = new Map<string, Set<string>>();
    const named = (name: string) => {
      const versions = pinned.get(name) ?? new Set<string>();
      pinned.set(name, versions);
      return versions;
    };
    for (const workflow of workflows)
      for (const version of workflow.versions)
        for (const pin of version.servers) named(pin.name).add(pin.version);
    for (const mcd of mcds) for (const name of mcd.links.servers) named(name);
    const names = [...pinned.keys()].sort();
    return mapBounded(names, async (name) => {
      const records = await this.readers.registry.versionRecords(name);
      if (records.length === 0) return { name, versions: [], missing: true };
      const latest = records.find((record) => record.isLatest);
      const wanted = pinned.get(name)!;
      return {
        name,
        ...(latest?.server.title ? { title: latest.server.title } : {}),
        ...(latest ? { latestVersion: latest.server.version } : {}),
        versions: records
          .filter((record) => wanted.has(record.server.version))
          .map((record) => ({
            version: record.server.version,
            status: record.status,
            isLatest: record.isLatest,
          })),
      };
    });
  }

  /**
   * What a change to `name@version` would break. Deleting or deprecating it: the workflow versions that pin it (a
   * delete is refused while there are any, Registry.deleteVersion) and the MCDs that describe the server. A tool
   * change (`tools`): every workflow version that pins any version of the server is checked, step by step, against
   * this version's probed tools, as a save would check it; the MCDs listed are those naming a removed or changed tool.
   */
  async impact(name: string, version: string, change: ImpactChange): Promise<Impact> {
    await this.readers.registry.getVersion(name, version);
    const [workflows, describing] = await Promise.all([
      this.workflowVersions(),
      this.allMcds().then((mcds) => mcds.filter((mcd) => mcd.links.servers.includes(name))),
    ]);
    if (change !== "tools") {
      const affected: ImpactedWorkflow[] = [];
      for (const workflow of workflows) {
        for (const v of workflow.versions) {
          const steps = v.definition.steps.filter(
            (step) => step.server.name === name && step.server.version === version,
          );
          if (steps.length === 0) continue;
          affected.push({
            name: workflow.name,
            version: v.version,
            isLatest: v.isLatest,
            pins: version,
            steps: steps.map((step) => ({ id: step.id, tool: step.tool })),
          });
        }
      }
      return {
        server: name,
        version,
        change,
        workflows: affected,
        mcds: describing.map(({ slug, title, version: v }) => ({ slug, title, version: v })),
        blocked: change === "delete" && affected.length > 0,
      };
    }
    const tools = await this.probedTools(name, version);
    if (!tools) {
      throw new UnprocessableError(`${name}@${version} has not been probed; probe it to compare its tools.`, {
        issues: [{ field: "query.version", rule: "must be probed before its tools can be compared" }],
      });
    }
    const catalog = Object.fromEntries(tools.map((tool) => [tool.name, tool.inputSchema]));
    const affected: ImpactedWorkflow[] = [];
    for (const workflow of workflows) {
      for (const v of workflow.versions) {
        const onServer = v.definition.steps.filter((step) => step.server.name === name);
        if (onServer.length === 0) continue;
        const moved: WorkflowDefinition = {
          ...v.definition,
          steps: v.definition.steps.map((step) =>
            step.server.name === name ? { ...step, server: { name, version } } : step,
          ),
        };
        const issues = validateWorkflow(moved, { tools: { [serverKey({ name, version })]: catalog } });
        const steps = onServer
          .map((step) => ({
            id: step.id,
            tool: step.tool,
            issues: issues.filter(
              (issue) =>
                issue.field === `steps.${step.id}.tool` ||
                issue.field.startsWith(`steps.${step.id}.arguments`),
            ),
          }))
          .filter((step) => step.issues.length > 0);
        if (steps.length === 0) continue;
        affected.push({
          name: workflow.name,
          version: v.version,
          isLatest: v.isLatest,
          pins: onServer[0]!.server.version ?? "",
          steps,
        });
      }
    }
    const changedTools = await this.changedTools(name, version, tools);
    const mcds: Impact["mcds"] = [];
    if (changedTools.length > 0) {
      for (const mcd of describing) {
        const body = (await this.readers.mcds.get(mcd.slug).catch(() => undefined))?.body ?? "";
        const named = changedTools.filter((tool) => mentions(body, tool));
        if (named.length > 0)
          mcds.push({ slug: mcd.slug, title: mcd.title, version: mcd.version, mentions: named });
      }
    }
    return { server: name, version, change, workflows: affected, mcds, changedTools, blocked: false };
  }

  private async probedTools(name: string, version: string): Promise<ProbedTool[] | undefined> {
    try {
      return (await this.readers.registry.probed(name, version)).tools;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Tools some other probed version of the server has that `tools` lacks, or has with another input schema. */
  private async changedTools(name: string, version: string, tools: ProbedTool[]): Promise<string[]> {
    const others = (await this.readers.registry.versionRecords(name)).filter(
      (record) => record.server.version !== version && record.status !== "deleted",
    );
    const probes = await mapBounded(others, (record) => this.probedTools(name, record.server.version));
    const current = new Map(tools.map((tool) => [tool.name, tool]));
    const changed = new Set<string>();
    for (const probe of probes) {
      for (const tool of probe ?? []) {
        const now = current.get(tool.name);
        if (!now || !isDeepStrictEqual(now.inputSchema, tool.inputSchema)) changed.add(tool.name);
      }
    }
    return [...changed].sort();
  }
}
