import { describe, expect, test } from "vitest";
import { parseWorkflow, type WorkflowDefinitionInput } from "../../../shared/workflows/definition.js";
import { type ToolCatalog, validateWorkflow } from "../../../shared/workflows/validate.js";

const SERVER = "io.github.modelcontextprotocol/server-everything@2026.8.31";

function workflow(steps: WorkflowDefinitionInput["steps"], output?: unknown) {
  return parseWorkflow({ name: "w", steps, ...(output === undefined ? {} : { output }) });
}
const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  server: SERVER,
  tool: "echo",
  ...extra,
});

describe("validateWorkflow", () => {
  test("a well-formed diamond has no issues", () => {
    const issues = validateWorkflow(
      workflow([
        step("a", { arguments: { message: "{{ input.m }}" } }),
        step("b", { depends_on: ["a"], arguments: { message: "{{ steps.a.output.text }}" } }),
        step("c", {
          depends_on: ["a"],
          for_each: { items: "{{ steps.a.output.json.list }}" },
          arguments: { message: "{{ item.x }}" },
        }),
        step("d", {
          depends_on: ["b", "c"],
          arguments: { message: "{{ steps.a.output.text }} {{ steps.c.output[0].text }}" },
        }),
      ]),
    );
    expect(issues).toEqual([]);
  });

  test("names an unknown step in depends_on by index", () => {
    expect(validateWorkflow(workflow([step("a"), step("b", { depends_on: ["zz"] })]))).toEqual([
      { field: "steps[1].depends_on", rule: 'unknown step "zz"' },
    ]);
  });

  test("names a duplicate id", () => {
    expect(validateWorkflow(workflow([step("a"), step("a")]))).toEqual([
      { field: "steps[1].id", rule: 'duplicate step id "a" (also steps[0])' },
    ]);
  });

  test("names the steps of a cycle", () => {
    const issues = validateWorkflow(
      workflow([
        step("a", { depends_on: ["c"] }),
        step("b", { depends_on: ["a"] }),
        step("c", { depends_on: ["b"] }),
      ]),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe("steps[0].depends_on");
    expect(issues[0]?.rule).toMatch(/^dependency cycle: /);
    for (const id of ["a", "b", "c"]) expect(issues[0]?.rule).toContain(id);
  });

  test("a step depending on itself is reported", () => {
    const issues = validateWorkflow(workflow([step("a", { depends_on: ["a"] })]));
    expect(issues).toContainEqual({ field: "steps[0].depends_on", rule: "a step cannot depend on itself" });
  });

  test("a reference to a step that is not an ancestor names the argument", () => {
    const issues = validateWorkflow(
      workflow([
        step("a"),
        step("b"),
        step("fetch", { depends_on: ["a"], arguments: { city: "{{ steps.b.output.text }}" } }),
      ]),
    );
    expect(issues).toEqual([
      {
        field: "steps.fetch.arguments.city",
        rule: 'refers to step "b", which is not an ancestor of "fetch" through depends_on (add it to depends_on)',
      },
    ]);
  });

  test("an ancestor reached transitively is allowed", () => {
    const issues = validateWorkflow(
      workflow([
        step("a"),
        step("b", { depends_on: ["a"] }),
        step("c", { depends_on: ["b"], arguments: { m: "{{ steps.a.output }}" } }),
      ]),
    );
    expect(issues).toEqual([]);
  });

  test("for_each.items, when.path and output references are checked", () => {
    const issues = validateWorkflow(
      workflow(
        [
          step("a"),
          step("b", { for_each: { items: "{{ steps.a.output.json }}" } }),
          step("c", { when: { any: [{ path: "steps.zz.status", equals: "SUCCEEDED" }] } }),
          step("d", { for_each: { items: "not {{ a }} reference" } }),
        ],
        { x: "{{ steps.nope.output }}" },
      ),
    );
    expect(issues.map((i) => i.field)).toEqual([
      "steps.b.for_each.items",
      "steps.c.when.any[0].path",
      "steps.d.for_each.items",
      "output.x",
    ]);
    expect(issues[1]?.rule).toBe('refers to unknown step "zz"');
  });

  test("item is only allowed in a for_each step's arguments", () => {
    const issues = validateWorkflow(workflow([step("a", { arguments: { m: "{{ item }}" } })]));
    expect(issues).toEqual([
      {
        field: "steps.a.arguments.m",
        rule: "`item` is only defined in the arguments of a step with for_each",
      },
    ]);
  });

  test("a malformed reference is reported where it is", () => {
    const issues = validateWorkflow(workflow([step("a", { arguments: { m: ["{{ secrets.x }}"] } })]));
    expect(issues[0]?.field).toBe("steps.a.arguments.m[0]");
  });

  describe("with the tool catalogue", () => {
    const tools: ToolCatalog = {
      [SERVER]: {
        echo: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
        "get-sum": {
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" } },
          required: ["a", "b"],
          additionalProperties: false,
        },
      },
      "io.github.x/unprobed@1": null,
    };

    test("an unknown tool names the step's tool field and lists the real tools", () => {
      const issues = validateWorkflow(workflow([step("a", { tool: "add", arguments: {} })]), { tools });
      expect(issues).toEqual([
        { field: "steps.a.tool", rule: `unknown tool "add" on ${SERVER} (tools: echo, get-sum)` },
      ]);
    });

    test("a missing required argument and a literal of the wrong type are named", () => {
      const issues = validateWorkflow(
        workflow([
          step("a", { tool: "get-sum", arguments: { a: "one", c: 1 } }),
          step("b", { arguments: { message: 5 } }),
        ]),
        { tools },
      );
      expect(issues).toEqual([
        { field: "steps.a.arguments.b", rule: "is required by the tool" },
        { field: "steps.a.arguments.a", rule: "must be number (the tool's input schema), not string" },
        { field: "steps.a.arguments.c", rule: "is not a parameter of the tool" },
        { field: "steps.b.arguments.message", rule: "must be string (the tool's input schema), not number" },
      ]);
    });

    test("a whole-value reference is not type-checked, an interpolated one is a string", () => {
      const issues = validateWorkflow(
        workflow([
          step("a", { tool: "get-sum", arguments: { a: "{{ input.a }}", b: "{{ input.b }} apples" } }),
        ]),
        { tools },
      );
      expect(issues).toEqual([
        { field: "steps.a.arguments.b", rule: "must be number (the tool's input schema), not string" },
      ]);
    });

    test("unprobed and unknown server versions are left to the caller", () => {
      const issues = validateWorkflow(
        workflow([
          { id: "a", server: "io.github.x/unprobed@1", tool: "whatever" },
          { id: "b", server: "io.github.x/unknown@1", tool: "whatever" },
        ]),
        { tools },
      );
      expect(issues).toEqual([]);
    });
  });
});
