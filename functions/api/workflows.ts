// Lambda for /v1/workflows: save, read, validate and compile workflows, and start runs.
import { parse as parseYaml } from "yaml";
import { workflowRoutes } from "../../shared/api/workflows.routes.js";
import { UnprocessableError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { findReferences } from "../../shared/mcds/references.js";
import { newRunId, Runs } from "../../shared/runs/store.js";
import { installBuiltInSearchSources } from "../../shared/search/service.js";
import { parseWorkflow } from "../../shared/workflows/definition.js";
import { checkRunInput, inputSchemaIssues } from "../../shared/workflows/input-schema.js";
import {
  installWorkflowIntegrations,
  workflowDeleted,
  workflowSaved,
} from "../../shared/workflows/integrations.js";
import { Workflows } from "../../shared/workflows/service.js";

installBuiltInSearchSources();
installWorkflowIntegrations();

function definitionFrom(body: unknown) {
  const definition = parseWorkflow(body);
  const issues = inputSchemaIssues(definition.input);
  if (issues.length > 0) throw new UnprocessableError("The workflow's input schema is invalid.", { issues });
  return definition;
}

export const handler = createApiHandler(
  workflowRoutes,
  {
    async createWorkflow({ platform, body, caller }) {
      const record = await new Workflows(platform).create(definitionFrom(body), caller);
      await workflowSaved(platform, record.definition);
      return {
        body: record,
        headers: { location: `/v1/workflows/${record.name}/versions/${record.version}` },
      };
    },
    async validateWorkflow({ platform, body }) {
      const prepared = await new Workflows(platform).prepare(definitionFrom(body), 0);
      return { body: { valid: true, definition: prepared.definition, asl: JSON.parse(prepared.aslJson) } };
    },
    async listWorkflows({ platform, query }) {
      return { body: await new Workflows(platform).list(query) };
    },
    async getWorkflow({ platform, params }) {
      return { body: await new Workflows(platform).get(params.name) };
    },
    async updateWorkflow({ platform, params, body, caller }) {
      const record = await new Workflows(platform).update(params.name, definitionFrom(body), caller);
      await workflowSaved(platform, record.definition);
      return {
        body: record,
        headers: { location: `/v1/workflows/${record.name}/versions/${record.version}` },
      };
    },
    async deleteWorkflow({ platform, params }) {
      await new Workflows(platform).remove(params.name);
      await workflowDeleted(platform, params.name);
      return {};
    },
    async listWorkflowReferences({ platform, params }) {
      await new Workflows(platform).get(params.name);
      return { body: await findReferences(platform, { type: "workflow", id: params.name }) };
    },
    async listWorkflowVersions({ platform, params }) {
      return { body: { versions: await new Workflows(platform).versions(params.name) } };
    },
    async getWorkflowVersion({ platform, params }) {
      return { body: await new Workflows(platform).get(params.name, params.n) };
    },
    async getWorkflowAsl({ platform, params }) {
      return { body: JSON.parse(await new Workflows(platform).asl(params.name, params.n)) };
    },
    async startRun({ platform, params, body, headers, caller }) {
      const workflows = new Workflows(platform);
      const runs = new Runs(platform);
      const version = body.version ?? (await workflows.latestVersion(params.name));
      const { definition, aslJson } = await workflows.versionForRun(params.name, version);
      const input = body.input ?? {};
      checkRunInput(definition.input, input);

      let runId = newRunId();
      const key = headers["idempotency-key"];
      if (key !== undefined) {
        if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(key)) {
          throw new UnprocessableError("The Idempotency-Key header is not usable.", {
            issues: [
              { field: "idempotency-key", rule: "must be 1-128 letters, digits, `_`, `.`, `:` or `-`" },
            ],
          });
        }
        const claimed = await runs.claimIdempotencyKey(params.name, key, runId);
        if (claimed !== runId) {
          // The first request with this key may still be creating its run; wait for it briefly.
          for (let i = 0; i < 50; i++) {
            try {
              return {
                status: 200,
                body: await runs.get(claimed),
                headers: { location: `/v1/runs/${claimed}` },
              };
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
          return { status: 200, body: await runs.get(claimed), headers: { location: `/v1/runs/${claimed}` } };
        }
        runId = claimed;
      }
      await runs.create({ id: runId, workflow: params.name, version, input, startedBy: caller.id });
      try {
        const started = await platform.orchestrator.start({
          runId,
          workflow: params.name,
          version,
          aslJson,
          input,
        });
        await runs.setExecution(runId, started.executionArn, started.consoleUrl);
      } catch (error) {
        await runs.finish(runId, {
          status: "FAILED",
          error: { error: "Run.StartFailed", cause: error instanceof Error ? error.message : String(error) },
        });
        throw error;
      }
      return { body: await runs.get(runId), headers: { location: `/v1/runs/${runId}` } };
    },
  },
  { parseYaml },
);
