// JSON Schema → form fields, for a tool's inputSchema (Try) and a workflow's input (the Run dialog). Pure, so it
// is unit-tested apart from React. What a form cannot show well ($ref, unions of objects, deep nesting) becomes
// a JSON field, and the whole value is validated against the schema (validate.ts) either way; the page keeps a
// JSON mode too. Written here rather than taken from @rjsf: rjsf's validator compiles schemas with
// `new Function` (Ajv), which the console's Content-Security-Policy forbids (docs/decisions/0007-console.md).

export type Schema = Record<string, unknown>;

interface Common {
  name: string;
  label: string;
  description?: string | undefined;
  required: boolean;
  nullable: boolean;
  default?: unknown;
}

export type Field =
  | (Common & {
      kind: "string";
      inputType: "text" | "email" | "url" | "date" | "datetime-local" | "textarea";
    })
  | (Common & { kind: "number" | "integer"; minimum?: number | undefined; maximum?: number | undefined })
  | (Common & { kind: "boolean" })
  | (Common & { kind: "enum"; options: { value: unknown; label: string }[] })
  | (Common & { kind: "array"; items: Field })
  | (Common & { kind: "object"; fields: Field[] })
  | (Common & { kind: "json"; schema: Schema });

/** How deep objects and arrays nest as fields before the rest is a JSON field. */
export const MAX_DEPTH = 3;

const FORMATS: Record<string, "email" | "url" | "date" | "datetime-local"> = {
  email: "email",
  uri: "url",
  url: "url",
  date: "date",
  "date-time": "datetime-local",
};

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `anyOf: [X, {type: "null"}]` and `type: [X, "null"]` are X, nullable. */
function unwrapNullable(schema: Schema): { schema: Schema; nullable: boolean } {
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length === 2) {
      const rest = options.filter((option) => !(isSchema(option) && option.type === "null"));
      if (rest.length === 1 && isSchema(rest[0])) {
        const { [key]: _dropped, ...outer } = schema;
        return { schema: { ...outer, ...rest[0] }, nullable: true };
      }
    }
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== "null");
    if (types.length === 1)
      return { schema: { ...schema, type: types[0] }, nullable: types.length < schema.type.length };
  }
  return { schema, nullable: false };
}

/** `oneOf`/`anyOf` of `{const, title}` is a choice between labelled values. */
function constChoices(schema: Schema): { value: unknown; label: string }[] | undefined {
  for (const key of ["oneOf", "anyOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0 && options.every((o) => isSchema(o) && "const" in o)) {
      return (options as Schema[]).map((option) => ({
        value: option.const,
        label: typeof option.title === "string" ? option.title : JSON.stringify(option.const),
      }));
    }
  }
  return undefined;
}

export function fieldOf(raw: Schema, name: string, required: boolean, depth = 0): Field {
  const { schema, nullable } = unwrapNullable(raw);
  const common: Common = {
    name,
    label: typeof schema.title === "string" ? schema.title : name,
    description: typeof schema.description === "string" ? schema.description : undefined,
    required,
    nullable,
    ...(schema.default !== undefined ? { default: schema.default } : {}),
  };
  if (Array.isArray(schema.enum)) {
    return {
      ...common,
      kind: "enum",
      options: schema.enum.map((value) => ({ value, label: String(value) })),
    };
  }
  const choices = constChoices(schema);
  if (choices) return { ...common, kind: "enum", options: choices };
  if ("const" in schema)
    return { ...common, kind: "enum", options: [{ value: schema.const, label: String(schema.const) }] };
  if (
    schema.$ref !== undefined ||
    schema.oneOf !== undefined ||
    schema.anyOf !== undefined ||
    schema.allOf !== undefined
  ) {
    return { ...common, kind: "json", schema };
  }
  switch (schema.type) {
    case "string": {
      const format = typeof schema.format === "string" ? FORMATS[schema.format] : undefined;
      const long = typeof schema.maxLength !== "number" || schema.maxLength > 200;
      const multiline = !format && long && /text|body|content|message|prompt|query|description/i.test(name);
      return { ...common, kind: "string", inputType: format ?? (multiline ? "textarea" : "text") };
    }
    case "number":
    case "integer":
      return {
        ...common,
        kind: schema.type,
        minimum: typeof schema.minimum === "number" ? schema.minimum : undefined,
        maximum: typeof schema.maximum === "number" ? schema.maximum : undefined,
      };
    case "boolean":
      return { ...common, kind: "boolean" };
    case "array":
      if (depth >= MAX_DEPTH || !isSchema(schema.items)) return { ...common, kind: "json", schema };
      return { ...common, kind: "array", items: fieldOf(schema.items, `${name}[]`, true, depth + 1) };
    case "object":
      if (depth >= MAX_DEPTH || !isSchema(schema.properties)) return { ...common, kind: "json", schema };
      return { ...common, kind: "object", fields: fieldsOf(schema, depth + 1) };
    default:
      return { ...common, kind: "json", schema };
  }
}

/** The fields of an object schema (a tool's inputSchema), in declaration order. */
export function fieldsOf(schema: Schema, depth = 0): Field[] {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(properties)
    .filter((entry): entry is [string, Schema] => isSchema(entry[1]))
    .map(([name, property]) => fieldOf(property, name, required.has(name), depth));
}

/** A form's starting value: defaults where the schema gives them, nothing else (so optional fields stay out). */
export function initialValue(fields: Field[]): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.default !== undefined) value[field.name] = field.default;
    else if (field.kind === "object" && field.required) value[field.name] = initialValue(field.fields);
  }
  return value;
}

/**
 * The value a field's input text stands for: a number for number fields (undefined when empty, so an optional
 * field is left out rather than sent as ""), JSON for JSON fields (the text itself when it does not parse, so
 * validation names the field).
 */
export function parseInput(field: Field, text: string): unknown {
  if (text === "" && field.kind !== "string") return undefined;
  switch (field.kind) {
    case "number":
    case "integer": {
      const number = Number(text);
      return Number.isNaN(number) ? text : number;
    }
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    case "string":
      return text === "" && !field.required ? undefined : text;
    default:
      return text;
  }
}
