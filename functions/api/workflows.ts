// Lambda for /v1/workflows: save, read, validate and compile workflows, and start runs.
import { workflowRoutes } from "../../shared/api/workflows.routes.js";
import { createReferences, createWorkflows } from "../../shared/compose.js";
import { createApiHandler } from "../../shared/http/handler.js";
import type { Platform } from "../../shared/platform.js";
import { startRun } from "../../shared/runs/lifecycle.js";
import { parseWorkflow } from "../../shared/workflows/definition.js";
import { prepareWorkflow } from "../../shared/workflows/prepare.js";
import type { SavedText } from "../../shared/workflows/service.js";
import { sourceFormatOf } from "../../shared/workflows/source.js";
import { parseYaml } from "../../shared/yaml.js";

/** This area saves and validates workflows, so its workflows service carries the compiler. */
const workflowsOf = (platform: Platform) => createWorkflows(platform, { prepareWorkflow });

/** The body as sent: the version keeps it beside the definition parsed from it. */
const savedText = (request: {
  rawBody: string | undefined;
  headers: Record<string, string>;
}): SavedText | undefined =>
  request.rawBody === undefined
    ? undefined
    : { text: request.rawBody, format: sourceFormatOf(request.headers["content-type"]) };

export const handler = createApiHandler(
  workflowRoutes,
  {
    async createWorkflow(request) {
      const { platform, body, caller } = request;
      const record = await workflowsOf(platform).create(parseWorkflow(body), caller, savedText(request));
      return {
        body: record,
        headers: { location: `/v1/workflows/${record.name}/versions/${record.version}` },
      };
    },
    async validateWorkflow({ platform, body }) {
      const prepared = await workflowsOf(platform).prepare(parseWorkflow(body), 0);
      return { body: { valid: true, definition: prepared.definition, asl: JSON.parse(prepared.aslJson) } };
    },
    async listWorkflows({ platform, query }) {
      return { body: await workflowsOf(platform).list(query) };
    },
    async getWorkflow({ platform, params }) {
      return { body: await workflowsOf(platform).get(params.name) };
    },
    async updateWorkflow(request) {
      const { platform, params, body, caller } = request;
      const record = await workflowsOf(platform).update(
        params.name,
        parseWorkflow(body),
        caller,
        savedText(request),
      );
      return {
        body: record,
        headers: { location: `/v1/workflows/${record.name}/versions/${record.version}` },
      };
    },
    async deleteWorkflow({ platform, params }) {
      await workflowsOf(platform).remove(params.name);
      return {};
    },
    async listWorkflowReferences({ platform, params }) {
      await workflowsOf(platform).get(params.name);
      return { body: await createReferences(platform).find({ type: "workflow", id: params.name }) };
    },
    async listWorkflowVersions({ platform, params }) {
      return { body: { versions: await workflowsOf(platform).versions(params.name) } };
    },
    async getWorkflowVersion({ platform, params }) {
      return { body: await workflowsOf(platform).get(params.name, params.n) };
    },
    async getWorkflowAsl({ platform, params }) {
      return { body: JSON.parse(await workflowsOf(platform).asl(params.name, params.n)) };
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
