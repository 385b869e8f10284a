// Compiled workflows on the real ASL interpreter, with a local handler playing the runner.
import { describe, expect, test } from "vitest";
import {
  HOST_URL,
  McpToolError,
  optionsFor,
  runLocally,
  SERVER,
  step,
  type ToolCallRecord,
  workflow,
} from "./harness.js";

const callOf = (calls: ToolCallRecord[], id: string) => calls.find((c) => c.stepId === id)!;
const overlap = (x: ToolCallRecord, y: ToolCallRecord) =>
  x.startedAt < y.finishedAt! && y.startedAt < x.finishedAt!;

describe("a compiled workflow on the local interpreter", () => {
  test("a sequence calls each step after the previous one, with its resolved arguments", async () => {
    const definition = workflow([
      step("a", { arguments: { city: "{{ input.city }}" } }),
      step("b", { depends_on: ["a"], arguments: { text: "after {{ steps.a.output.json.arguments.city }}" } }),
      step("c", { depends_on: ["b"], arguments: { whole: "{{ steps.b.output.json }}" } }),
    ]);
    const run = await runLocally(definition, { city: "Lyon" });
    expect(run.error).toBeUndefined();
    expect(run.calls.map((c) => [c.stepId, c.arguments])).toEqual([
      ["a", { city: "Lyon" }],
      ["b", { text: "after Lyon" }],
      ["c", { whole: { step: "b", arguments: { text: "after Lyon" } } }],
    ]);
    expect(callOf(run.calls, "b").startedAt).toBeGreaterThan(callOf(run.calls, "a").finishedAt!);
    // Default output: the leaf's output.
    expect(run.result).toEqual({ c: run.steps.c?.output });
  });

  test("a diamond runs its two middle steps at the same time and the join after both", async () => {
    const definition = workflow([
      step("a"),
      step("b", { depends_on: ["a"] }),
      step("c", { depends_on: ["a"] }),
      step("d", {
        depends_on: ["b", "c"],
        arguments: { both: "{{ steps.b.output.text }}|{{ steps.c.output.text }}" },
      }),
    ]);
    const run = await runLocally(definition, {}, { delayMs: 20 });
    expect(run.error).toBeUndefined();
    const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => callOf(run.calls, id));
    expect(overlap(b!, c!)).toBe(true);
    expect(b!.startedAt).toBeGreaterThan(a!.finishedAt!);
    expect(d!.startedAt).toBeGreaterThan(Math.max(b!.finishedAt!, c!.finishedAt!));
    expect(run.result).toEqual({ d: run.steps.d?.output });
  });

  test("independent chains overlap: each starts before the other finishes", async () => {
    const definition = workflow([
      step("a1"),
      step("b1"),
      step("a2", { depends_on: ["a1"] }),
      step("b2", { depends_on: ["b1"] }),
      step("join", { depends_on: ["a2", "b2"] }),
    ]);
    // a1 only returns once b2 has started: that can only happen if chain b does not wait for chain a.
    let markB2Started = () => {};
    const b2Started = new Promise<void>((resolve) => {
      markB2Started = resolve;
    });
    const run = await runLocally(
      definition,
      {},
      {
        tool: async (call) => {
          if (call.stepId === "b2") markB2Started();
          if (call.stepId === "a1") {
            await Promise.race([b2Started, new Promise((resolve) => setTimeout(resolve, 10_000))]);
          }
          return {};
        },
      },
    );
    expect(run.error).toBeUndefined();
    const byId = Object.fromEntries(run.calls.map((c) => [c.stepId, c]));
    expect(overlap(byId.a1!, byId.b1!)).toBe(true);
    expect(byId.b2!.startedAt).toBeLessThan(byId.a1!.finishedAt!);
    expect(byId.join!.startedAt).toBeGreaterThan(Math.max(byId.a2!.finishedAt!, byId.b2!.finishedAt!));
  });

  test("for_each calls the tool once per item and its output is the array of per-item outputs", async () => {
    const definition = workflow(
      [
        step("list", { arguments: {} }),
        step("each", {
          depends_on: ["list"],
          for_each: { items: "{{ steps.list.output.json.items }}", max_concurrency: 2 },
          arguments: { name: "{{ item.name }}", n: "{{ input.n }}" },
        }),
      ],
      { output: { names: "{{ steps.each.output }}", second: "{{ steps.each.output[1].json.name }}" } },
    );
    const run = await runLocally(
      definition,
      { n: 1 },
      {
        tool: (call) =>
          call.stepId === "list" ? { items: [{ name: "x" }, { name: "y" }, { name: "z" }] } : call.arguments,
      },
    );
    expect(run.error).toBeUndefined();
    const items = run.calls.filter((c) => c.stepId === "each");
    expect(items.map((c) => [c.itemIndex, c.arguments]).sort()).toEqual([
      [0, { name: "x", n: 1 }],
      [1, { name: "y", n: 1 }],
      [2, { name: "z", n: 1 }],
    ]);
    expect(run.result).toEqual({
      names: ["x", "y", "z"].map((name) => ({
        text: JSON.stringify({ name, n: 1 }),
        json: { name, n: 1 },
        content: [{ type: "text", text: JSON.stringify({ name, n: 1 }) }],
      })),
      second: "y",
    });
  });

  test("when false records SKIPPED without calling the tool; when true calls it", async () => {
    const definition = workflow(
      [
        step("a"),
        step("b", { depends_on: ["a"], when: { path: "{{ input.mode }}", equals: "full" } }),
        step("c", { depends_on: ["a"], when: { not: { path: "{{ input.mode }}", equals: "full" } } }),
        step("d", {
          depends_on: ["b", "c"],
          when: {
            all: [
              { path: "input.n", gt: 2 },
              { path: "input.flag", truthy: true },
            ],
          },
        }),
      ],
      { output: { b: "{{ steps.b }}", c: "{{ steps.c.status }}", d: "{{ steps.d }}" } },
    );
    const run = await runLocally(definition, { mode: "quick", n: 3, flag: "" });
    expect(run.error).toBeUndefined();
    expect(run.calls.map((c) => c.stepId)).toEqual(["a", "c"]);
    expect(run.result).toEqual({
      b: { status: "SKIPPED", output: null },
      c: "SUCCEEDED",
      d: { status: "SKIPPED", output: null },
    });
    const full = await runLocally(definition, { mode: "full", n: 3, flag: "yes" });
    expect(full.calls.map((c) => c.stepId).sort()).toEqual(["a", "b", "d"]);
  });

  test("a missing or differently typed condition value skips instead of failing the run", async () => {
    const definition = workflow([step("a", { when: { path: "input.n", gt: 2 } })]);
    for (const input of [{}, { n: "7" }, { n: null }]) {
      const run = await runLocally(definition, input);
      expect(run.error).toBeUndefined();
      expect(run.calls).toEqual([]);
    }
  });

  test("retry calls the tool again after a failure and the run succeeds", async () => {
    const definition = workflow([
      step("flaky", { retry: { max_attempts: 3 } }),
      step("after", { depends_on: ["flaky"] }),
    ]);
    const run = await runLocally(
      definition,
      {},
      {
        tool: (call) => {
          if (call.stepId === "flaky" && call.attempt < 3) throw new McpToolError("temporarily unavailable");
          return { ok: call.attempt };
        },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.calls.filter((c) => c.stepId === "flaky").map((c) => c.failed ?? false)).toEqual([
      true,
      true,
      false,
    ]);
    expect(run.steps.flaky?.output).toMatchObject({ json: { ok: 3 } });
    expect(run.calls.map((c) => c.stepId)).toContain("after");
  });

  test("retries stop after max_attempts and the run fails with the tool's error", async () => {
    const definition = workflow([step("flaky", { retry: { max_attempts: 2 } })]);
    const run = await runLocally(
      definition,
      {},
      {
        tool: () => {
          throw new McpToolError("always broken");
        },
      },
    );
    expect(run.calls).toHaveLength(2);
    expect(run.error?.message).toMatch(/always broken|Mcp\.ToolError/);
  });

  test("on_error continue records FAILED with the error and the run goes on", async () => {
    const definition = workflow(
      [step("broken", { on_error: "continue" }), step("next", { depends_on: ["broken"] })],
      { output: { broken: "{{ steps.broken }}", next: "{{ steps.next.status }}" } },
    );
    const run = await runLocally(
      definition,
      {},
      {
        tool: (call) => {
          if (call.stepId === "broken") throw new McpToolError("no such city");
          return {};
        },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({
      broken: { status: "FAILED", output: null, error: { Error: "Mcp.ToolError", Cause: "no such city" } },
      next: "SUCCEEDED",
    });
  });

  test("a step nothing in the state machine reads leaves no record in the state, failed, skipped or not", async () => {
    // Each branch ends with an unread step: a Catch cannot End, and a Skip must still reach the branch's end.
    const definition = workflow(
      [
        step("big"),
        step("broken", { depends_on: ["big"], on_error: "continue" }),
        step("off", { depends_on: ["big"], when: { path: "input.never", truthy: true } }),
        step("last", { depends_on: ["broken", "off"], arguments: { seen: "{{ steps.big.output.json.n }}" } }),
        step("tail", { depends_on: ["last"], on_error: "continue" }),
      ],
      { output: { last: "{{ steps.last.status }}" } },
    );
    const states: unknown[] = [];
    const run = await runLocally(
      definition,
      {},
      {
        tool: (call) => {
          if (call.stepId === "broken" || call.stepId === "tail") throw new McpToolError("boom");
          return call.stepId === "big" ? { n: 7, pad: "x".repeat(100_000) } : {};
        },
        onState: (state) => states.push(state),
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ last: "SUCCEEDED" });
    // The step host still resolves `last`'s arguments from the outputs it keeps itself.
    expect(callOf(run.calls, "last").arguments).toEqual({ seen: 7 });
    const largest = (seen: unknown[]) => Math.max(...seen.map((state) => JSON.stringify(state).length));
    expect(states.length).toBeGreaterThan(10);
    expect(largest(states)).toBeLessThan(1_000);

    // The same run whose output reads the large step carries it (the measure can see it).
    const reading = structuredClone(definition);
    reading.output = { big: "{{ steps.big.output.json.n }}" };
    const carried: unknown[] = [];
    await runLocally(
      reading,
      {},
      {
        tool: (call) => (call.stepId === "big" ? { n: 7, pad: "x".repeat(100_000) } : {}),
        onState: (state) => carried.push(state),
      },
    );
    expect(largest(carried)).toBeGreaterThan(100_000);
  });

  test("on_error fail (the default) fails the execution and stops later steps", async () => {
    const definition = workflow([
      step("a"),
      step("broken", { depends_on: ["a"] }),
      step("never", { depends_on: ["broken"] }),
    ]);
    const run = await runLocally(
      definition,
      {},
      {
        tool: (call) => {
          if (call.stepId === "broken") throw new McpToolError("boom");
          return {};
        },
      },
    );
    expect(run.error).toBeDefined();
    expect(run.calls.map((c) => c.stepId)).toEqual(["a", "broken"]);
  });

  test("a failure inside a parallel branch fails the execution", async () => {
    const definition = workflow([step("a"), step("b"), step("c", { depends_on: ["a", "b"] })]);
    const run = await runLocally(
      definition,
      {},
      {
        tool: (call) => {
          if (call.stepId === "b") throw new McpToolError("boom");
          return {};
        },
      },
    );
    expect(run.error).toBeDefined();
    expect(run.calls.map((c) => c.stepId)).not.toContain("c");
  });

  test("remote steps run through the same contract", async () => {
    const definition = workflow([step("a", { arguments: { q: "{{ input.q }}" } })], {
      output: "{{ steps.a.output.json.arguments.q }}",
    });
    const run = await runLocally(
      definition,
      { q: "hello" },
      { compileOptions: optionsFor(definition, [SERVER]) },
    );
    expect(run.error).toBeUndefined();
    expect(run.calls[0]?.parameters).toMatchObject({ Payload: { stepId: "a", run: { id: "run-0001" } } });
    expect(run.hostStarts).toEqual([]);
    expect(run.result).toBe("hello");
  });

  test("starts each Fargate server once per run, before the first step, and every step reaches it by its report", async () => {
    const definition = workflow([
      step("a"),
      step("b", { depends_on: ["a"], for_each: { items: "{{ input.items }}" } }),
      { id: "c", server: "io.github.example/other@1.0.0", tool: "t", depends_on: ["a"] },
      step("d", { depends_on: ["b", "c"] }),
    ]);
    const run = await runLocally(definition, { items: [1, 2, 3] });
    expect(run.error).toBeUndefined();
    expect(run.hostStarts).toHaveLength(2);
    expect(run.calls).toHaveLength(6);
    for (const call of run.calls) {
      const payload = (call.parameters as { Payload: { host: unknown } }).Payload;
      expect(payload.host, call.stepId).toEqual({ url: HOST_URL });
    }
  });

  test("the output template keeps types for whole references and formats interpolations", async () => {
    const definition = workflow([step("a")], {
      output: {
        n: "{{ input.n }}",
        text: "n is {{ input.n }}, it's {ok}",
        list: ["{{ input.n }}", "lit", true],
        nested: [{ step: "{{ steps.a.output.json.step }}" }],
        fixed: { deep: [1, 2] },
      },
    });
    const run = await runLocally(definition, { n: 4 });
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({
      n: 4,
      text: "n is 4, it's {ok}",
      list: [4, "lit", true],
      nested: [{ step: "a" }],
      fixed: { deep: [1, 2] },
    });
  });
});

describe("conditions on the local interpreter", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ["exists true, present", { path: "input.x", exists: true }, { x: null }, true],
    ["exists false, absent", { path: "input.x", exists: false }, {}, true],
    ["exists false, present", { path: "input.x", exists: false }, { x: 1 }, false],
    ["truthy, non-empty string", { path: "input.x", truthy: true }, { x: "a" }, true],
    ["truthy, zero", { path: "input.x", truthy: true }, { x: 0 }, false],
    ["truthy false, null", { path: "input.x", truthy: false }, { x: null }, true],
    ["truthy false, absent", { path: "input.x", truthy: false }, {}, true],
    ["equals null", { path: "input.x", equals: null }, { x: null }, true],
    ["equals boolean", { path: "input.x", equals: false }, { x: false }, true],
    ["not_equals, absent", { path: "input.x", not_equals: 1 }, {}, true],
    ["lte string", { path: "input.x", lte: "b" }, { x: "a" }, true],
    ["lt number, equal", { path: "input.x", lt: 2 }, { x: 2 }, false],
    [
      "any",
      {
        any: [
          { path: "input.x", equals: 1 },
          { path: "input.y", equals: 2 },
        ],
      },
      { y: 2 },
      true,
    ],
    [
      "not all",
      {
        not: {
          all: [
            { path: "input.x", equals: 1 },
            { path: "input.y", equals: 2 },
          ],
        },
      },
      { x: 1, y: 2 },
      false,
    ],
  ];
  test.each(cases)("%s", async (_name, when, input, runs) => {
    const run = await runLocally(workflow([step("a", { when })]), input);
    expect(run.error).toBeUndefined();
    expect(run.calls.length).toBe(runs ? 1 : 0);
  });
});
