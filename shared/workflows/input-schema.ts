// Checks a run's input against the workflow's `input` JSON Schema with Ajv, the reference JSON Schema validator.
import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import { type FieldIssue, UnprocessableError, ValidationError } from "../errors.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const cache = new Map<string, ReturnType<Ajv["compile"]>>();

function issue(error: ErrorObject): FieldIssue {
  const path = error.instancePath.split("/").filter(Boolean).join(".");
  const missing =
    error.keyword === "required" ? `.${(error.params as { missingProperty: string }).missingProperty}` : "";
  const extra =
    error.keyword === "additionalProperties"
      ? `.${(error.params as { additionalProperty: string }).additionalProperty}`
      : "";
  return {
    field: `input${path ? `.${path}` : ""}${missing}${extra}`,
    rule: error.keyword === "additionalProperties" ? "is not allowed" : (error.message ?? "is invalid"),
  };
}

export function checkRunInput(schema: Record<string, unknown> | undefined, input: unknown): void {
  if (!schema) return;
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new UnprocessableError("The workflow's input schema is not a valid JSON Schema.", {
        cause: error,
        issues: [{ field: "input", rule: error instanceof Error ? error.message : "invalid JSON Schema" }],
      });
    }
    cache.set(key, validate);
  }
  if (!validate(input)) {
    const issues = (validate.errors ?? []).map(issue);
    throw new ValidationError(`The run input does not match the workflow's input schema.`, { issues });
  }
}

/** A workflow's `input` must itself compile as a JSON Schema; saving one that does not is refused. */
export function inputSchemaIssues(schema: Record<string, unknown> | undefined): FieldIssue[] {
  if (!schema) return [];
  try {
    ajv.compile(schema);
    return [];
  } catch (error) {
    return [
      {
        field: "input",
        rule: `must be a valid JSON Schema: ${error instanceof Error ? error.message : "invalid"}`,
      },
    ];
  }
}
