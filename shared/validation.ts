// Zod's issues in the shape every error reports them: one `{field, rule}` per failing field, the field a dotted
// path under the part of the request (or document) that was read. Used by the HTTP edge and by services alike.
import { type FieldIssue, ValidationError } from "./errors.js";
import type * as z from "./zod.js";

export function issuesFromZod(error: z.core.$ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      return { field: path || prefix, rule: `unknown field(s): ${issue.keys.join(", ")}` };
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
  const names = [...new Set(issues.map((issue) => issue.field))].slice(0, 5).join(", ");
  return new ValidationError(`Invalid ${prefix}: ${names}.`, { issues });
}
