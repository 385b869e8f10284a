// The workflow builder's edits, each a minimal edit of the definition's text (text-edit.ts): add or remove a step
// (with the edges to it), add or remove a depends_on entry, set or clear a step's field. Steps are found by id.
import { EditableText, type TextChange, TextEditError } from "./text-edit.js";

export type { TextChange } from "./text-edit.js";

/** The fields the builder's panel sets on a step. */
export type StepField =
  | "description"
  | "server"
  | "tool"
  | "arguments"
  | "when"
  | "for_each"
  | "retry"
  | "timeout_seconds"
  | "on_error";

/** The steps' ids and depends_on as the text has them (before any schema check). */
export function stepsOf(doc: EditableText): { id: string; depends_on: string[] }[] {
  const steps = doc.nodeAt(["steps"])?.toJSON() as unknown;
  if (!Array.isArray(steps)) return [];
  return steps.map((step) => {
    const record = (typeof step === "object" && step !== null ? step : {}) as Record<string, unknown>;
    const deps = Array.isArray(record.depends_on) ? record.depends_on.map(String) : [];
    return { id: String(record.id ?? ""), depends_on: deps };
  });
}

function indexOf(doc: EditableText, id: string): number {
  const index = stepsOf(doc).findIndex((step) => step.id === id);
  if (index < 0) throw new TextEditError(`No step "${id}".`);
  return index;
}

export function addStep(text: string, step: Record<string, unknown>): TextChange[] {
  const doc = new EditableText(text);
  if (stepsOf(doc).some((other) => other.id === step.id))
    throw new TextEditError(`A step "${step.id}" exists.`);
  return doc.changes({ op: "append", path: ["steps"], value: step });
}

/** Removes the step and every depends_on entry that names it (the key, when it was the only one). */
export function removeStep(text: string, id: string): TextChange[] {
  const doc = new EditableText(text);
  const steps = stepsOf(doc);
  const index = indexOf(doc, id);
  if (steps.length === 1) return doc.changes({ op: "set", path: ["steps"], value: [] });
  const changes = doc.changes({ op: "delete", path: ["steps", index] });
  steps.forEach((step, other) => {
    if (other !== index && step.depends_on.includes(id)) changes.push(...dependencyRemoval(doc, other, id));
  });
  return changes.sort((a, b) => a.from - b.from);
}

export function addDependency(text: string, id: string, dependency: string): TextChange[] {
  const doc = new EditableText(text);
  const index = indexOf(doc, id);
  indexOf(doc, dependency);
  if (id === dependency || stepsOf(doc)[index]!.depends_on.includes(dependency)) return [];
  return doc.changes({ op: "append", path: ["steps", index, "depends_on"], value: dependency });
}

export function removeDependency(text: string, id: string, dependency: string): TextChange[] {
  const doc = new EditableText(text);
  return dependencyRemoval(doc, indexOf(doc, id), dependency);
}

function dependencyRemoval(doc: EditableText, index: number, dependency: string): TextChange[] {
  const deps = stepsOf(doc)[index]!.depends_on;
  const at = deps.indexOf(dependency);
  if (at < 0) return [];
  return doc.changes({
    op: "delete",
    path: deps.length === 1 ? ["steps", index, "depends_on"] : ["steps", index, "depends_on", at],
  });
}

/** Sets a step's field, or clears it (`undefined`). */
export function setStepField(text: string, id: string, field: StepField, value: unknown): TextChange[] {
  const doc = new EditableText(text);
  const path = ["steps", indexOf(doc, id), field];
  return value === undefined ? doc.changes({ op: "delete", path }) : doc.changes({ op: "set", path, value });
}

/** Sets a top-level field of the workflow (`description`, `input`, `output`), or clears it. */
export function setWorkflowField(
  text: string,
  field: "name" | "description" | "input" | "output",
  value: unknown,
): TextChange[] {
  const doc = new EditableText(text);
  return value === undefined
    ? doc.changes({ op: "delete", path: [field] })
    : doc.changes({ op: "set", path: [field], value });
}
