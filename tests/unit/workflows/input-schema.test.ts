// A workflow's `input` JSON Schema: run inputs are checked against it field by field, and a schema that is not one
// is refused when the workflow is saved.
import { describe, expect, it } from "vitest";
import { UnprocessableError, ValidationError } from "../../../shared/errors.js";
import { checkRunInput, inputSchemaIssues } from "../../../shared/workflows/input-schema.js";

/** The issues checkRunInput throws with, or [] when the input passes. */
function runIssues(schema: Record<string, unknown>, input: unknown) {
  try {
    checkRunInput(schema, input);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
}

const typed = {
  type: "object",
  required: ["name", "count"],
  properties: { name: { type: "string" }, count: { type: "number" } },
};

describe("checkRunInput", () => {
  it("accepts matching input and anything when there is no schema", () => {
    expect(runIssues(typed, { name: "Ada", count: 1 })).toEqual([]);
    expect(() => checkRunInput(undefined, { anything: true })).not.toThrow();
  });

  it("names the failing field and the rule, as the API answers it", () => {
    expect(runIssues(typed, { name: "Ada", count: "many" })).toEqual([
      { field: "input.count", rule: "must be number" },
    ]);
    expect(runIssues(typed, { count: 1 })).toEqual([
      { field: "input.name", rule: "must have required property 'name'" },
    ]);
  });

  it("reports every error, nested ones with their dotted path", () => {
    const schema = {
      type: "object",
      properties: {
        user: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "integer" }, tags: { type: "array", items: { type: "string" } } },
          additionalProperties: false,
        },
      },
    };
    expect(runIssues(schema, { user: { tags: ["a", 2], extra: 1 } })).toEqual([
      { field: "input.user.id", rule: "must have required property 'id'" },
      { field: "input.user.tags.1", rule: "must be string" },
      { field: "input.user.extra", rule: "is not allowed" },
    ]);
  });

  it("checks formats: date-time, email, uri, uuid", () => {
    const schema = {
      type: "object",
      properties: {
        when: { type: "string", format: "date-time" },
        email: { type: "string", format: "email" },
        site: { type: "string", format: "uri" },
        id: { type: "string", format: "uuid" },
      },
    };
    const good = {
      when: "2026-01-02T03:04:05Z",
      email: "ada@example.com",
      site: "https://example.com/a",
      id: "123e4567-e89b-12d3-a456-426614174000",
    };
    expect(runIssues(schema, good)).toEqual([]);
    expect(runIssues(schema, { when: "yesterday", email: "nobody", site: "not a uri", id: "42" })).toEqual([
      { field: "input.when", rule: 'must match format "date-time"' },
      { field: "input.email", rule: 'must match format "email"' },
      { field: "input.site", rule: 'must match format "uri"' },
      { field: "input.id", rule: 'must match format "uuid"' },
    ]);
  });

  it("words bounds, enums and $ref'd rules like Ajv did", () => {
    const schema = {
      $defs: { small: { type: "integer", minimum: 1, exclusiveMaximum: 10 } },
      type: "object",
      properties: {
        n: { $ref: "#/$defs/small" },
        m: { $ref: "#/$defs/small" },
        colour: { enum: ["red", "green"] },
        code: { type: "string", pattern: "^[A-Z]{3}$", minLength: 3 },
      },
    };
    expect(runIssues(schema, { n: 0, m: 10, colour: "blue", code: "ab" })).toEqual([
      { field: "input.n", rule: "must be >= 1" },
      { field: "input.m", rule: "must be < 10" },
      { field: "input.colour", rule: "must be equal to one of the allowed values" },
      { field: "input.code", rule: "must NOT have fewer than 3 characters" },
      { field: "input.code", rule: 'must match pattern "^[A-Z]{3}$"' },
    ]);
  });

  it("words size bounds on strings, arrays and objects as Ajv does", () => {
    const schema = {
      type: "object",
      properties: {
        tags: { type: "array", maxItems: 1 },
        meta: { type: "object", minProperties: 2 },
        note: { type: "string", maxLength: 2 },
      },
    };
    expect(runIssues(schema, { tags: [1, 2], meta: { a: 1 }, note: "abc" })).toEqual([
      { field: "input.tags", rule: "must NOT have more than 1 items" },
      { field: "input.meta", rule: "must NOT have fewer than 2 properties" },
      { field: "input.note", rule: "must NOT have more than 2 characters" },
    ]);
  });

  it("defaults to draft 2020-12 and honours $schema", () => {
    // 2020-12: prefixItems constrains positions, items the rest.
    const tuple = { type: "array", prefixItems: [{ type: "string" }], items: { type: "number" } };
    expect(runIssues(tuple, ["a", 1])).toEqual([]);
    expect(runIssues(tuple, [1, "a"]).map((i) => i.field)).toEqual(["input.0", "input.1"]);
    // Draft 7: an array `items` is the tuple form.
    const draft7 = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "array",
      items: [{ type: "string" }],
    };
    expect(runIssues(draft7, ["a", 1])).toEqual([]);
    expect(runIssues(draft7, [1])).toEqual([{ field: "input.0", rule: "must be string" }]);
  });

  it("does not let validation change the stored schema", () => {
    const schema = {
      type: "object",
      properties: { a: { $ref: "#/$defs/a" } },
      $defs: { a: { type: "string" } },
    };
    const before = JSON.stringify(schema);
    expect(runIssues(schema, { a: 1 })).toEqual([{ field: "input.a", rule: "must be string" }]);
    expect(JSON.stringify(schema)).toBe(before);
    expect(Object.getOwnPropertyNames(schema.properties.a)).toEqual(["$ref"]);
  });

  it("refuses to run against a stored schema that is not a JSON Schema", () => {
    expect(() => checkRunInput({ type: "nope" }, {})).toThrow(UnprocessableError);
  });
});

describe("inputSchemaIssues", () => {
  it("accepts valid schemas of each draft", () => {
    expect(inputSchemaIssues(undefined)).toEqual([]);
    expect(inputSchemaIssues(typed)).toEqual([]);
    expect(
      inputSchemaIssues({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: ["string", "null"],
      }),
    ).toEqual([]);
    expect(inputSchemaIssues({ $schema: "http://json-schema.org/draft-07/schema#", items: [{}] })).toEqual(
      [],
    );
    expect(
      inputSchemaIssues({
        $schema: "http://json-schema.org/draft-04/schema#",
        minimum: 0,
        exclusiveMinimum: true,
      }),
    ).toEqual([]);
    expect(inputSchemaIssues({ properties: { a: true, b: false }, "x-unknown-keyword": 1 })).toEqual([]);
  });

  it.each([
    [{ type: "nope" }, "input.type"],
    [{ properties: 5 }, "input.properties"],
    [{ required: "x" }, "input.required"],
    [{ properties: { a: { minLength: -1 } } }, "input.properties.a.minLength"],
    [{ items: [{}] }, "input.items"],
    [{ pattern: "(" }, "input.pattern"],
    [{ anyOf: [] }, "input.anyOf"],
    [{ $ref: "#/$defs/missing" }, 'cannot resolve $ref "#/$defs/missing"'],
    [{ $ref: "https://example.com/elsewhere.json" }, "cannot resolve $ref"],
    [{ $schema: "https://example.com/my-draft" }, "$schema names no known JSON Schema draft"],
  ])("refuses %j, naming %s", (schema, named) => {
    const issues = inputSchemaIssues(schema);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe("input");
    expect(issues[0]!.rule).toMatch(/^must be a valid JSON Schema: /);
    expect(issues[0]!.rule).toContain(named);
  });
});
