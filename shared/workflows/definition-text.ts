// A workflow definition from JSON or YAML text (workflow files, test fixtures). Apart from definition.ts so that the
// functions that only read definitions (runs, run-status) do not bundle the YAML parser.
import { BadRequestError } from "../errors.js";
import { parseYaml, YamlSyntaxError } from "../yaml.js";
import { parseWorkflow, type WorkflowDefinition } from "./definition.js";

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
