import { describe, expect, test } from "vitest";
import {
  listReferences,
  parseReference,
  resolveTemplate,
  type TemplateContext,
  TemplateReferenceError,
} from "../../../shared/workflows/references.js";

const context: TemplateContext = {
  input: { city: "Paris", n: 3, flags: { on: true }, tags: ["a", "b"] },
  steps: {
    fetch: {
      status: "SUCCEEDED",
      output: { text: "sunny", json: { items: [{ id: 7 }, { id: 8 }], "max-temp": 21 } },
    },
    skipped: { status: "SKIPPED" },
  },
  item: { name: "x", size: 2 },
};

describe("parseReference", () => {
  test("reads roots, names, dashes and indexes", () => {
    expect(parseReference(" steps.a.output.json.items[0].id ")).toEqual({
      text: "steps.a.output.json.items[0].id",
      root: "steps",
      stepId: "a",
      path: ["output", "json", "items", 0, "id"],
    });
    expect(parseReference("item")).toEqual({ text: "item", root: "item", path: [] });
    expect(parseReference("input.max-temp").path).toEqual(["max-temp"]);
  });

  test("refuses unknown roots and malformed paths", () => {
    expect(() => parseReference("env.HOME")).toThrow(TemplateReferenceError);
    expect(() => parseReference("input..x")).toThrow(TemplateReferenceError);
    expect(() => parseReference("input.x[a]")).toThrow(TemplateReferenceError);
    expect(() => parseReference("steps")).toThrow(TemplateReferenceError);
  });
});

describe("resolveTemplate", () => {
  test("a whole-value reference keeps the JSON type", () => {
    expect(
      resolveTemplate(
        { n: "{{ input.n }}", flags: "{{input.flags}}", id: "{{ steps.fetch.output.json.items[1].id }}" },
        context,
      ),
    ).toEqual({ n: 3, flags: { on: true }, id: 8 });
  });

  test("references inside a longer string interpolate, non-strings as JSON", () => {
    expect(resolveTemplate("{{ input.city }} is {{ steps.fetch.output.text }}", context)).toBe(
      "Paris is sunny",
    );
    expect(resolveTemplate("n={{ input.n }} tags={{ input.tags }}", context)).toBe('n=3 tags=["a","b"]');
    expect(resolveTemplate(" {{ input.n }}", context)).toBe(" 3");
  });

  test("resolves item, keys with dashes, arrays and nested objects, and leaves literals alone", () => {
    expect(
      resolveTemplate(
        {
          list: ["{{ item.name }}", 1, null, { deep: "{{ steps.fetch.output.json.max-temp }}" }],
          literal: true,
        },
        context,
      ),
    ).toEqual({ list: ["x", 1, null, { deep: 21 }], literal: true });
  });

  test("does not change the context it reads", () => {
    const resolved = resolveTemplate("{{ input.flags }}", context) as { on: boolean };
    resolved.on = false;
    expect((context.input as { flags: { on: boolean } }).flags.on).toBe(true);
  });

  test("a missing path, step, output or item throws naming the reference", () => {
    expect(() => resolveTemplate("{{ input.country }}", context)).toThrow(/input\.country/);
    expect(() => resolveTemplate("{{ steps.nope.output }}", context)).toThrow(TemplateReferenceError);
    expect(() => resolveTemplate("x {{ steps.skipped.output.text }}", context)).toThrow(
      TemplateReferenceError,
    );
    expect(() => resolveTemplate("{{ input.tags[5] }}", context)).toThrow(TemplateReferenceError);
    expect(() => resolveTemplate("{{ item }}", { input: {}, steps: {} })).toThrow(TemplateReferenceError);
  });

  test("a step's status is readable", () => {
    expect(resolveTemplate("{{ steps.skipped.status }}", context)).toBe("SKIPPED");
  });
});

describe("listReferences", () => {
  test("lists every reference with where it sits, and flags malformed ones", () => {
    const found = listReferences({
      a: "{{ input.x }} and {{ steps.s.output }}",
      b: [{ c: "{{ bad.root }}" }],
    });
    expect(found.map((f) => [f.at, f.reference?.text ?? f.error?.slice(0, 14)])).toEqual([
      ["a", "input.x"],
      ["a", "steps.s.output"],
      ["b[0].c", "`{{ bad.root }"],
    ]);
  });
});
