// The API's named shapes, as the generated client declares them: pages name these instead of restating them.
import type { components } from "../../../shared/api/client/schema.js";

type Schemas = components["schemas"];
export type ServerVersionRecord = Schemas["ServerVersionRecord"];
export type ProbedTool = Schemas["ProbedTool"];
export type RunRecord = Schemas["RunRecord"];
export type StepRecord = NonNullable<RunRecord["steps"]>[number];
export type WorkflowVersionRecord = Schemas["WorkflowVersionRecord"];
export type WorkflowDefinition = Schemas["WorkflowDefinition"];
export type Step = Schemas["Step"];
export type McdDocument = Schemas["McdDocument"];
