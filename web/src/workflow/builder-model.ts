// What the builder's canvas draws from the workflow's text, before any schema check: the steps (ids, servers,
// tools, depends_on and the fields the panel edits), the input's properties, and the references a step may use
// (`{{ input.x }}`, and its ancestors' outputs). Pure, so it is unit-tested apart from React.
import { EditableText, TextEditError } from "../../../shared/workflows/text-edit.js";
import type { GraphStep } from "../graph/layout.js";

export interface BuilderStep extends GraphStep {
  depends_on: string[];
  arguments: Record<string, unknown>;
  retry?: Record<string, unknown> | undefined;
  timeout_seconds?: unknown;
  for_each?: Record<string, unknown> | undefined;
  when?: Record<string, unknown> | undefined;
  on_error?: string | undefined;
  /** `name@version` or `name`, as written. */
  serverText: string;
}

export type BuilderModel =
  | {
      ok: true;
      doc: EditableText;
      name: string;
      description: string;
      steps: BuilderStep[];
      inputs: { name: string; schema: Record<string, unknown>; required: boolean }[];
      output: Record<string, unknown>;
    }
  | { ok: false; reason: string };

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** The text as the canvas sees it, or why it cannot draw it (and stays read-only). */
export function modelOf(text: string): BuilderModel {
  let doc: EditableText;
  try {
    doc = new EditableText(text);
  } catch (error) {
    return { ok: false, reason: error instanceof TextEditError ? error.message : String(error) };
  }
  const value = record(doc.nodeAt([])?.toJSON());
  const rawSteps = value.steps ?? [];
  if (!Array.isArray(rawSteps)) return { ok: false, reason: "`steps` is not a list." };
  const steps: BuilderStep[] = [];
  for (const [index, raw] of rawSteps.entries()) {
    const step = record(raw);
    if (typeof step.id !== "string" || step.id === "") {
      return { ok: false, reason: `steps[${index}] has no id.` };
    }
    const serverText =
      typeof step.server === "string"
        ? step.server
        : `${record(step.server).name ?? ""}${record(step.server).version ? `@${record(step.server).version}` : ""}`;
    const at = serverText.lastIndexOf("@");
    steps.push({
      id: step.id,
      serverText,
      server:
        at > 0 ? { name: serverText.slice(0, at), version: serverText.slice(at + 1) } : { name: serverText },
      tool: String(step.tool ?? ""),
      depends_on: Array.isArray(step.depends_on) ? step.depends_on.map(String) : [],
      arguments: record(step.arguments),
      retry: step.retry === undefined ? undefined : record(step.retry),
      timeout_seconds: step.timeout_seconds,
      for_each: step.for_each === undefined ? undefined : record(step.for_each),
      when: step.when === undefined ? undefined : record(step.when),
      on_error: typeof step.on_error === "string" ? step.on_error : undefined,
    });
  }
  const input = record(value.input);
  const required = Array.isArray(input.required) ? input.required.map(String) : [];
  return {
    ok: true,
    doc,
    name: typeof value.name === "string" ? value.name : "",
    description: typeof value.description === "string" ? value.description : "",
    steps,
    inputs: Object.entries(record(input.properties)).map(([name, schema]) => ({
      name,
      schema: record(schema),
      required: required.includes(name),
    })),
    output: record(value.output),
  };
}

/** Every step `id` depends on, directly or not. */
export function ancestorsOf(steps: readonly BuilderStep[], id: string): string[] {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const seen = new Set<string>();
  const visit = (at: string) => {
    for (const dep of byId.get(at)?.depends_on ?? []) {
      if (seen.has(dep) || dep === id) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(id);
  return steps.map((step) => step.id).filter((other) => seen.has(other));
}

/** The references a value of step `id` may use: the input's properties, its ancestors' results, its item. */
export function referencesFor(model: Extract<BuilderModel, { ok: true }>, id: string | undefined): string[] {
  const refs = model.inputs.map((input) => `{{ input.${input.name} }}`);
  const step = model.steps.find((s) => s.id === id);
  if (step?.for_each) refs.push("{{ item }}");
  const upstream = id === undefined ? model.steps.map((s) => s.id) : ancestorsOf(model.steps, id);
  for (const ancestor of upstream) {
    refs.push(
      `{{ steps.${ancestor}.output.text }}`,
      `{{ steps.${ancestor}.output.json }}`,
      `{{ steps.${ancestor}.output }}`,
      `{{ steps.${ancestor}.status }}`,
      `{{ steps.${ancestor} }}`,
    );
  }
  return refs;
}

/** A form field's text as the value written into the document: references and text stay strings. */
export function argumentValue(kind: string, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if (/^\{\{.*\}\}$/.test(trimmed)) return text;
  if ((kind === "number" || kind === "integer") && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (kind === "boolean" && (trimmed === "true" || trimmed === "false")) return trimmed === "true";
  if (kind === "json" || kind === "object" || kind === "array") {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

/** A value as a form field shows it. */
export function argumentText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A `when`'s comparison value as typed: numbers and booleans as such, anything else a string. */
export function literalValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  if (trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return text;
}
