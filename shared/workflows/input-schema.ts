// Checks a run's input against the workflow's `input` JSON Schema with @cfworker/json-schema, a small interpreting
// validator (no code generation) that reports every error when asked to. It does not check schemas themselves, so a
// workflow's `input` is first validated against a meta-schema written here (see metaSchema below).
import { dereference, type OutputUnit, type Schema, type SchemaDraft, validate } from "@cfworker/json-schema";
import { type FieldIssue, UnprocessableError, ValidationError } from "../errors.js";

/** A schema ready to validate with: a private copy (dereferencing annotates it) and the URIs it can `$ref`. */
interface Compiled {
  schema: Schema;
  draft: SchemaDraft;
  lookup: Record<string, Schema | boolean>;
}

const DEFAULT_DRAFT: SchemaDraft = "2020-12";
const cache = new Map<string, Compiled>();

/** `$schema` → the draft it names; drafts 6 and 7 share cfworker's draft-7 rules. Unknown URIs are refused. */
function draftOf(schema: Record<string, unknown>): SchemaDraft | undefined {
  const uri = schema.$schema;
  if (uri === undefined) return DEFAULT_DRAFT;
  if (typeof uri !== "string") return undefined;
  const m =
    /^https?:\/\/json-schema\.org\/(draft-04|draft-06|draft-07|draft\/2019-09|draft\/2020-12)\/schema#?$/.exec(
      uri,
    );
  if (!m) return undefined;
  return (
    ({ "draft-04": "4", "draft-06": "7", "draft-07": "7", "draft/2019-09": "2019-09" } as const)[
      m[1] as "draft-04"
    ] ?? DEFAULT_DRAFT
  );
}

/**
 * The shape every keyword of `draft` must have: the official meta-schemas' rules for the keywords cfworker
 * evaluates, merged into one schema that recurses with a plain `$ref: "#"`. (cfworker ships no meta-schemas, and
 * the official 2019-09/2020-12 ones are split into vocabularies joined by `$recursiveRef`/`$dynamicRef`, which
 * cfworker handles only partly.) Like the official ones, it leaves unknown keywords alone.
 */
function metaSchema(draft: SchemaDraft): Schema {
  const self = { $ref: "#" };
  const schemaArray = { type: "array", minItems: 1, items: self };
  const schemaMap = { type: "object", additionalProperties: self };
  const count = { type: "integer", minimum: 0 };
  const strings = {
    type: "array",
    items: { type: "string" },
    uniqueItems: true,
    ...(draft === "4" && { minItems: 1 }),
  };
  const simpleType = { enum: ["array", "boolean", "integer", "null", "number", "object", "string"] };
  const number = { type: "number" };
  const string = { type: "string" };
  const boolean = { type: "boolean" };
  const properties: Record<string, unknown> = {
    [draft === "4" ? "id" : "$id"]: string,
    $schema: string,
    $ref: string,
    $anchor: { type: "string", pattern: "^[A-Za-z_][-A-Za-z0-9._]*$" },
    $dynamicRef: string,
    $dynamicAnchor: string,
    $recursiveRef: string,
    $recursiveAnchor: boolean,
    $comment: string,
    $vocabulary: { type: "object", additionalProperties: boolean },
    $defs: schemaMap,
    definitions: schemaMap,
    prefixItems: schemaArray,
    items: draft === "2020-12" ? self : { anyOf: [self, { type: "array", items: self }] },
    additionalItems: self,
    unevaluatedItems: self,
    contains: self,
    properties: schemaMap,
    patternProperties: { ...schemaMap, propertyNames: { format: "regex" } },
    additionalProperties: self,
    unevaluatedProperties: self,
    propertyNames: self,
    dependentSchemas: schemaMap,
    dependentRequired: { type: "object", additionalProperties: strings },
    dependencies: { type: "object", additionalProperties: { anyOf: [self, strings] } },
    allOf: schemaArray,
    anyOf: schemaArray,
    oneOf: schemaArray,
    not: self,
    if: self,
    // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword, in a schema no one awaits.
    then: self,
    else: self,
    type: { anyOf: [simpleType, { type: "array", items: simpleType, minItems: 1, uniqueItems: true }] },
    enum: draft === "4" ? { type: "array", minItems: 1 } : { type: "array" },
    multipleOf: { type: "number", exclusiveMinimum: 0 },
    maximum: number,
    minimum: number,
    exclusiveMaximum: draft === "4" ? boolean : number,
    exclusiveMinimum: draft === "4" ? boolean : number,
    maxLength: count,
    minLength: count,
    pattern: { type: "string", format: "regex" },
    maxItems: count,
    minItems: count,
    uniqueItems: boolean,
    maxContains: count,
    minContains: count,
    maxProperties: count,
    minProperties: count,
    required: strings,
    format: string,
    contentEncoding: string,
    contentMediaType: string,
    contentSchema: self,
    title: string,
    description: string,
    deprecated: boolean,
    readOnly: boolean,
    writeOnly: boolean,
    examples: { type: "array" },
  };
  return { type: draft === "4" ? "object" : ["object", "boolean"], properties } as Schema;
}

const metaSchemas = new Map<SchemaDraft, Compiled>();
function metaFor(draft: SchemaDraft): Compiled {
  let meta = metaSchemas.get(draft);
  if (!meta) {
    const schema = metaSchema(draft);
    meta = { schema, draft: "2020-12", lookup: dereference(schema) };
    metaSchemas.set(draft, meta);
  }
  return meta;
}

/** `#/a/b~1c` → `a.b/c`, undoing cfworker's pointer escaping and percent-encoding. */
function dotted(instanceLocation: string): string {
  return instanceLocation
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((segment) => decodeURIComponent(segment).replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
}

/** The keyword's value in the schema, following `keywordLocation` (which passes through `$ref`s) from the root. */
function keywordValue(compiled: Compiled, keywordLocation: string): unknown {
  let node: unknown = compiled.schema;
  for (const raw of keywordLocation.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    if (node === null || typeof node !== "object") return undefined;
    const segment = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    const here = node as Schema;
    node =
      segment === "$ref" && here.__absolute_ref__ ? compiled.lookup[here.__absolute_ref__] : here[segment];
  }
  return node;
}

/** Containers whose own error only says "a subschema had errors": the errors that follow name the real problem. */
const CONTAINERS = new Set([
  "$ref",
  "$recursiveRef",
  "properties",
  "patternProperties",
  "additionalProperties",
  "unevaluatedProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "allOf",
  "dependentSchemas",
]);

/** cfworker's errors as FieldIssues worded like Ajv's, each naming the failing field (`input.a.b`). */
function issues(compiled: Compiled, errors: OutputUnit[], root: string): FieldIssue[] {
  const found: FieldIssue[] = [];
  const seen = new Set<string>();
  const add = (location: string, rule: string, extra?: string) => {
    const path = [root, dotted(location), extra].filter(Boolean).join(".");
    const key = `${path}\n${rule}`;
    if (!seen.has(key)) found.push({ field: path, rule });
    seen.add(key);
  };
  errors.forEach((error, i) => {
    const value = () => keywordValue(compiled, error.keywordLocation);
    const previous = errors[i - 1]?.keyword;
    switch (error.keyword) {
      case "false":
        // `additionalProperties: false` (or unevaluatedProperties) reports the extra property itself.
        add(
          error.instanceLocation,
          previous === "additionalProperties" || previous === "unevaluatedProperties"
            ? "is not allowed"
            : "boolean schema is false",
        );
        return;
      case "required": {
        const missing = /^Instance does not have required property "(.*)"\.$/s.exec(error.error)?.[1];
        add(error.instanceLocation, `must have required property '${missing}'`, missing);
        return;
      }
      case "type": {
        const type = value();
        add(error.instanceLocation, `must be ${Array.isArray(type) ? type.join(",") : String(type)}`);
        return;
      }
      case "format":
        add(error.instanceLocation, `must match format "${String(value())}"`);
        return;
      case "pattern":
        add(error.instanceLocation, `must match pattern "${String(value())}"`);
        return;
      case "const":
        add(error.instanceLocation, "must be equal to constant");
        return;
      case "enum":
        add(error.instanceLocation, "must be equal to one of the allowed values");
        return;
      case "minimum":
      case "maximum":
      case "exclusiveMinimum":
      case "exclusiveMaximum": {
        // Draft 4's boolean exclusive bounds report under minimum/maximum, with "or equal to" in the message.
        const exclusive = error.keyword.startsWith("exclusive") || error.error.includes("or equal to");
        const below = error.keyword.toLowerCase().includes("minimum");
        add(error.instanceLocation, `must be ${below ? ">" : "<"}${exclusive ? "" : "="} ${String(value())}`);
        return;
      }
      case "multipleOf":
        add(error.instanceLocation, `must be multiple of ${String(value())}`);
        return;
      case "minLength":
      case "maxLength":
      case "minItems":
      case "maxItems":
      case "minProperties":
      case "maxProperties": {
        const bound = error.keyword.startsWith("min") ? "fewer" : "more";
        const unit = { Length: "characters", Items: "items", Properties: "properties" }[
          error.keyword.slice(3)
        ];
        add(error.instanceLocation, `must NOT have ${bound} than ${String(value())} ${unit}`);
        return;
      }
      case "uniqueItems":
        add(error.instanceLocation, "must NOT have duplicate items");
        return;
      case "anyOf":
        add(error.instanceLocation, "must match a schema in anyOf");
        return;
      case "oneOf":
        add(error.instanceLocation, "must match exactly one schema in oneOf");
        return;
      case "not":
        add(error.instanceLocation, "must NOT be valid");
        return;
      case "if":
        add(
          error.instanceLocation,
          `must match "${error.error.includes('"else"') ? "else" : "then"}" schema`,
        );
        return;
      case "propertyNames":
        add(error.instanceLocation, "property name must be valid");
        return;
      default:
        if (CONTAINERS.has(error.keyword)) return;
        // contains, dependentRequired, dependencies...: cfworker's own words are specific enough.
        add(error.instanceLocation, error.error.replace(/^Instance /, "").replace(/\.$/, ""));
    }
  });
  return found;
}

/** Compiles `schema`, or answers why it is not a usable JSON Schema (the issues name `input`). */
function compile(schema: Record<string, unknown>): Compiled | FieldIssue[] {
  const key = JSON.stringify(schema);
  const cached = cache.get(key);
  if (cached) return cached;
  const draft = draftOf(schema);
  if (draft === undefined) {
    return [
      { field: "input", rule: "must be a valid JSON Schema: $schema names no known JSON Schema draft" },
    ];
  }
  const meta = metaFor(draft);
  const checked = validate(schema, meta.schema, meta.draft, meta.lookup, false);
  if (!checked.valid) {
    const why = issues(meta, checked.errors, "input").map((i) => `${i.field} ${i.rule}`);
    return [{ field: "input", rule: `must be a valid JSON Schema: ${why.join(", ")}` }];
  }
  // A private copy: dereference() annotates the schema objects it walks.
  const copy = structuredClone(schema) as Schema;
  let lookup: Record<string, Schema | boolean>;
  try {
    lookup = dereference(copy);
  } catch (error) {
    return [
      {
        field: "input",
        rule: `must be a valid JSON Schema: ${error instanceof Error ? error.message : "invalid"}`,
      },
    ];
  }
  // Every reference must resolve inside the schema: cfworker would only find out when a run reaches it.
  for (const node of Object.values(lookup)) {
    if (typeof node !== "object") continue;
    for (const [keyword, target] of [
      ["$ref", node.__absolute_ref__],
      ["$recursiveRef", node.__absolute_recursive_ref__],
    ] as const) {
      if (target !== undefined && lookup[target] === undefined) {
        return [
          {
            field: "input",
            rule: `must be a valid JSON Schema: cannot resolve ${keyword} "${node[keyword]}"`,
          },
        ];
      }
    }
  }
  const compiled: Compiled = { schema: copy, draft, lookup };
  cache.set(key, compiled);
  return compiled;
}

export function checkRunInput(schema: Record<string, unknown> | undefined, input: unknown): void {
  if (!schema) return;
  const compiled = compile(schema);
  if (Array.isArray(compiled)) {
    throw new UnprocessableError("The workflow's input schema is not a valid JSON Schema.", {
      issues: compiled,
    });
  }
  const result = validate(input, compiled.schema, compiled.draft, compiled.lookup, false);
  if (!result.valid) {
    throw new ValidationError(`The run input does not match the workflow's input schema.`, {
      issues: issues(compiled, result.errors, "input"),
    });
  }
}

/**
 * A tool call's arguments against the tool's inputSchema as the probe found it (fields under `arguments`). A schema
 * this validator cannot compile is the server's to judge: the call goes on and the server answers.
 */
export function checkToolArguments(schema: Record<string, unknown>, args: unknown): void {
  const compiled = compile(schema);
  if (Array.isArray(compiled)) return;
  const result = validate(args, compiled.schema, compiled.draft, compiled.lookup, false);
  if (!result.valid) {
    throw new ValidationError("The arguments do not match the tool's inputSchema.", {
      issues: issues(compiled, result.errors, "arguments"),
    });
  }
}

/** A workflow's `input` must itself be a valid JSON Schema; saving one that is not is refused. */
export function inputSchemaIssues(schema: Record<string, unknown> | undefined): FieldIssue[] {
  if (!schema) return [];
  const compiled = compile(schema);
  return Array.isArray(compiled) ? compiled : [];
}
