// A workflow definition from JSON or YAML text (workflow files, test fixtures). Apart from definition.ts so that the
// functions that only read definitions (runs, run-status) do not bundle the YAML parser.
import { BadRequestError } from "../errors.js";
import { parseYaml, stringifyYaml, YamlSyntaxError } from "../yaml.js";
import { parseWorkflow, Step, WorkflowDefinition } from "./definition.js";

/**
 * Decodes a workflow from JSON or YAML text. JSON when the content type says so; otherwise YAML, which also
 * reads JSON. Throws BadRequestError on a syntax error and ValidationError on a schema error.
 */
export function parseWorkflowText(text: string, contentType?: string): WorkflowDefinition {
  const json = contentType !== undefined && /\bjson\b/i.test(contentType);
  let document: unknown;
  try {
    document = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const detail =
      error instanceof YamlSyntaxError
        ? error.reason
        : error instanceof SyntaxError
          ? error.message
          : "unreadable";
    throw new BadRequestError(`Workflow is not valid ${json ? "JSON" : "YAML"}: ${detail}`, {
      cause: error,
      issues: [{ field: "body", rule: `must be valid ${json ? "JSON" : "YAML"}` }],
    });
  }
  return parseWorkflow(document);
}

/**
 * The text of a version saved before texts were kept: its pinned definition as YAML, keys in the order the schema
 * lists them (the store does not keep a map's key order).
 */
export function canonicalSource(definition: unknown): string {
  return stringifyYaml(ordered(definition, WorkflowDefinition.shape, Step.shape));
}

function ordered(value: unknown, shape: object, stepShape?: object): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = [
    ...Object.keys(shape).filter((key) => key in record),
    ...Object.keys(record).filter((key) => !(key in shape)),
  ];
  return Object.fromEntries(
    keys.map((key) => [
      key,
      key === "steps" && stepShape && Array.isArray(record[key])
        ? (record[key] as unknown[]).map((step) => ordered(step, stepShape))
        : record[key],
    ]),
  );
}
