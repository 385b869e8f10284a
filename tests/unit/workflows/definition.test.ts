import { describe, expect, test } from "vitest";
import { BadRequestError, ValidationError } from "../../../shared/errors.js";
import { parseWorkflow } from "../../../shared/workflows/definition.js";
import { parseWorkflowText } from "../../../shared/workflows/definition-text.js";

const YAML_WORKFLOW = `
name: weather-report
description: Fetch and summarise
input:
  type: object
  required: [city]
steps:
  - id: fetch
    server: io.github.example/weather@1.2.0
    tool: forecast
    arguments:
      city: "{{ input.city }}"
    retry: { max_attempts: 3 }
  - id: summarise
    server: { name: io.github.example/llm, version: 2.0.0 }
    tool: summarise
    depends_on: [fetch]
    arguments:
      text: "Forecast: {{ steps.fetch.output.text }}"
    when: { path: "{{ steps.fetch.output.json.ok }}", equals: true }
    on_error: continue
output:
  summary: "{{ steps.summarise.output.text }}"
`;

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError || error instanceof BadRequestError) return error.issues;
    throw error;
  }
  throw new Error("expected the workflow to be rejected");
}

describe("parseWorkflowText", () => {
  test("reads YAML and fills the defaults", () => {
    const workflow = parseWorkflowText(YAML_WORKFLOW, "application/yaml");
    expect(workflow.steps[0]).toMatchObject({
      id: "fetch",
      server: { name: "io.github.example/weather", version: "1.2.0" },
      depends_on: [],
      timeout_seconds: 300,
      on_error: "fail",
      retry: { max_attempts: 3, interval_seconds: 1, backoff_rate: 2 },
    });
    expect(workflow.steps[1]?.server).toEqual({ name: "io.github.example/llm", version: "2.0.0" });
    expect(workflow.steps[1]?.on_error).toBe("continue");
  });

  test("reads JSON with a JSON content type and gives the same definition as YAML", () => {
    const fromYaml = parseWorkflowText(YAML_WORKFLOW);
    const fromJson = parseWorkflowText(JSON.stringify(fromYaml), "application/json; charset=utf-8");
    expect(fromJson).toEqual(fromYaml);
  });

  test("accepts a server as a bare name, leaving the version to be pinned at save time", () => {
    const workflow = parseWorkflow({ name: "a", steps: [{ id: "a", server: "io.github.x/y", tool: "t" }] });
    expect(workflow.steps[0]?.server).toEqual({ name: "io.github.x/y" });
  });

  test("rejects syntax errors as a bad request naming the body", () => {
    expect(issuesOf(() => parseWorkflowText("{ not json", "application/json"))).toEqual([
      { field: "body", rule: "must be valid JSON" },
    ]);
    expect(issuesOf(() => parseWorkflowText("name: [unclosed"))[0]?.field).toBe("body");
  });

  test("rejects unknown fields at the top level, in a step and in a condition", () => {
    const issues = issuesOf(() =>
      parseWorkflow({
        name: "a",
        colour: "red",
        steps: [
          { id: "a", server: "io.github.x/y@1", tool: "t", retries: 3 },
          { id: "b", server: "io.github.x/y@1", tool: "t", when: { path: "{{ input.x }}", equal: 1 } },
        ],
      }),
    );
    expect(issues).toContainEqual({ field: "workflow", rule: "unknown field(s): colour" });
    expect(issues).toContainEqual({ field: "steps[0]", rule: "unknown field(s): retries" });
    expect(issues.some((i) => i.field.startsWith("steps[1].when") && i.rule.includes("equal"))).toBe(true);
  });

  test("rejects a bad name, step id, retry count and a condition with two operators", () => {
    const issues = issuesOf(() =>
      parseWorkflow({
        name: "Weather Report",
        steps: [
          { id: "1st", server: "io.github.x/y@1", tool: "t", retry: { max_attempts: 11 } },
          {
            id: "b",
            server: "io.github.x/y@1",
            tool: "t",
            when: { path: "{{ input.x }}", equals: 1, gt: 0 },
          },
        ],
      }),
    );
    const fields = issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining(["name", "steps[0].id", "steps[0].retry.max_attempts", "steps[1].when"]),
    );
  });

  test("accepts nested all / any / not conditions", () => {
    const workflow = parseWorkflow({
      name: "a",
      steps: [
        {
          id: "a",
          server: "io.github.x/y@1",
          tool: "t",
          when: { all: [{ path: "input.a", exists: true }, { not: { any: [{ path: "input.b", lt: 3 }] } }] },
        },
      ],
    });
    expect(workflow.steps[0]?.when).toEqual({
      all: [{ path: "input.a", exists: true }, { not: { any: [{ path: "input.b", lt: 3 }] } }],
    });
  });

  test("rejects an invalid server string", () => {
    const issues = issuesOf(() =>
      parseWorkflow({ name: "a", steps: [{ id: "a", server: "no-slash@1", tool: "t" }] }),
    );
    expect(issues[0]?.field).toBe("steps[0].server");
  });
});
