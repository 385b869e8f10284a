// Completion for the workflow YAML editor from the workflow definition's JSON schema (the API's OpenAPI document,
// components.schemas.WorkflowDefinitionInput: the same zod schema a save validates with): the keys a mapping may
// have at the cursor (those not written yet), the values of an enum (on_error), and, through `values`, what the
// page can look up cheaply (servers from the registry, a step's tools). Pure functions of the text and the schema;
// the CodeMirror source at the end only adapts them.
import type { CompletionContext, CompletionResult, CompletionSource } from "@codemirror/autocomplete";

/** A JSON schema as the OpenAPI document renders it (only what completion reads). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
}

/** A path into the document: mapping keys, and "[]" for an item of a sequence. */
export type YamlPath = string[];

export interface YamlCursor {
  /** The mapping (or sequence item) the cursor's line belongs to. */
  path: YamlPath;
  /** Completing a key (`  ti|`) or the value of `key` (`  on_error: co|`). */
  kind: "key" | "value";
  key?: string;
  /** What is typed of the word being completed, and where it starts. */
  word: string;
  from: number;
  /** Keys the mapping already has, so they are not offered again. */
  siblings: string[];
}

const KEY_LINE = /^(\s*)(- +)?([A-Za-z_][\w-]*)?$/;
const VALUE_LINE = /^(\s*)(- +)?([A-Za-z_][\w-]*):[ \t]+(\S*)$/;
const ENTRY = /^(\s*)(- +)?([A-Za-z_][\w-]*)\s*:(.*)$/;

interface Line {
  indent: number;
  /** Indentation of the mapping the line's key belongs to: past the "- " of a sequence item. */
  keyIndent: number;
  item: boolean;
  key?: string;
  rest: string;
}

function parseLine(text: string): Line | undefined {
  if (/^\s*(#|$)/.test(text)) return undefined;
  const entry = ENTRY.exec(text);
  const indent = /^\s*/.exec(text)![0].length;
  if (entry) {
    const dash = entry[2] ?? "";
    return { indent, keyIndent: indent + dash.length, item: dash !== "", key: entry[3]!, rest: entry[4]! };
  }
  const item = /^(\s*)(- +)/.exec(text);
  return {
    indent,
    keyIndent: item ? indent + item[2]!.length : indent,
    item: item !== null,
    rest: text.trim(),
  };
}

/**
 * Where the cursor is, from indentation alone (the text is often invalid YAML while typed): walking up from the
 * cursor's line, each line indented less than the current mapping opens its parent — a `key:` with nothing after
 * it opens a mapping or a sequence, a `- ` an item of the sequence above.
 */
export function cursorAt(text: string, pos: number): YamlCursor | undefined {
  // (lastIndexOf with -1 would search from 0 and find a newline at the very start.)
  const lineStart = pos === 0 ? 0 : text.lastIndexOf("\n", pos - 1) + 1;
  const before = text.slice(lineStart, pos);
  let kind: "key" | "value";
  let key: string | undefined;
  let word: string;
  let keyIndent: number;
  let item: boolean;
  const value = VALUE_LINE.exec(before);
  const bare = KEY_LINE.exec(before);
  if (value) {
    kind = "value";
    key = value[3]!;
    word = value[4]!;
    item = value[2] !== undefined;
    keyIndent = value[1]!.length + (value[2]?.length ?? 0);
  } else if (bare) {
    kind = "key";
    word = bare[3] ?? "";
    item = bare[2] !== undefined;
    keyIndent = bare[1]!.length + (bare[2]?.length ?? 0);
  } else {
    return undefined;
  }
  const lines = text.split("\n");
  const index = text.slice(0, lineStart).split("\n").length - 1;
  const path: YamlPath = [];
  const siblings: string[] = [];
  // The mapping's keys start at column `col`; when it is an item of a sequence, the item's "- " is at `dash`.
  let col = keyIndent;
  let dash: number | undefined = item ? before.search(/-/) : undefined;
  for (let i = index + 1; i < lines.length; i++) {
    const line = parseLine(lines[i]!);
    if (!line) continue;
    if (line.keyIndent < col || (line.item && line.indent < col)) break;
    if (line.key && line.keyIndent === col) siblings.push(line.key);
  }
  let top = true;
  for (let i = index - 1; i >= 0; i--) {
    const line = parseLine(lines[i]!);
    if (!line) continue;
    if (dash === undefined) {
      if (line.keyIndent > col) continue; // inside an earlier sibling's value
      if (line.keyIndent === col) {
        if (top && line.key) siblings.push(line.key);
        // The "- key:" line that starts the item this mapping is.
        if (line.item) dash = line.indent;
        continue;
      }
    } else {
      if (line.indent > dash) continue; // an earlier item's content
      if (line.item && line.indent === dash) continue; // an earlier item
    }
    // A line to the left: the key whose value this mapping (or sequence) is.
    if (!line.key || line.rest.trim() !== "") return undefined;
    path.unshift(...(dash === undefined ? [line.key] : [line.key, "[]"]));
    top = false;
    col = line.keyIndent;
    dash = line.item ? line.indent : undefined;
  }
  if (dash !== undefined) return undefined; // a sequence at the top level is not a workflow
  return {
    path,
    kind,
    ...(key ? { key } : {}),
    word,
    from: pos - word.length,
    siblings: kind === "key" ? siblings : [],
  };
}

export type Resolve = (schema: JsonSchema) => JsonSchema;

/** The schemas a path leads to through properties, items, references and unions (a union offers every branch). */
export function schemasAt(root: JsonSchema, path: YamlPath, resolve: Resolve): JsonSchema[] {
  const expand = (schema: JsonSchema): JsonSchema[] => {
    const resolved = resolve(schema);
    const branches = resolved.anyOf ?? resolved.oneOf;
    return branches ? branches.flatMap(expand) : [resolved];
  };
  let current = expand(root);
  for (const segment of path) {
    current = current.flatMap((schema) => {
      if (segment === "[]") return schema.items ? expand(schema.items) : [];
      const property = schema.properties?.[segment];
      return property ? expand(property) : [];
    });
  }
  return current;
}

export interface Suggestion {
  label: string;
  detail?: string;
  info?: string;
}

/** Keys the mapping at `path` may have, minus those it has. */
export function keySuggestions(root: JsonSchema, cursor: YamlCursor, resolve: Resolve): Suggestion[] {
  const seen = new Set(cursor.siblings);
  const out = new Map<string, Suggestion>();
  for (const schema of schemasAt(root, cursor.path, resolve)) {
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (seen.has(name) || out.has(name)) continue;
      const resolved = resolve(property);
      const type = Array.isArray(resolved.type) ? resolved.type.join(" | ") : resolved.type;
      out.set(name, {
        label: name,
        ...(type ? { detail: type } : {}),
        ...(resolved.description ? { info: resolved.description } : {}),
      });
    }
  }
  return [...out.values()];
}

/** The enum values the schema allows for `key` of the mapping at the cursor's path. */
export function enumSuggestions(root: JsonSchema, cursor: YamlCursor, resolve: Resolve): Suggestion[] {
  if (cursor.kind !== "value" || !cursor.key) return [];
  const values = schemasAt(root, [...cursor.path, cursor.key], resolve).flatMap(
    (schema) => schema.enum ?? [],
  );
  return [...new Set(values.filter((v): v is string => typeof v === "string"))].map((label) => ({ label }));
}

/** A resolver for `#/components/schemas/<name>` references of one OpenAPI document. */
export function resolverFor(components: Record<string, JsonSchema>): Resolve {
  return (schema) => {
    let current = schema;
    for (let depth = 0; current.$ref && depth < 10; depth++) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
      const next = name ? components[name] : undefined;
      if (!next) break;
      current = next;
    }
    return current;
  };
}

/** The value of `key` in the mapping the cursor is in (e.g. the step's server while its tool is completed). */
export function siblingValue(text: string, pos: number, key: string): string | undefined {
  const lines = text.split("\n");
  const index = text.slice(0, pos).split("\n").length - 1;
  const indent = (lines[index]!.match(/^(\s*)(- +)?/)?.[0] ?? "").length;
  for (const direction of [-1, 1]) {
    for (let i = index + direction; i >= 0 && i < lines.length; i += direction) {
      const line = parseLine(lines[i]!);
      if (!line) continue;
      if (line.keyIndent < indent || (direction === 1 && line.item)) break;
      if (line.keyIndent === indent && line.key === key) return line.rest.trim().replace(/^["']|["']$/g, "");
      if (line.item) break; // the first key of this item: nothing above belongs to it
    }
  }
  return undefined;
}

/**
 * The CodeMirror source: schema keys and enum values, and for a value whose key `values` knows (server, tool),
 * what it answers. Offered on typing a word, or on Ctrl+Space anywhere it applies.
 */
export function workflowCompletion(options: {
  schema: () => { root: JsonSchema; resolve: Resolve } | undefined;
  values?: (key: string, context: { text: string; pos: number }) => Promise<Suggestion[]> | Suggestion[];
}): CompletionSource {
  return async (context: CompletionContext): Promise<CompletionResult | null> => {
    const text = context.state.doc.toString();
    const cursor = cursorAt(text, context.pos);
    if (!cursor) return null;
    if (!context.explicit && cursor.word === "" && cursor.kind === "key") return null;
    const schema = options.schema();
    let suggestions: Suggestion[] = [];
    if (cursor.kind === "key" && schema) suggestions = keySuggestions(schema.root, cursor, schema.resolve);
    if (cursor.kind === "value") {
      suggestions = schema ? enumSuggestions(schema.root, cursor, schema.resolve) : [];
      if (suggestions.length === 0 && options.values && cursor.key)
        suggestions = await options.values(cursor.key, { text, pos: context.pos });
    }
    if (suggestions.length === 0) return null;
    return {
      from: cursor.from,
      options: suggestions.map((s) => ({
        label: s.label,
        type: cursor.kind === "key" ? "property" : "constant",
        ...(s.detail ? { detail: s.detail } : {}),
        ...(s.info ? { info: s.info } : {}),
        ...(cursor.kind === "key" ? { apply: `${s.label}: ` } : {}),
      })),
      validFor: /^[\w@./-]*$/,
    };
  };
}
