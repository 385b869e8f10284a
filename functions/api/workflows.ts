// Lambda for /v1/workflows: save, read, validate and compile workflows, and start runs.
import { workflowRoutes } from "../../shared/api/workflows.routes.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { findReferences } from "../../shared/mcds/references.js";
import { startRun } from "../../shared/runs/lifecycle.js";
import { installBuiltInSearchSources } from "../../shared/search/service.js";
import { parseWorkflow } from "../../shared/workflows/definition.js";
import { installWorkflowIntegrations } from "../../shared/workflows/integrations.js";
import { Workflows } from "../../shared/workflows/service.js";
import { parseYaml } from "../../shared/yaml.js";

installBuiltInSearchSources();
installWorkflowIntegrations();

export const handler = createApiHandler(
  workflowRoutes,
  {
    async createWorkflow({ platform, body, caller }) {
      const record = await new Workflows(platform).create(parseWorkflow(body), caller);
      return {
        body: record,
        headers: { location: `/v1/workflows/${record.name}/versions/${record.version}` },
      };
    },
    async validateWorkflow({ platform, body }) {
      const prepared = await new Workflows(platform).prepare(parseWorkflow(body), 0);
      return { body: { valid: true, definition: prepared.definition, asl: JSON.parse(prepared.aslJson) } };
    },
    async listWorkflows({ platform, query }) {
      return { body: await new Workflows(platform).list(query) };
    },
    async getWorkflow({ platform, params }) {
      return { body: await new Workflows(platform).get(params.name) };
    },
    async updateWorkflow({ platform, params, body, caller }) {
      const record = await new Workflows(platform).update(params.name, parseWorkflow(body), caller);
      return {
        body: record,
        headers: { location: `/v1/workflows/${record.name}/versions/${record.version}` },
      };
    },
    async deleteWorkflow({ platform, params }) {
      await new Workflows(platform).remove(params.name);
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
      const { run, created } = await startRun(platform, {
        workflow: params.name,
        ...(body.version !== undefined ? { version: body.version } : {}),
        input: body.input,
        ...(headers["idempotency-key"] !== undefined ? { idempotencyKey: headers["idempotency-key"] } : {}),
        caller,
      });
      return { ...(created ? {} : { status: 200 }), body: run, headers: { location: `/v1/runs/${run.id}` } };
    },
  },
  { parseYaml },
);
