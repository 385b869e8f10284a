// References in workflow templates: `{{ input.city }}`, `{{ steps.fetch.output.json.items[0].id }}`, `{{ item }}`.
// Parsed here once; the runner resolves them at run time and the compiler maps them to JSONPath.

export type ReferenceRoot = "input" | "steps" | "item";
export type PathSegment = string | number;

export interface Reference {
  /** The text between the braces, trimmed: `steps.fetch.output.text`. */
  text: string;
  root: ReferenceRoot;
  /** Only for `steps.<id>...`. */
  stepId?: string;
  /** Segments after the root (after `<id>` for steps). */
  path: PathSegment[];
}

export interface StepResult {
  status: "SUCCEEDED" | "FAILED" | "SKIPPED";
  output?: unknown;
  error?: unknown;
}

export interface TemplateContext {
  input: unknown;
  steps: Record<string, StepResult>;
  item?: unknown;
}

export interface ReferenceOccurrence {
  /** Where in the template: `city`, `filters[1].name`; empty for the template itself. */
  at: string;
  /** The whole `{{ ... }}` text. */
  raw: string;
  reference?: Reference;
  /** Why the reference cannot be read, when it cannot. */
  error?: string;
}

/** A reference that cannot be parsed or points at nothing in the context. */
export class TemplateReferenceError extends Error {
  readonly reference: string;
  constructor(message: string, reference: string) {
    super(message);
    this.name = "TemplateReferenceError";
    this.reference = reference;
  }
}

const REFERENCE = /\{\{(.*?)\}\}/g;
const WHOLE_REFERENCE = /^\{\{(.*?)\}\}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** Parses the text between `{{` and `}}`. Throws TemplateReferenceError when it is not a reference. */
export function parseReference(inner: string): Reference {
  const text = inner.trim();
  const path: PathSegment[] = [];
  let rest = text;
  const first = KEY.exec(rest);
  if (!first)
    throw new TemplateReferenceError(`\`{{ ${text} }}\` must start with input, steps or item`, text);
  rest = rest.slice(first[0].length);
  while (rest.length > 0) {
    if (rest.startsWith(".")) {
      const key = KEY.exec(rest.slice(1));
      if (!key) throw new TemplateReferenceError(`\`{{ ${text} }}\` has an invalid name after \`.\``, text);
      path.push(key[0]);
      rest = rest.slice(1 + key[0].length);
      continue;
    }
    const index = /^\[(\d{1,9})\]/.exec(rest);
    if (index?.[1]) {
      path.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    throw new TemplateReferenceError(
      `\`{{ ${text} }}\` must be names joined by \`.\` and \`[n]\` indexes`,
      text,
    );
  }
  const root = first[0];
  if (root === "input" || root === "item") return { text, root, path };
  if (root === "steps") {
    const stepId = path[0];
    if (typeof stepId !== "string") {
      throw new TemplateReferenceError(`\`{{ ${text} }}\` must name a step: steps.<id>.output...`, text);
    }
    return { text, root, stepId, path: path.slice(1) };
  }
  throw new TemplateReferenceError(`\`{{ ${text} }}\` must start with input, steps or item`, text);
}

/**
 * Accepts `{{ steps.a.output.json.items }}` or the bare `steps.a.output.json.items` where a field holds exactly
 * one reference (for_each.items, when.path).
 */
export function parseSingleReference(value: string): Reference {
  const whole = WHOLE_REFERENCE.exec(value.trim());
  if (whole) return parseReference(whole[1] ?? "");
  if (value.includes("{{")) {
    throw new TemplateReferenceError(
      `\`${value}\` must be a single reference such as {{ input.items }}`,
      value,
    );
  }
  return parseReference(value);
}

type StringPart = { literal: string } | { raw: string; reference: Reference };

/** Splits a string into literal text and references. Throws TemplateReferenceError on a malformed reference. */
export function parseTemplateString(value: string): StringPart[] {
  const parts: StringPart[] = [];
  let last = 0;
  for (const match of value.matchAll(REFERENCE)) {
    if (match.index > last) parts.push({ literal: value.slice(last, match.index) });
    parts.push({ raw: match[0], reference: parseReference(match[1] ?? "") });
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ literal: value.slice(last) });
  return parts;
}

/** True when the string is exactly one reference, so it resolves to the referenced JSON value, type kept. */
export function isWholeReference(value: string): boolean {
  return WHOLE_REFERENCE.test(value) && (value.match(REFERENCE)?.length ?? 0) === 1;
}

function childAt(at: string, key: string | number): string {
  if (typeof key === "number") return `${at}[${key}]`;
  return at === "" ? key : `${at}.${key}`;
}

/** Every reference in a template, with where it sits; malformed ones carry `error`. */
export function listReferences(template: unknown, at = ""): ReferenceOccurrence[] {
  if (typeof template === "string") {
    const found: ReferenceOccurrence[] = [];
    for (const match of template.matchAll(REFERENCE)) {
      try {
        found.push({ at, raw: match[0], reference: parseReference(match[1] ?? "") });
      } catch (error) {
        found.push({ at, raw: match[0], error: (error as Error).message });
      }
    }
    return found;
  }
  if (Array.isArray(template)) return template.flatMap((value, i) => listReferences(value, childAt(at, i)));
  if (template !== null && typeof template === "object") {
    return Object.entries(template).flatMap(([key, value]) => listReferences(value, childAt(at, key)));
  }
  return [];
}

const MISSING = Symbol("missing");

function walk(value: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = value;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(current) || segment >= current.length) return MISSING;
      current = current[segment];
    } else {
      if (
        current === null ||
        typeof current !== "object" ||
        Array.isArray(current) ||
        !Object.hasOwn(current, segment)
      ) {
        return MISSING;
      }
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current === undefined ? MISSING : current;
}

/** The value a reference points at, or throws TemplateReferenceError when nothing is there. */
export function resolveReference(reference: Reference, context: TemplateContext): unknown {
  let value: unknown;
  if (reference.root === "input") value = walk(context.input, reference.path);
  else if (reference.root === "item") {
    value = Object.hasOwn(context, "item") ? walk(context.item, reference.path) : MISSING;
  } else {
    const step = reference.stepId === undefined ? undefined : context.steps[reference.stepId];
    value = step === undefined ? MISSING : walk(step, reference.path);
  }
  if (value === MISSING) {
    throw new TemplateReferenceError(
      `\`{{ ${reference.text} }}\` points at nothing in this run`,
      reference.text,
    );
  }
  return value;
}

/**
 * Resolves a template against a run's context. A string that is exactly one reference becomes the referenced
 * value with its JSON type; references inside longer strings are interpolated (JSON text for non-strings).
 * Pure: the template and context are not changed. Throws TemplateReferenceError on a malformed or missing reference.
 */
export function resolveTemplate(template: unknown, context: TemplateContext): unknown {
  if (typeof template === "string") {
    if (!template.includes("{{")) return template;
    const parts = parseTemplateString(template);
    const [only] = parts;
    if (parts.length === 1 && only && "reference" in only)
      return structuredClone(resolveReference(only.reference, context));
    return parts
      .map((part) => {
        if ("literal" in part) return part.literal;
        const value = resolveReference(part.reference, context);
        return typeof value === "string" ? value : JSON.stringify(value);
      })
      .join("");
  }
  if (Array.isArray(template)) return template.map((value) => resolveTemplate(value, context));
  if (template !== null && typeof template === "object") {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, resolveTemplate(value, context)]),
    );
  }
  return template;
}
