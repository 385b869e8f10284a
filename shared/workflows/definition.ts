// The workflow definition document (JSON or YAML): steps that call MCP tools, wired by depends_on and references.
// Every type here is inferred from these schemas; statemachines/compile.ts turns a parsed definition into ASL.

import { type FieldIssue, ValidationError } from "../errors.js";
import { ServerNameReference, ServerVersionString } from "../registry/schema.js";
import { REQUIRED } from "../validation.js";
import * as z from "../zod.js";

export const WorkflowName = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9-]{0,62}$/,
      "must be 1-63 lowercase letters, digits or `-`, starting with a letter or digit",
    ),
  );

export const StepId = z
  .string()
  .check(
    z.regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, "must be 1-40 letters, digits or `_`, starting with a letter"),
  );

/** Any JSON value; references (`{{ ... }}`) live inside its strings. */
export const JsonValue: z.ZodMiniType<unknown> = z.json();

/**
 * A server is `{name, version?}`, `"name"` or `"name@version"`. The caller pins the version when the workflow is
 * saved; the compiler refuses an unpinned one.
 */
export const StepServer = z.pipe(
  z.union([
    z.strictObject(
      { name: ServerNameReference, version: z.optional(ServerVersionString) },
      {
        error: (issue) =>
          issue.code === "invalid_type"
            ? "must be a server name (`io.github.acme/weather`), `name@version` or `{name, version}`"
            : undefined,
      },
    ),
    z.pipe(
      z.string(),
      z.transform((value, ctx) => {
        const at = value.lastIndexOf("@");
        const name = at > 0 ? value.slice(0, at) : value;
        const version = at > 0 ? value.slice(at + 1) : undefined;
        const parsedName = ServerNameReference.safeParse(name);
        if (!parsedName.success) {
          ctx.issues.push({
            code: "custom",
            message: `server name ${parsedName.error.issues[0]?.message ?? "is invalid"}`,
            input: value,
          });
          return z.NEVER;
        }
        if (version !== undefined) {
          const parsedVersion = ServerVersionString.safeParse(version);
          if (!parsedVersion.success) {
            ctx.issues.push({
              code: "custom",
              message: `server version ${parsedVersion.error.issues[0]?.message ?? "is invalid"}`,
              input: value,
            });
            return z.NEVER;
          }
        }
        return version === undefined ? { name } : { name, version };
      }),
    ),
  ]),
  z.transform((server): { name: string; version?: string } =>
    server.version === undefined ? { name: server.name } : { name: server.name, version: server.version },
  ),
);

const ConditionScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const ConditionOrdered = z.union([z.string(), z.number()]);
const COMPARISON_OPERATORS = ["equals", "not_equals", "gt", "gte", "lt", "lte", "exists", "truthy"] as const;

/** One test on one referenced value; exactly one operator. */
export const ComparisonCondition = z
  .strictObject({
    path: z.string().check(z.minLength(1, "must be a reference such as `{{ steps.fetch.output.json.ok }}`")),
    equals: z.optional(ConditionScalar),
    not_equals: z.optional(ConditionScalar),
    gt: z.optional(ConditionOrdered),
    gte: z.optional(ConditionOrdered),
    lt: z.optional(ConditionOrdered),
    lte: z.optional(ConditionOrdered),
    exists: z.optional(z.boolean()),
    truthy: z.optional(z.boolean()),
  })
  .check(
    z.refine((c) => COMPARISON_OPERATORS.filter((op) => c[op] !== undefined).length === 1, {
      message: `must have exactly one of ${COMPARISON_OPERATORS.join(", ")}`,
    }),
  );

export const Condition = z.union([
  ComparisonCondition,
  z.strictObject({
    get all() {
      return z.array(Condition).check(z.minLength(1));
    },
  }),
  z.strictObject({
    get any() {
      return z.array(Condition).check(z.minLength(1));
    },
  }),
  z.strictObject({
    get not() {
      return Condition;
    },
  }),
]);

export const ForEach = z.strictObject({
  // The items are always a reference resolved when the run gets there, never a literal list in the definition.
  items: z
    .string("must be a reference to an array, as a string such as `{{ steps.list.output.json.items }}`")
    .check(z.minLength(1, "must be a reference to an array, such as `{{ steps.list.output.json.items }}`")),
  max_concurrency: z.optional(z.number().check(z.int(), z.gte(0), z.lte(1000))),
});

export const StepRetry = z.strictObject({
  max_attempts: z.number().check(z.int(), z.gte(1), z.lte(10)),
  interval_seconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(3600)), 1),
  backoff_rate: z._default(z.number().check(z.gte(1), z.lte(10)), 2),
});

export const Step = z.strictObject({
  id: StepId,
  description: z.optional(z.string().check(z.maxLength(1000))),
  server: StepServer,
  tool: z.string().check(z.minLength(1), z.maxLength(128)),
  arguments: z._default(z.record(z.string(), JsonValue), {}),
  depends_on: z._default(z.array(z.string()), []),
  when: z.optional(Condition),
  for_each: z.optional(ForEach),
  retry: z.optional(StepRetry),
  // At least 2 s: a Task's HeartbeatSeconds must be smaller than its TimeoutSeconds.
  timeout_seconds: z._default(z.number().check(z.int(), z.gte(2), z.lte(86_400)), 300),
  on_error: z._default(z.enum(["fail", "continue"]), "fail"),
});

export const WorkflowDefinition = z.strictObject({
  name: WorkflowName,
  description: z.optional(z.string().check(z.maxLength(4000))),
  /** A JSON Schema for the run input. */
  input: z.optional(z.record(z.string(), z.unknown())),
  steps: z.array(Step).check(z.minLength(1, "must have at least one step")),
  /** What a run returns: literal JSON with references; by default every leaf step's output, keyed by step id. */
  output: z.optional(JsonValue),
});

export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;
export type Step = z.infer<typeof Step>;
export type StepServer = z.infer<typeof StepServer>;
export type Condition = z.infer<typeof Condition>;
export type ComparisonCondition = z.infer<typeof ComparisonCondition>;
export type ForEach = z.infer<typeof ForEach>;
export type StepRetry = z.infer<typeof StepRetry>;

/** `steps[2].depends_on[0]`: the field naming the brief uses for workflow documents. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function issuesFrom(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        field: fieldPath(issue.path) || "workflow",
        rule: `unknown field(s): ${issue.keys.join(", ")}`,
      };
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Report the branch that got furthest, so `when: {path, equal: 1}` names `equal`, not "invalid input".
      const best = [...issue.errors].sort((a, b) => deepest(b) - deepest(a))[0]?.[0];
      if (best) {
        const rule =
          best.code === "unrecognized_keys" ? `unknown field(s): ${best.keys.join(", ")}` : best.message;
        return { field: fieldPath([...issue.path, ...best.path]) || "workflow", rule };
      }
    }
    return { field: fieldPath(issue.path) || "workflow", rule: issue.message };
  });
}

// Of branches that failed as deep, the one that got furthest wins: past the value's type (a wrong type says the
// branch was not meant), and a field there of the wrong type before one that is missing.
function deepest(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(
    0,
    ...issues.map((issue) => {
      const depth = issue.path.length + (issue.code === "unrecognized_keys" ? 0.5 : 0);
      if (issue.code === "invalid_type") return depth - (issue.message === REQUIRED ? 0.1 : 0);
      return issue.code === "invalid_union" ? depth : depth + 0.25;
    }),
  );
}

/** Validates an already-decoded document. Throws ValidationError naming every failing field. */
export function parseWorkflow(document: unknown): WorkflowDefinition {
  const parsed = WorkflowDefinition.safeParse(document);
  if (!parsed.success) {
    const issues = issuesFrom(parsed.error);
    const names = [...new Set(issues.map((issue) => issue.field))].slice(0, 5).join(", ");
    throw new ValidationError(`Invalid workflow: ${names}.`, { issues });
  }
  return parsed.data;
}
