// Checks that a parsed workflow fits together: known, acyclic dependencies; references only to ancestors; and,
// when the tool catalogue is known, tools that exist and literal arguments their input schemas accept.
import type { FieldIssue } from "../errors.js";
import type { Condition, Step, WorkflowDefinition } from "./definition.js";
import { ancestry, stepGraph } from "./graph.js";
import {
  isWholeReference,
  listReferences,
  parseSingleReference,
  type Reference,
  TemplateReferenceError,
} from "./references.js";

/** A tool's input schema, as the server announced it in tools/list. */
export type ToolInputSchema = Record<string, unknown>;
/** `serverName@version` → tool name → input schema; `null` when that version has not been probed yet. */
export type ToolCatalog = Record<string, Record<string, ToolInputSchema> | null>;

export interface ValidateOptions {
  tools?: ToolCatalog;
}

export function serverKey(server: { name: string; version?: string }): string {
  return server.version === undefined ? server.name : `${server.name}@${server.version}`;
}

export function validateWorkflow(
  definition: WorkflowDefinition,
  options: ValidateOptions = {},
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const firstIndex = new Map<string, number>();
  definition.steps.forEach((step, i) => {
    const seen = firstIndex.get(step.id);
    if (seen === undefined) firstIndex.set(step.id, i);
    else
      issues.push({ field: `steps[${i}].id`, rule: `duplicate step id "${step.id}" (also steps[${seen}])` });
  });
  definition.steps.forEach((step, i) => {
    for (const dep of step.depends_on) {
      if (!firstIndex.has(dep))
        issues.push({ field: `steps[${i}].depends_on`, rule: `unknown step "${dep}"` });
      else if (dep === step.id)
        issues.push({ field: `steps[${i}].depends_on`, rule: "a step cannot depend on itself" });
    }
  });
  const graph = stepGraph(definition);
  if (graph.cycle) {
    // Start the loop at the step declared first, so the message is stable however the search ran.
    const loop = graph.cycle.slice(0, -1);
    const start = loop.reduce(
      (best, id, i) => (firstIndex.get(id)! < firstIndex.get(loop[best]!)! ? i : best),
      0,
    );
    const rotated = [...loop.slice(start), ...loop.slice(0, start)];
    issues.push({
      field: `steps[${firstIndex.get(rotated[0]!)}].depends_on`,
      rule: `dependency cycle: ${[...rotated, rotated[0]].join(" → ")} (each runs before the next)`,
    });
    // Ancestry is meaningless in a cycle; the reference checks below would only repeat the same problem.
    return issues;
  }
  const isAncestor = ancestry(graph);
  const checked = new Set<string>();
  for (const step of definition.steps) {
    if (checked.has(step.id)) continue;
    checked.add(step.id);
    const allowed = (id: string) => isAncestor(step.id, id);
    const base = `steps.${step.id}`;
    const checkReference = (field: string, reference: Reference, itemAllowed: boolean) => {
      const rule = referenceRule(reference, allowed, firstIndex, itemAllowed, step.id);
      if (rule) issues.push({ field, rule });
    };
    for (const found of listReferences(step.arguments)) {
      const field = found.at === "" ? `${base}.arguments` : `${base}.arguments.${found.at}`;
      if (found.error) issues.push({ field, rule: found.error });
      else if (found.reference) checkReference(field, found.reference, step.for_each !== undefined);
    }
    if (step.for_each) {
      const field = `${base}.for_each.items`;
      try {
        checkReference(field, parseSingleReference(step.for_each.items), false);
      } catch (error) {
        if (!(error instanceof TemplateReferenceError)) throw error;
        issues.push({ field, rule: error.message });
      }
    }
    if (step.when) {
      for (const { field, path } of conditionPaths(step.when, `${base}.when`)) {
        try {
          checkReference(field, parseSingleReference(path), false);
        } catch (error) {
          if (!(error instanceof TemplateReferenceError)) throw error;
          issues.push({ field, rule: error.message });
        }
      }
    }
    if (options.tools) issues.push(...checkTool(step, base, options.tools));
  }
  if (definition.output !== undefined) {
    const every = (id: string) => firstIndex.has(id);
    for (const found of listReferences(definition.output)) {
      const field = found.at === "" ? "output" : `output.${found.at}`;
      if (found.error) issues.push({ field, rule: found.error });
      else if (found.reference) {
        const rule = referenceRule(found.reference, every, firstIndex, false);
        if (rule) issues.push({ field, rule });
      }
    }
  }
  return issues;
}

function referenceRule(
  reference: Reference,
  allowed: (id: string) => boolean,
  known: Map<string, number>,
  itemAllowed: boolean,
  self?: string,
): string | undefined {
  if (reference.root === "item") {
    return itemAllowed ? undefined : "`item` is only defined in the arguments of a step with for_each";
  }
  if (reference.root !== "steps" || reference.stepId === undefined) return undefined;
  const id = reference.stepId;
  if (!known.has(id)) return `refers to unknown step "${id}"`;
  if (id === self) return `step "${id}" cannot refer to its own result`;
  if (!allowed(id)) {
    return `refers to step "${id}", which is not an ancestor of "${self}" through depends_on (add it to depends_on)`;
  }
  return undefined;
}

export function conditionPaths(condition: Condition, field: string): { field: string; path: string }[] {
  if ("all" in condition) return condition.all.flatMap((c, i) => conditionPaths(c, `${field}.all[${i}]`));
  if ("any" in condition) return condition.any.flatMap((c, i) => conditionPaths(c, `${field}.any[${i}]`));
  if ("not" in condition) return conditionPaths(condition.not, `${field}.not`);
  return [{ field: `${field}.path`, path: condition.path }];
}

function checkTool(step: Step, base: string, tools: ToolCatalog): FieldIssue[] {
  const catalog = tools[serverKey(step.server)];
  // Unknown server versions are the caller's to report; unprobed ones cannot be checked yet.
  if (catalog === undefined || catalog === null) return [];
  const schema = catalog[step.tool];
  if (schema === undefined) {
    const names = Object.keys(catalog).sort();
    return [
      {
        field: `${base}.tool`,
        rule: `unknown tool "${step.tool}" on ${serverKey(step.server)} (tools: ${names.join(", ") || "none"})`,
      },
    ];
  }
  return checkAgainstSchema(step.arguments, schema, `${base}.arguments`);
}

type JsonType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

function typeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as JsonType;
}

function describeType(value: unknown): string {
  const t = typeOf(value);
  return t === "integer" ? "number" : t;
}

/**
 * A deliberately small subset of JSON Schema (type, enum, required, properties, additionalProperties: false,
 * items) checked on the literal parts of a template. A whole-value reference is unknown until run time and is
 * skipped; an interpolated string is still a string.
 */
function checkAgainstSchema(value: unknown, schema: unknown, field: string): FieldIssue[] {
  if (schema === null || typeof schema !== "object") return [];
  if (typeof value === "string" && isWholeReference(value)) return [];
  const s = schema as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const types =
    typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : undefined;
  if (types) {
    const actual = typeOf(value);
    const ok = types.some((t) => t === actual || (t === "number" && actual === "integer"));
    if (!ok)
      return [
        {
          field,
          rule: `must be ${types.join(" or ")} (the tool's input schema), not ${describeType(value)}`,
        },
      ];
  }
  if (Array.isArray(s.enum) && !(typeof value === "string" && value.includes("{{"))) {
    if (!s.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
      issues.push({ field, rule: `must be one of ${s.enum.map((o) => JSON.stringify(o)).join(", ")}` });
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    if (Array.isArray(s.required)) {
      for (const name of s.required as string[]) {
        if (!Object.hasOwn(record, name))
          issues.push({ field: `${field}.${name}`, rule: "is required by the tool" });
      }
    }
    for (const [name, child] of Object.entries(record)) {
      if (Object.hasOwn(properties, name))
        issues.push(...checkAgainstSchema(child, properties[name], `${field}.${name}`));
      else if (s.additionalProperties === false) {
        issues.push({ field: `${field}.${name}`, rule: "is not a parameter of the tool" });
      }
    }
  }
  if (Array.isArray(value) && s.items && typeof s.items === "object") {
    value.forEach((child, i) => {
      issues.push(...checkAgainstSchema(child, s.items, `${field}[${i}]`));
    });
  }
  return issues;
}
