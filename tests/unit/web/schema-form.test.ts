// JSON Schema → form fields (web/src/forms/schema-form.ts) and whole-value validation (validate.ts): which input
// each schema becomes, what falls back to JSON, and the values the inputs stand for.
import { describe, expect, it } from "vitest";
import {
  fieldOf,
  fieldsOf,
  initialValue,
  MAX_DEPTH,
  parseInput,
} from "../../../web/src/forms/schema-form.js";
import { validateAgainst } from "../../../web/src/forms/validate.js";

describe("fieldsOf", () => {
  it("maps each property to the input its type, format and enum call for, in declaration order", () => {
    const fields = fieldsOf({
      type: "object",
      required: ["city", "days"],
      properties: {
        city: { type: "string", description: "Where" },
        days: { type: "integer", minimum: 1, maximum: 7 },
        units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
        alerts: { type: "boolean" },
        email: { type: "string", format: "email" },
        site: { type: "string", format: "uri" },
        when: { type: "string", format: "date-time" },
        message: { type: "string" },
      },
    });
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["city", "string", true],
      ["days", "integer", true],
      ["units", "enum", false],
      ["alerts", "boolean", false],
      ["email", "string", false],
      ["site", "string", false],
      ["when", "string", false],
      ["message", "string", false],
    ]);
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName.days).toMatchObject({ minimum: 1, maximum: 7 });
    expect(byName.email).toMatchObject({ inputType: "email" });
    expect(byName.site).toMatchObject({ inputType: "url" });
    expect(byName.when).toMatchObject({ inputType: "datetime-local" });
    expect(byName.message).toMatchObject({ inputType: "textarea" });
    expect(byName.city).toMatchObject({ inputType: "text", description: "Where" });
  });

  it("unwraps nullable unions and turns const/title unions into a labelled choice", () => {
    expect(fieldOf({ anyOf: [{ type: "number" }, { type: "null" }] }, "n", false)).toMatchObject({
      kind: "number",
      nullable: true,
    });
    expect(fieldOf({ type: ["string", "null"] }, "s", false)).toMatchObject({
      kind: "string",
      nullable: true,
    });
    expect(
      fieldOf(
        {
          oneOf: [
            { const: "a", title: "Alpha" },
            { const: "b", title: "Beta" },
          ],
        },
        "pick",
        true,
      ),
    ).toMatchObject({
      kind: "enum",
      options: [
        { value: "a", label: "Alpha" },
        { value: "b", label: "Beta" },
      ],
    });
  });

  it("nests objects and arrays as fields, and falls back to JSON for $ref, object unions and depth", () => {
    const nested = fieldOf(
      {
        type: "object",
        properties: {
          tags: { type: "array", items: { type: "string" } },
          geo: { type: "object", properties: { lat: { type: "number" } } },
        },
      },
      "place",
      true,
    );
    expect(nested).toMatchObject({
      kind: "object",
      fields: [
        { name: "tags", kind: "array", items: { kind: "string" } },
        { name: "geo", kind: "object", fields: [{ name: "lat", kind: "number" }] },
      ],
    });
    expect(fieldOf({ $ref: "#/$defs/Thing" }, "thing", false).kind).toBe("json");
    expect(fieldOf({ oneOf: [{ type: "object" }, { type: "string" }] }, "either", false).kind).toBe("json");
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i <= MAX_DEPTH; i++) deep = { type: "object", properties: { next: deep } };
    let field = fieldOf(deep, "root", false);
    let depth = 0;
    while (field.kind === "object") {
      field = field.fields[0]!;
      depth++;
    }
    expect(field.kind).toBe("json");
    expect(depth).toBe(MAX_DEPTH);
  });

  it("starts from the schema's defaults and leaves optional fields out", () => {
    const fields = fieldsOf({
      type: "object",
      required: ["opts"],
      properties: {
        units: { type: "string", default: "metric" },
        note: { type: "string" },
        opts: { type: "object", properties: { verbose: { type: "boolean", default: false } } },
      },
    });
    expect(initialValue(fields)).toEqual({ units: "metric", opts: { verbose: false } });
  });
});

describe("parseInput", () => {
  const number = fieldOf({ type: "number" }, "n", false);
  const json = fieldOf({ $ref: "#/x" }, "j", false);
  const optional = fieldOf({ type: "string" }, "s", false);
  const required = fieldOf({ type: "string" }, "s", true);
  it("turns text into the value the field stands for", () => {
    expect(parseInput(number, "2.5")).toBe(2.5);
    expect(parseInput(number, "")).toBeUndefined();
    expect(parseInput(number, "abc")).toBe("abc"); // left as typed, so validation names it
    expect(parseInput(json, '{"a":1}')).toEqual({ a: 1 });
    expect(parseInput(json, "{broken")).toBe("{broken");
    expect(parseInput(optional, "")).toBeUndefined();
    expect(parseInput(required, "")).toBe("");
  });
});

describe("validateAgainst", () => {
  const schema = {
    type: "object",
    required: ["a", "b"],
    properties: {
      a: { type: "number" },
      b: { type: "string", minLength: 2 },
      c: { type: "array", items: { type: "integer" } },
    },
  };
  it("accepts a matching value", () => {
    expect(validateAgainst(schema, { a: 1, b: "xy", c: [1, 2] })).toEqual([]);
  });
  it("names each failing field by its path", () => {
    const errors = validateAgainst(schema, { a: "one", b: "x", c: [1, 2.5] });
    expect(errors.map((e) => e.field).sort()).toEqual(["a", "b", "c.1"]);
  });
  it("names a missing required field", () => {
    const errors = validateAgainst(schema, { a: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/b/);
  });
});

describe("rangeOfField (where a validation error is drawn)", () => {
  it("finds a step by index or by id, and the field in it", async () => {
    const { rangeOfField } = await import("../../../web/src/workflow/yaml-positions.js");
    const text = "name: w\nsteps:\n  - id: a\n    tool: echo\n  - id: b\n    tool: nope\n";
    const byId = rangeOfField(text, "steps.b.tool");
    expect(text.slice(byId.from, byId.to)).toBe("nope");
    const byIndex = rangeOfField(text, "body.steps[1].tool");
    expect(text.slice(byIndex.from, byIndex.to)).toBe("nope");
    // A field the text lacks points at its nearest ancestor's key.
    const missing = rangeOfField(text, "steps.b.depends_on");
    expect(text.slice(missing.from, missing.to)).toContain("id: b");
  });
});
