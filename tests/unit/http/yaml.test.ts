// YAML bodies, workflow files and front matter: YAML 1.2 core schema as JSON values, errors that say where, and the
// alias budget that refuses billion-laughs documents before anything walks their expansion.
import { describe, expect, it } from "vitest";
import { BadRequestError, ValidationError } from "../../../shared/errors.js";
import { splitFrontMatter } from "../../../shared/mcds/front-matter.js";
import { parseWorkflowText } from "../../../shared/workflows/definition-text.js";
import { parseYaml, YamlSyntaxError } from "../../../shared/yaml.js";

/** Nine anchors, each a list of nine aliases of the one before: 9^9 "lol"s once expanded, 600 bytes of YAML. */
const LAUGHS = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  ..."bcdefghi"
    .split("")
    .map((name, i) => `${name}: &${name} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`),
].join("\n");

/** One anchor used `uses` times. */
const flat = (uses: number) => `a: &a [1, 2]\nb: [${Array(uses).fill("*a").join(", ")}]`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
}

describe("parseYaml", () => {
  it("reads the YAML 1.2 core schema: timestamps, yes and on stay strings, << is an ordinary key", () => {
    expect(
      parseYaml(
        "d: 2024-01-02\nt: 2024-01-02T03:04:05Z\ny: yes\no: on\nb: true\nn: ~\ni: 0x1F\nm:\n  <<: {x: 1}",
      ),
    ).toEqual({
      d: "2024-01-02",
      t: "2024-01-02T03:04:05Z",
      y: "yes",
      o: "on",
      b: true,
      n: null,
      i: 31,
      m: { "<<": { x: 1 } },
    });
  });

  it("answers null for a text without a document", () => {
    expect(parseYaml("")).toBeNull();
    expect(parseYaml("# only a comment\n")).toBeNull();
    expect(parseYaml("---\n")).toBeNull();
  });

  it("refuses duplicate keys, several documents and unknown tags, saying where when it knows", () => {
    const duplicate = thrown(() => parseYaml("a: 1\na: 2"));
    expect(duplicate).toBeInstanceOf(YamlSyntaxError);
    expect(duplicate).toMatchObject({
      line: 2,
      column: 1,
      message: "duplicated mapping key at line 2, column 1",
    });
    expect(thrown(() => parseYaml("a: 1\n---\nb: 2"))).toBeInstanceOf(YamlSyntaxError);
    expect(thrown(() => parseYaml("a: !!timestamp 2024-01-01"))).toMatchObject({ line: 1, column: 4 });
    expect(thrown(() => parseYaml("name: [unclosed"))).toMatchObject({ line: 1, column: 16 });
  });

  it("refuses a billion laughs with the alias budget", () => {
    expect(thrown(() => parseYaml(LAUGHS))).toEqual(
      new ReferenceError("Excessive alias count indicates a resource exhaustion attack"),
    );
    expect(thrown(() => parseYaml(LAUGHS, { maxAliasCount: 100 }))).toBeInstanceOf(ReferenceError);
  });

  it("spends the budget as the yaml package did: an anchor may be used 99 times, not 100", () => {
    expect((parseYaml(flat(99)) as { b: unknown[] }).b).toHaveLength(99);
    expect(thrown(() => parseYaml(flat(100)))).toBeInstanceOf(ReferenceError);
    // Nested anchors multiply: 9 uses of an anchor that holds 9 uses is (9 + 1) × (9 + 1) = 100, within the budget.
    const nested = (uses: number) =>
      `a: &a [1]\nb: &b [${Array(9).fill("*a").join(", ")}]\nc: [${Array(uses).fill("*b").join(", ")}]`;
    expect(parseYaml(nested(9))).toBeTruthy();
    expect(thrown(() => parseYaml(nested(10)))).toBeInstanceOf(ReferenceError);
  });

  it("lifts the budget with -1 and refuses every alias with 0", () => {
    expect((parseYaml(flat(150), { maxAliasCount: -1 }) as { b: unknown[] }).b).toHaveLength(150);
    expect(thrown(() => parseYaml(flat(1), { maxAliasCount: 0 }))).toEqual(
      new ReferenceError("Alias resolution is disabled"),
    );
  });
});

describe("the alias budget where YAML arrives", () => {
  it("refuses a billion-laughs workflow as a bad request naming the body", () => {
    const error = thrown(() => parseWorkflowText(`${LAUGHS}\nname: x\nsteps: []`, "application/yaml"));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/^Workflow is not valid YAML/);
  });

  it("refuses billion-laughs front matter as invalid front matter", () => {
    const error = thrown(() => splitFrontMatter(`---\n${LAUGHS}\n---\n# body`));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      "The front matter is not valid YAML: Excessive alias count indicates a resource exhaustion attack",
    );
  });

  it("names the line and column of broken workflow YAML only in the reason, as before", () => {
    const error = thrown(() => parseWorkflowText("name: [unclosed"));
    expect((error as BadRequestError).message).toBe(
      "Workflow is not valid YAML: unexpected end of the stream within a flow collection",
    );
  });
});
