// Completion in the workflow YAML editor (web/src/editors/yaml-completion.ts), against the real schema the API
// publishes (its OpenAPI document's WorkflowDefinitionInput): where the cursor is from indentation, the keys a
// mapping may still take, enum values, and a step's other values (its server, while its tool is completed).
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../../shared/api/openapi.js";
import {
  cursorAt,
  enumSuggestions,
  type JsonSchema,
  keySuggestions,
  resolverFor,
  siblingValue,
} from "../../../web/src/editors/yaml-completion.js";

const components = (openApiDocument() as { components: { schemas: Record<string, JsonSchema> } }).components
  .schemas;
const root = components.WorkflowDefinitionInput!;
const resolve = resolverFor(components);

/** The text with `|` marking the cursor. */
function at(marked: string) {
  const pos = marked.indexOf("|");
  const text = marked.replace("|", "");
  return { text, pos, cursor: cursorAt(text, pos)! };
}
const labels = (list: { label: string }[]) => list.map((s) => s.label).sort();

const WORKFLOW = `name: demo
steps:
  - id: greet
    server: io.github.acme/weather@1.2.0
    tool: forecast
  - id: shout
    server: io.github.acme/loud@2.0.0
    |
    retry:
      max_attempts: 3
`;

describe("cursorAt: the mapping the cursor is in, from indentation", () => {
  it("finds a step's mapping, its keys so far (above and below), and the word typed", () => {
    const { cursor } = at(WORKFLOW.replace("    |", "    ti|"));
    expect(cursor).toMatchObject({ path: ["steps", "[]"], kind: "key", word: "ti" });
    expect(cursor.siblings.sort()).toEqual(["id", "retry", "server"]);
  });

  it("finds the top level, a nested mapping, a new sequence item and a value", () => {
    expect(at(`name: x\nde|\nsteps:\n  - id: a\n`).cursor).toMatchObject({
      path: [],
      siblings: ["steps", "name"],
    });
    const nested = WORKFLOW.replace("    |\n", "").replace(
      "      max_attempts: 3",
      "      max_attempts: 3\n      back|",
    );
    expect(at(nested).cursor).toMatchObject({
      path: ["steps", "[]", "retry"],
      word: "back",
    });
    expect(at(`name: x\nsteps:\n  - id: a\n    tool: t\n  - i|`).cursor).toMatchObject({
      path: ["steps", "[]"],
      word: "i",
      siblings: [],
    });
    // Sequence items written flush with their key (YAML allows it).
    expect(at(`name: x\nsteps:\n- id: a\n  to|`).cursor).toMatchObject({ path: ["steps", "[]"], word: "to" });
    expect(at(WORKFLOW.replace("    |", "    on_error: co|")).cursor).toMatchObject({
      path: ["steps", "[]"],
      kind: "value",
      key: "on_error",
      word: "co",
    });
  });

  it("gives up where indentation says nothing readable (a key after a flow value, a top-level sequence)", () => {
    expect(cursorAt("- a\n- b", 7)).toBeUndefined();
    expect(at(`name: x\nsteps: [\n  fo|`).cursor).toBeUndefined();
  });
});

describe("suggestions from the workflow schema", () => {
  it("offers the step keys not written yet, with their types", () => {
    const { cursor } = at(WORKFLOW.replace("    |", "    |"));
    const keys = keySuggestions(root, cursor, resolve);
    expect(labels(keys)).toEqual(
      [
        "arguments",
        "depends_on",
        "description",
        "for_each",
        "on_error",
        "timeout_seconds",
        "tool",
        "when",
      ].sort(),
    );
    expect(keys.find((k) => k.label === "timeout_seconds")?.detail).toBe("integer");
  });

  it("offers the top-level keys, a nested object's keys and a condition's operators", () => {
    expect(labels(keySuggestions(root, at("|\nsteps: []").cursor, resolve))).toEqual(
      ["description", "input", "name", "output"].sort(),
    );
    const retry = at(`steps:\n  - id: a\n    retry:\n      |`).cursor;
    expect(labels(keySuggestions(root, retry, resolve))).toEqual([
      "backoff_rate",
      "interval_seconds",
      "max_attempts",
    ]);
    const when = at(`steps:\n  - id: a\n    when:\n      |`).cursor;
    expect(labels(keySuggestions(root, when, resolve))).toEqual(
      expect.arrayContaining(["path", "equals", "all", "any"]),
    );
  });

  it("offers an enum's values (on_error) and nothing for a free value", () => {
    const onError = at(WORKFLOW.replace("    |", "    on_error: |")).cursor;
    expect(labels(enumSuggestions(root, onError, resolve))).toEqual(["continue", "fail"]);
    const tool = at(WORKFLOW.replace("    |", "    tool: |")).cursor;
    expect(enumSuggestions(root, tool, resolve)).toEqual([]);
  });

  it("reads the step's server while its tool is completed, not another step's", () => {
    const { text, pos } = at(WORKFLOW.replace("    |", "    tool: |"));
    expect(siblingValue(text, pos, "server")).toBe("io.github.acme/loud@2.0.0");
    const first = at(WORKFLOW.replace("    tool: forecast", "    tool: fo|").replace("    |\n", ""));
    expect(siblingValue(first.text, first.pos, "server")).toBe("io.github.acme/weather@1.2.0");
  });
});
