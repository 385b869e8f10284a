// Turning a definition into something that can be saved: input schema, pinned server versions, tools and
// arguments checked against probes, and the compiled ASL. Kept apart from the workflows service so that only the
// hosts that save or validate workflows carry the compiler and the JSON Schema validator (see shared/compose.ts).
import { type CompileOptions, compileWorkflow } from "../../statemachines/compile.js";
import { type FieldIssue, NotFoundError, UnprocessableError } from "../errors.js";
import type { Platform } from "../platform.js";
import type { ServerVersionRecord } from "../registry/schema.js";
import type { ServerVersions } from "../registry/server-versions.js";
import { getProbe } from "../registry/tools.js";
import { taskFamily } from "../tasks/family.js";
import type { WorkflowDefinition } from "./definition.js";
import { inputSchemaIssues } from "./input-schema.js";
import { serverKey, type ToolCatalog, validateWorkflow } from "./validate.js";

export interface PreparedWorkflow {
  definition: WorkflowDefinition;
  aslJson: string;
  servers: ServerVersionRecord[];
  /**
   * The same definition compiled for another version number (the number is part of the ASL): pure, no store read,
   * for a save that lost its slot to a concurrent save and claims the next one.
   */
  aslFor(version: number): string;
}

export type PrepareWorkflow = (
  platform: Platform,
  registry: ServerVersions,
  definition: WorkflowDefinition,
  version: number,
) => Promise<PreparedWorkflow>;

/**
 * Checks the input schema, pins server versions, checks tools and arguments against probes, compiles. Throws 422
 * naming the field or step. Every save and `POST /v1/workflows/validate` go through here.
 */
export const prepareWorkflow: PrepareWorkflow = async (platform, registry, definition, version) => {
  const issues: FieldIssue[] = [...inputSchemaIssues(definition.input), ...validateWorkflow(definition)];
  const pinned: WorkflowDefinition = {
    ...definition,
    steps: definition.steps.map((step) => ({ ...step })),
  };
  const servers = new Map<string, ServerVersionRecord>();
  for (const [index, step] of pinned.steps.entries()) {
    const field = `steps[${index}].server`;
    try {
      const record = step.server.version
        ? await registry.getVersion(step.server.name, step.server.version)
        : await registry.getLatest(step.server.name);
      if (record.status === "deleted") {
        issues.push({ field, rule: `${step.server.name}@${record.server.version} is deleted` });
        continue;
      }
      if (!record.runtime) {
        issues.push({
          field,
          rule: `${step.server.name}@${record.server.version} has no runtime mcpflow can start`,
        });
        continue;
      }
      step.server = { name: step.server.name, version: record.server.version };
      servers.set(serverKey(step.server), record);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      issues.push({
        field,
        rule: step.server.version
          ? `no version ${step.server.version} of server ${step.server.name}`
          : `no server named ${step.server.name}`,
      });
    }
  }
  if (issues.length > 0) throw new UnprocessableError("The workflow does not fit together.", { issues });

  const tools: ToolCatalog = {};
  for (const [key, record] of servers) {
    const probe = await getProbe(platform.table, record.server.name, record.server.version);
    tools[key] = probe ? Object.fromEntries(probe.tools.map((tool) => [tool.name, tool.inputSchema])) : null;
  }
  const toolIssues = validateWorkflow(pinned, { tools });
  if (toolIssues.length > 0)
    throw new UnprocessableError("The workflow does not fit its servers.", { issues: toolIssues });

  const options: CompileOptions = {
    servers: Object.fromEntries(
      [...servers].map(([key, record]) => [
        key,
        record.runtime?.transport === "streamable-http" && record.runtime.url && !record.runtime.image
          ? { mode: "remote" as const }
          : { mode: "ecs" as const, taskDefinition: taskFamily(record.server.name, record.server.version) },
      ]),
    ),
    target: platform.target,
    workflowVersion: version,
  };
  const aslFor = (workflowVersion: number) => compileWorkflow(pinned, { ...options, workflowVersion }).json;
  return { definition: pinned, aslJson: aslFor(version), servers: [...servers.values()], aslFor };
};
