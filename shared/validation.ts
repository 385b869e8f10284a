// Zod's issues in the shape every error reports them: one `{field, rule}` per failing field, the field a dotted
// path under the part of the request (or document) that was read. Used by the HTTP edge and by services alike.
import { type FieldIssue, ValidationError } from "./errors.js";
import type * as z from "./zod.js";

export function issuesFromZod(error: z.core.$ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      const what = prefix === "query" && path === prefix ? "query parameter(s)" : "field(s)";
      return { field: path || prefix, rule: `unknown ${what}: ${issue.keys.join(", ")}` };
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const first = issue.errors.flat()[0];
      if (first)
        return { field: [path, ...first.path.map(String)].filter(Boolean).join("."), rule: first.message };
    }
    return { field: path || prefix, rule: issue.message };
  });
}

export function validationError(error: z.core.$ZodError, prefix: string): ValidationError {
  const issues = issuesFromZod(error, prefix);
  // An issue about the whole part (an unknown query parameter) is told by its rule, not by the part's name again.
  const names = [...new Set(issues.map((issue) => (issue.field === prefix ? issue.rule : issue.field)))]
    .slice(0, 5)
    .join(", ");
  return new ValidationError(`Invalid ${prefix}: ${names}.`, { issues });
}

/** The rule of a field that is missing. */
export const REQUIRED = "is required";

/**
 * The rule an issue breaks, in the API's words, for the issues whose zod defaults name zod's internals instead
 * ("Invalid input: expected string, received undefined", "expected number, received NaN" for a query parameter
 * that is not a number). Installed once as zod's custom error map (shared/zod.ts): a schema's own message wins,
 * and an issue this leaves alone keeps zod's English message.
 */
export function ruleOf(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return REQUIRED;
      const expected = EXPECTED[issue.expected] ?? `a ${issue.expected}`;
      if (typeof issue.input === "number" && Number.isNaN(issue.input)) return `must be ${expected}`;
      return `must be ${expected}, not ${kindOf(issue.input)}`;
    }
    case "too_small":
      return boundRule(issue.origin, "at least", "more than", issue.minimum, issue.inclusive);
    case "too_big":
      return boundRule(issue.origin, "at most", "less than", issue.maximum, issue.inclusive);
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    default:
      return undefined;
  }
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  record: "an object",
  null: "null",
};

function kindOf(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return "an object";
  if (typeof input === "boolean") return "a boolean";
  if (typeof input === "number") return Number.isInteger(input) ? "a whole number" : String(input);
  return `a ${typeof input}`;
}

function boundRule(
  origin: string,
  inclusiveWord: string,
  exclusiveWord: string,
  bound: number | bigint | Date,
  inclusive: boolean | undefined,
): string | undefined {
  const size = Number(bound);
  const word = inclusive === false ? exclusiveWord : inclusiveWord;
  if (origin === "string") {
    return size === 1 && inclusiveWord === "at least"
      ? "must not be empty"
      : `must be ${word} ${size} character${size === 1 ? "" : "s"}`;
  }
  if (origin === "array" || origin === "set") {
    return `must have ${word} ${size} item${size === 1 ? "" : "s"}`;
  }
  if (origin === "number" || origin === "int" || origin === "bigint") return `must be ${word} ${size}`;
  return undefined;
}
