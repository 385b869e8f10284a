// Validates a value against a JSON Schema with @cfworker/json-schema: it interprets the schema instead of
// generating code, so it runs under the console's CSP (no eval). Errors name the field by its JSON path.
import { Validator } from "@cfworker/json-schema";
import type { Schema } from "./schema-form.js";

export interface FieldError {
  field: string;
  message: string;
}

export function validateAgainst(schema: Schema, value: unknown): FieldError[] {
  const draft =
    typeof schema.$schema === "string" && schema.$schema.includes("2020-12") ? "2020-12" : "2019-09";
  let result: ReturnType<Validator["validate"]>;
  try {
    result = new Validator(schema as never, draft, false).validate(value);
  } catch (error) {
    return [{ field: "", message: `the schema could not be used: ${(error as Error).message}` }];
  }
  if (result.valid) return [];
  // The validator reports each failing keyword and the ones above it; the deepest say the most.
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of result.errors) {
    if (["properties", "allOf", "items", "$ref", "anyOf"].includes(error.keyword)) continue;
    const field = error.instanceLocation.replace(/^#\/?/, "").replaceAll("/", ".");
    const key = `${field}:${error.error}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message: error.error });
  }
  return out.length > 0 ? out : [{ field: "", message: "the value does not match the schema" }];
}
