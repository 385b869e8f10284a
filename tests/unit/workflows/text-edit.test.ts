// The builder's text edits (shared/workflows/text-edit.ts, definition-edits.ts): each is a splice of the original
// text. Examples for each edit, then a property: random edits of random commented YAML (and pretty JSON) documents
// leave every line outside the touched steps byte-identical, and the text parses to the intended document.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Document, isMap, isScalar, isSeq, type Node, parseDocument, visit } from "yaml";
import {
  addDependency,
  addStep,
  removeDependency,
  removeStep,
  type StepField,
  setStepField,
  setWorkflowField,
} from "../../../shared/workflows/definition-edits.js";
import { applyChanges, editText, TextEditError } from "../../../shared/workflows/text-edit.js";
import { randomWorkflow } from "./random-workflow.js";

const apply = (text: string, changes: { from: number; to: number; insert: string }[]) =>
  applyChanges(text, changes);
const parse = (text: string) => parseDocument(text).toJS();

const COMMENTED = `# The diamond, trimmed.
name: demo   # the name
steps:
  # greets first
  - id: greet
    server: io.github.example/tools@1.0.0
    tool: echo
    arguments: { message: "Hello {{ input.name }}" }   # inline
  - id: sum
    server: io.github.example/tools@1.0.0
    tool: get-sum
    depends_on: [greet]   # after greet
    retry: { max_attempts: 3 }
    arguments:
      a: 1   # one
      b: 2
# the end
`;

describe("edits as splices", () => {
  it("sets a step's field in place: the value is replaced, the comment after it stays", () => {
    const out = apply(COMMENTED, setStepField(COMMENTED, "sum", "retry", { max_attempts: 5 }));
    expect(out).toBe(COMMENTED.replace("retry: { max_attempts: 3 }", "retry: { max_attempts: 5 }"));
  });

  it("adds a field at the end of the step, at its indentation", () => {
    const out = apply(COMMENTED, setStepField(COMMENTED, "greet", "timeout_seconds", 30));
    expect(out).toBe(COMMENTED.replace("   # inline\n", "   # inline\n    timeout_seconds: 30\n"));
  });

  it("writes a nested value as block YAML, and clears a field with its lines only", () => {
    const args = { a: "{{ steps.greet.output.text }}", list: [{ x: 1 }] };
    const set = apply(COMMENTED, setStepField(COMMENTED, "sum", "arguments", args));
    expect(parse(set).steps[1].arguments).toEqual(args);
    expect(set.startsWith(COMMENTED.slice(0, COMMENTED.indexOf("    arguments:\n      a: 1")))).toBe(true);
    expect(set.endsWith("# the end\n")).toBe(true);
    const cleared = apply(COMMENTED, setStepField(COMMENTED, "sum", "arguments", undefined));
    expect(cleared).toBe(COMMENTED.replace("    arguments:\n      a: 1   # one\n      b: 2\n", ""));
  });

  it("adds and removes depends_on entries; the last one removes the key", () => {
    const added = apply(COMMENTED, addDependency(COMMENTED, "greet", "sum"));
    expect(parse(added).steps[0].depends_on).toEqual(["sum"]);
    const two = apply(COMMENTED, addDependency(COMMENTED, "sum", "greet"));
    expect(two).toBe(COMMENTED);
    const removed = apply(COMMENTED, removeDependency(COMMENTED, "sum", "greet"));
    expect(removed).toBe(COMMENTED.replace("    depends_on: [greet]   # after greet\n", ""));
  });

  it("adds a step at the end of the list and removes one with the edges to it", () => {
    const added = apply(COMMENTED, addStep(COMMENTED, { id: "report", tool: "echo", depends_on: ["sum"] }));
    expect(added).toBe(
      COMMENTED.replace(
        "      b: 2\n",
        "      b: 2\n  - id: report\n    tool: echo\n    depends_on: [ sum ]\n",
      ),
    );
    const removed = apply(COMMENTED, removeStep(COMMENTED, "greet"));
    expect(parse(removed).steps).toEqual([
      {
        id: "sum",
        server: "io.github.example/tools@1.0.0",
        tool: "get-sum",
        retry: { max_attempts: 3 },
        arguments: { a: 1, b: 2 },
      },
    ]);
    expect(removed).toContain(
      "# The diamond, trimmed.\nname: demo   # the name\nsteps:\n  # greets first\n  - id: sum",
    );
  });

  it("grows an empty workflow's `steps: []` into a block list, and empties it again", () => {
    const empty = "name: empty\nsteps: []\n";
    const one = apply(empty, addStep(empty, { id: "a", server: "s", tool: "echo" }));
    expect(one).toBe("name: empty\nsteps:\n  - id: a\n    server: s\n    tool: echo\n");
    expect(apply(one, removeStep(one, "a"))).toBe(empty);
  });

  it("keeps a JSON document JSON, in its own indentation", () => {
    const json = `${JSON.stringify({ name: "j", steps: [{ id: "a", tool: "t", arguments: {} }] }, null, 4)}\n`;
    const added = apply(json, addStep(json, { id: "b", tool: "t", depends_on: ["a"] }));
    expect(JSON.parse(added).steps[1]).toEqual({ id: "b", tool: "t", depends_on: ["a"] });
    expect(added).toContain('        },\n        {\n            "id": "b",');
    const args = apply(added, setStepField(added, "a", "arguments", { m: "x" }));
    expect(JSON.parse(args).steps[0].arguments).toEqual({ m: "x" });
    const removed = apply(args, removeStep(args, "a"));
    expect(JSON.parse(removed).steps).toEqual([{ id: "b", tool: "t" }]);
  });

  it("sets workflow fields, adding maps on the way", () => {
    const out = editText("name: x\nsteps: []\n", {
      op: "set",
      path: ["input", "properties", "name"],
      value: { type: "string" },
    });
    expect(parse(out)).toEqual({ name: "x", steps: [], input: { properties: { name: { type: "string" } } } });
    const described = apply(out, setWorkflowField(out, "description", "Greets: then {{ x }}"));
    expect(parse(described).description).toBe("Greets: then {{ x }}");
  });

  it("refuses broken text and unknown steps with a TextEditError", () => {
    expect(() => addStep("name: [unclosed\n", { id: "a" })).toThrow(TextEditError);
    expect(() => removeStep(COMMENTED, "ghost")).toThrow(/No step "ghost"/);
    expect(() => addStep(COMMENTED, { id: "greet" })).toThrow(/exists/);
  });
});

// ---- the property ----

/** A small deterministic generator, so one fast-check seed decides every style choice of a document. */
function chooser(seed: number) {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 8) % n;
  };
}

/** The definition as YAML with comments before keys and after values, and some collections in flow style. */
function commentedYaml(definition: unknown, seed: number): string {
  const pick = chooser(seed);
  const doc = new Document(definition);
  let n = 0;
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node;
      if (pick(4) === 0) key.commentBefore = ` before ${n++}`;
      const value = pair.value as Node | null;
      if (isScalar(value) && pick(3) === 0) value.comment = ` after ${n++}`;
    },
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item)) && pick(2) === 0) seq.flow = true;
    },
    Map(_, map) {
      if (map !== doc.contents && map.items.every((pair) => isScalar(pair.value)) && pick(3) === 0)
        map.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, indent: 2 + pick(2) * 2 });
}

type Edit =
  | { kind: "set"; step: number; field: StepField; value: unknown }
  | { kind: "clear"; step: number; field: StepField }
  | { kind: "addDep"; step: number; on: number }
  | { kind: "removeDep"; step: number; on: number }
  | { kind: "addStep"; id: string }
  | { kind: "removeStep"; step: number };

const fieldValue = fc.oneof(
  fc.record({ field: fc.constant<StepField>("timeout_seconds"), value: fc.integer({ min: 2, max: 86_400 }) }),
  fc.record({ field: fc.constant<StepField>("on_error"), value: fc.constantFrom("fail", "continue") }),
  fc.record({
    field: fc.constant<StepField>("retry"),
    value: fc.record({
      max_attempts: fc.integer({ min: 1, max: 10 }),
      interval_seconds: fc.integer({ min: 1, max: 9 }),
    }),
  }),
  fc.record({
    field: fc.constant<StepField>("when"),
    value: fc.record({ path: fc.constant("{{ input.flag }}"), equals: fc.oneof(fc.boolean(), fc.string()) }),
  }),
  fc.record({
    field: fc.constant<StepField>("for_each"),
    value: fc.record({
      items: fc.constant("{{ input.items }}"),
      max_concurrency: fc.integer({ min: 0, max: 9 }),
    }),
  }),
  fc.record({ field: fc.constant<StepField>("description"), value: fc.string({ maxLength: 40 }) }),
  fc.record({
    field: fc.constant<StepField>("arguments"),
    // Arguments are JSON: fc.jsonValue also yields -0, which no JSON text can hold (it is written as 0).
    value: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
      { maxKeys: 4 },
    ),
  }),
);

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc
    .tuple(fc.nat(), fieldValue)
    .map(([step, { field, value }]) => ({ kind: "set" as const, step, field, value })),
  fc
    .tuple(fc.nat(), fc.constantFrom<StepField>("arguments", "timeout_seconds", "on_error", "retry", "when"))
    .map(([step, field]) => ({ kind: "clear" as const, step, field })),
  fc.tuple(fc.nat(), fc.nat()).map(([step, on]) => ({ kind: "addDep" as const, step, on })),
  fc.tuple(fc.nat(), fc.nat()).map(([step, on]) => ({ kind: "removeDep" as const, step, on })),
  fc.nat(99).map((n) => ({ kind: "addStep" as const, id: `new${n}` })),
  fc.nat().map((step) => ({ kind: "removeStep" as const, step })),
);

/** In `touched`: the lines from the `steps` key to the end of its list. */
const STEPS_KEY = -1;

interface Model {
  steps: Record<string, unknown>[];
}

/** The same edit on the parsed document, and the steps whose lines it may touch (all others must stay). */
function expected(model: Model, e: Edit): { model: Model; touched: number[] } | undefined {
  const next = structuredClone(model);
  const steps = next.steps;
  if (e.kind === "addStep") {
    if (steps.some((s) => s.id === e.id)) return undefined;
    steps.push({
      id: e.id,
      server: "io.github.example/tools@1.0.0",
      tool: "t",
      arguments: { m: "{{ input.n }}" },
    });
    // In JSON the last step's closing brace gains a comma.
    return { model: next, touched: [steps.length - 2] };
  }
  if (steps.length === 0) return undefined;
  const i = (e as { step: number }).step % steps.length;
  const step = steps[i]!;
  const id = step.id as string;
  const deps = () => (Array.isArray(step.depends_on) ? (step.depends_on as string[]) : []);
  switch (e.kind) {
    case "set":
      step[e.field] = e.value;
      return { model: next, touched: [i] };
    case "clear":
      delete step[e.field];
      return { model: next, touched: [i] };
    case "addDep": {
      const on = steps[e.on % steps.length]!.id as string;
      if (on !== id && !deps().includes(on)) step.depends_on = [...deps(), on];
      return { model: next, touched: [i] };
    }
    case "removeDep": {
      const list = deps();
      if (list.length === 0) return undefined;
      const on = list[e.on % list.length]!;
      const rest = list.filter((d) => d !== on);
      if (rest.length === 0) delete step.depends_on;
      else step.depends_on = rest;
      return { model: next, touched: [i] };
    }
    case "removeStep": {
      const touched = [i];
      steps.splice(i, 1);
      steps.forEach((other, j) => {
        const list = Array.isArray(other.depends_on) ? (other.depends_on as string[]) : [];
        if (!list.includes(id)) return;
        touched.push(j >= i ? j + 1 : j);
        const rest = list.filter((d) => d !== id);
        if (rest.length === 0) delete other.depends_on;
        else other.depends_on = rest;
      });
      // The previous step's closing brace loses its comma in JSON when the last step goes; the only step's
      // removal leaves `steps: []`, on the key's line.
      if (i > 0) touched.push(i - 1);
      if (steps.length === 0) touched.push(STEPS_KEY);
      return { model: next, touched };
    }
  }
}

function changesFor(text: string, model: Model, e: Edit) {
  const steps = model.steps;
  const idAt = (n: number) => steps[n % steps.length]!.id as string;
  switch (e.kind) {
    case "addStep":
      return addStep(text, {
        id: e.id,
        server: "io.github.example/tools@1.0.0",
        tool: "t",
        arguments: { m: "{{ input.n }}" },
      });
    case "set":
      return setStepField(text, idAt(e.step), e.field, e.value);
    case "clear":
      return setStepField(text, idAt(e.step), e.field, undefined);
    case "addDep":
      return addDependency(text, idAt(e.step), idAt(e.on));
    case "removeDep": {
      const step = steps[e.step % steps.length]!;
      const list = step.depends_on as string[];
      return removeDependency(text, step.id as string, list[e.on % list.length]!);
    }
    case "removeStep":
      return removeStep(text, idAt(e.step));
  }
}

/** The 0-based lines each step's item spans in `text` (from its dash to its last line); at STEPS_KEY, the list's. */
function stepLines(text: string): Record<number, [number, number]> {
  const doc = parseDocument(text);
  const steps = doc.get("steps", true);
  if (!isSeq(steps) || !isMap(doc.contents)) return {};
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length - 1;
  const lines = text.split("\n");
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "steps")!;
  const spans: Record<number, [number, number]> = {
    [STEPS_KEY]: [lineOf((pair.key as Node).range![0]), lineOf(steps.range![1])],
  };
  return Object.assign(
    spans,
    steps.items.map((item) => {
      const node = item as Node;
      const [start, end] = node.range!;
      // From the dash, which comment lines may separate from the item's first key (`- # note`), to its last line.
      let first = lineOf(start);
      while (
        first > 0 &&
        !/^\s*-(\s|$)/.test(lines[first]!) &&
        /^\s*(#.*)?$/.test(lines[first - 1]!.replace(/^\s*-/, ""))
      )
        first--;
      return [first, lineOf(Math.max(start, end - 1))] as [number, number];
    }),
  );
}

/**
 * 100 documents of up to 8 steps, up to 6 edits each: 4-9 s of CPU, 22.7 s of wall time in a CI run at high load
 * (38 % of vitest's 60 s), 185 s for 2,000 at load ~20. The budget is per document, not a fixed minute.
 */
const EDITED_DOCUMENTS = 100;
const DOCUMENT_BUDGET_MS = 2_000;

describe("random edits on commented documents", () => {
  it("leave every line outside the touched steps byte-identical and parse to the intended document", {
    timeout: EDITED_DOCUMENTS * DOCUMENT_BUDGET_MS,
  }, () => {
    fc.assert(
      fc.property(
        // Up to 8 steps: enough for every shape of edit, and a failure shrinks in seconds.
        randomWorkflow.map((definition) => ({ ...definition, steps: definition.steps.slice(0, 8) })),
        fc.integer(),
        fc.boolean(),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        (definition, seed, json, edits) => {
          let text = json
            ? `${JSON.stringify(definition, null, 2 + (seed & 1) * 2)}\n`
            : commentedYaml(definition, seed);
          let model = parse(text) as Model;
          for (const e of edits) {
            const next = expected(model, e);
            if (!next) continue;
            const spans = stepLines(text);
            const allowed = new Set<number>();
            for (const step of next.touched) {
              const span = spans[step];
              if (!span) continue;
              // A dash line holds the step's first key; the line before it may hold the previous step's end.
              for (let line = span[0]; line <= span[1]; line++) allowed.add(line);
            }
            const before = text;
            text = apply(text, changesFor(text, model, e));
            model = next.model;
            expect(parse(text), `after ${JSON.stringify(e)}:\n${text}`).toEqual(model);
            if (json) expect(JSON.parse(text)).toEqual(model);
            // Every line outside the touched steps is still there, byte for byte and in order.
            const result = text.split("\n");
            let at = 0;
            before.split("\n").forEach((original, k) => {
              if (allowed.has(k)) return;
              while (at < result.length && result[at] !== original) at++;
              expect(
                at < result.length,
                `line ${k + 1} lost by ${JSON.stringify(e)}:\n${before}\n---\n${text}`,
              ).toBe(true);
              at++;
            });
          }
        },
      ),
      { numRuns: EDITED_DOCUMENTS },
    );
  });

  it("keeps every comment outside the touched steps", () => {
    const definition = parse(COMMENTED);
    expect(isMap(new Document(definition).contents)).toBe(true);
    const out = apply(COMMENTED, removeStep(COMMENTED, "sum"));
    for (const comment of [
      "# The diamond, trimmed.",
      "# the name",
      "# greets first",
      "# inline",
      "# the end",
    ]) {
      expect(out).toContain(comment);
    }
  });
});
