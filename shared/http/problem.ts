// The one place where errors become HTTP answers: RFC 9457 problem+json, failing fields named, no stack traces.

import { DomainError, type FieldIssue, ValidationError } from "../errors.js";
import * as z from "../zod.js";

/** RFC 9457 lets a problem type add members (extensions), so the schema is open: a 412 adds `currentVersion`. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.optional(z.string()),
  instance: z.optional(z.string()),
  errors: z.optional(z.array(z.object({ field: z.string(), rule: z.string() }))),
  currentVersion: z.optional(
    z.int().check(z.meta({ description: "412 on an MCD write: the version that is current now" })),
  ),
});
export type Problem = z.infer<typeof Problem>;

const PROBLEM_BASE = "https://mcpflow.dev/problems/";

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

export function problemFor(
  error: unknown,
  instance: string,
): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof DomainError) {
    const slug = error.title.toLowerCase().replaceAll(" ", "-");
    const headers: Record<string, string> = {};
    const allow = error.extra.allow;
    if (Array.isArray(allow)) headers.allow = allow.join(", ");
    const extra = Object.fromEntries(Object.entries(error.extra).filter(([key]) => key !== "allow"));
    return {
      problem: {
        type: `${PROBLEM_BASE}${slug}`,
        title: error.title,
        status: error.status,
        detail: error.message,
        instance,
        ...(error.issues.length > 0 ? { errors: error.issues } : {}),
        ...extra,
      },
      headers,
    };
  }
  return {
    problem: {
      type: `${PROBLEM_BASE}internal`,
      title: "Internal Server Error",
      status: 500,
      detail: "The server failed to answer this request. The request id identifies it in the logs.",
      instance,
    },
    headers: {},
  };
}
