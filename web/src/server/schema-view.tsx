// A JSON Schema made readable: one row per property with its type, whether it is required, its constraints and
// description, nested objects indented. The raw schema stays one click away.
import type { ReactNode } from "react";
import { CodeBlock } from "../components/common.js";

type Schema = Record<string, unknown>;

function typeOf(schema: Schema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if ("const" in schema) return `= ${JSON.stringify(schema.const)}`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type as string | undefined);
  if (type === "array" && schema.items && typeof schema.items === "object") {
    return `array of ${typeOf(schema.items as Schema)}`;
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as Schema[]).map(typeOf).join(" | ");
  }
  if (typeof schema.$ref === "string") return schema.$ref.split("/").pop() ?? "ref";
  return type ?? "any";
}

function constraints(schema: Schema): string[] {
  const out: string[] = [];
  for (const key of [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "format",
  ]) {
    if (schema[key] !== undefined) out.push(`${key} ${String(schema[key])}`);
  }
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

function rows(schema: Schema, depth: number, prefix: string): ReactNode[] {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(properties).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const row = (
      <tr key={path}>
        <td style={{ paddingLeft: `${0.5 + depth * 1.25}rem` }}>
          <code>{name}</code>
          {required.has(name) && (
            <span className="badge" title="required">
              required
            </span>
          )}
        </td>
        <td>{typeOf(property)}</td>
        <td>
          {property.description ? String(property.description) : ""}
          {constraints(property).length > 0 && (
            <div className="muted">{constraints(property).join(" · ")}</div>
          )}
        </td>
      </tr>
    );
    const nested = property.type === "object" && depth < 4 ? rows(property, depth + 1, path) : [];
    return [row, ...nested];
  });
}

export function SchemaView({ schema, label }: { schema: Schema | undefined; label: string }) {
  if (!schema) return null;
  const body = rows(schema, 0, "");
  return (
    <div>
      {body.length === 0 ? (
        <p className="muted">{label}: no parameters.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption style={{ textAlign: "left", fontWeight: 600 }}>{label}</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Type</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>{body}</tbody>
          </table>
        </div>
      )}
      <details>
        <summary>{label} as JSON Schema</summary>
        <CodeBlock>{JSON.stringify(schema, null, 2)}</CodeBlock>
      </details>
    </div>
  );
}
