// The workflows area's contract: definitions, versions, compiled ASL, validation and starting runs.

import { LOCATION, route } from "../http/route.js";
import { References } from "../mcds/schema.js";
import { RunRecord } from "../runs/schema.js";
import { WorkflowDefinition, WorkflowName } from "../workflows/definition.js";
import { WorkflowSummary, WorkflowVersionRecord } from "../workflows/service.js";
import * as z from "../zod.js";

const NameParams = z.strictObject({ name: WorkflowName });
const VersionParams = z.strictObject({
  name: WorkflowName,
  n: z.coerce.number().check(z.int(), z.gte(1, "must be a version number (1, 2, ...)")),
});
/**
 * Definitions arrive as JSON or YAML; the body is parsed by the route and validated by the service. OpenAPI
 * documents it as WorkflowDefinition (`bodyDocs`), rendered when the document is built, not in the Lambda.
 */
const DefinitionBody = z.unknown().check(z.meta({ description: "a workflow definition (JSON or YAML)" }));

export const workflowRoutes = {
  createWorkflow: route({
    method: "POST",
    path: "/v1/workflows",
    role: "editor",
    action: "workflows.create",
    summary: "Save version 1 of a new workflow (JSON or YAML); server versions are pinned on save",
    tags: ["workflows"],
    body: DefinitionBody,
    bodyDocs: WorkflowDefinition,
    bodyTypes: ["json", "yaml"],
    success: 201,
    responseHeaders: [LOCATION("the new version")],
    errors: [409, 422],
    response: WorkflowVersionRecord,
  }),
  validateWorkflow: route({
    method: "POST",
    path: "/v1/workflows/validate",
    role: "viewer",
    action: "workflows.validate",
    summary: "Check a definition without saving it; answers the pinned definition and the ASL it compiles to",
    tags: ["workflows"],
    body: DefinitionBody,
    bodyDocs: WorkflowDefinition,
    bodyTypes: ["json", "yaml"],
    success: 200,
    errors: [422],
    response: z.object({
      valid: z.literal(true),
      definition: WorkflowDefinition,
      asl: z.record(z.string(), z.unknown()),
    }),
  }),
  listWorkflows: route({
    method: "GET",
    path: "/v1/workflows",
    role: "viewer",
    action: "workflows.list",
    summary: "Workflows, with their latest version",
    tags: ["workflows"],
    query: z.strictObject({
      limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
      cursor: z.optional(z.string().check(z.maxLength(2000))),
    }),
    success: 200,
    response: z.object({ workflows: z.array(WorkflowSummary), nextCursor: z.optional(z.string()) }),
  }),
  getWorkflow: route({
    method: "GET",
    path: "/v1/workflows/{name}",
    role: "viewer",
    action: "workflows.get",
    summary: "The latest version of a workflow",
    tags: ["workflows"],
    params: NameParams,
    success: 200,
    errors: [404],
    response: WorkflowVersionRecord,
  }),
  updateWorkflow: route({
    method: "PUT",
    path: "/v1/workflows/{name}",
    role: "editor",
    action: "workflows.update",
    summary: "Save the next version of a workflow",
    tags: ["workflows"],
    params: NameParams,
    body: DefinitionBody,
    bodyDocs: WorkflowDefinition,
    bodyTypes: ["json", "yaml"],
    success: 200,
    responseHeaders: [LOCATION("the new version")],
    errors: [404, 409, 422],
    response: WorkflowVersionRecord,
  }),
  deleteWorkflow: route({
    method: "DELETE",
    path: "/v1/workflows/{name}",
    role: "admin",
    action: "workflows.delete",
    summary: "Delete a workflow (its runs stay readable)",
    tags: ["workflows"],
    params: NameParams,
    success: 204,
    errors: [404],
  }),
  listWorkflowReferences: route({
    method: "GET",
    path: "/v1/workflows/{name}/references",
    role: "viewer",
    action: "workflows.references",
    summary: "The MCDs that link to this workflow",
    tags: ["workflows"],
    params: NameParams,
    success: 200,
    errors: [404],
    response: References,
  }),
  listWorkflowVersions: route({
    method: "GET",
    path: "/v1/workflows/{name}/versions",
    role: "viewer",
    action: "workflows.versions",
    summary: "Every version of a workflow, newest first",
    tags: ["workflows"],
    params: NameParams,
    success: 200,
    errors: [404],
    response: z.object({ versions: z.array(WorkflowVersionRecord) }),
  }),
  getWorkflowVersion: route({
    method: "GET",
    path: "/v1/workflows/{name}/versions/{n}",
    role: "viewer",
    action: "workflows.version",
    summary: "One version of a workflow",
    tags: ["workflows"],
    params: VersionParams,
    success: 200,
    errors: [404],
    response: WorkflowVersionRecord,
  }),
  getWorkflowAsl: route({
    method: "GET",
    path: "/v1/workflows/{name}/versions/{n}/asl",
    role: "viewer",
    action: "workflows.asl",
    summary: "The Step Functions definition (ASL, JSONPath) a version compiles to",
    tags: ["workflows"],
    params: VersionParams,
    success: 200,
    errors: [404],
    response: z.record(z.string(), z.unknown()),
  }),
  startRun: route({
    method: "POST",
    path: "/v1/workflows/{name}/runs",
    role: "operator",
    action: "runs.start",
    summary:
      "Start a run; repeat with the same Idempotency-Key to get the same run. Every server version it pins must be approved to run (409 otherwise)",
    tags: ["runs"],
    params: NameParams,
    body: z.strictObject({
      input: z.optional(z.unknown()),
      version: z.optional(z.number().check(z.int(), z.gte(1))),
    }),
    headers: [
      { name: "idempotency-key", description: "returns the run this key started, instead of a new one" },
    ],
    success: 202,
    responseHeaders: [LOCATION("the run")],
    alsoAnswers: [{ status: 200, description: "The run this Idempotency-Key started before" }],
    errors: [404, 409, 422],
    response: RunRecord,
  }),
};
