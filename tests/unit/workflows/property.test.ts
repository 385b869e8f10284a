// Random DAGs through compile and the real interpreter: every step once, after its dependencies, with the
// arguments resolveTemplate gives from the final context, and every step's record merged into the final state.
import aslValidator from "asl-validator";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseWorkflow, type WorkflowDefinition } from "../../../shared/workflows/definition.js";
import { resolveTemplate } from "../../../shared/workflows/references.js";
import { compileWorkflow } from "../../../statemachines/compile.js";
import { optionsFor, runLocally, SERVER } from "./harness.js";

/** Step i depends on up to 3 earlier steps; each argument refers to the input or to an ancestor's output. */
const randomWorkflow = fc
  .integer({ min: 1, max: 25 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          deps: fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), {
            maxLength: i === 0 ? 0 : 3,
          }),
          picks: fc.array(
            fc.tuple(fc.nat(), fc.constantFrom("whole", "text", "interpolated", "input", "literal")),
            {
              maxLength: 4,
            },
          ),
        }),
      ),
    ),
  )
  .map((specs): WorkflowDefinition => {
    const ancestors: Set<number>[] = [];
    const steps = specs.map((spec, i) => {
      const anc = new Set<number>();
      for (const d of spec.deps) {
        anc.add(d);
        for (const a of ancestors[d]!) anc.add(a);
      }
      ancestors.push(anc);
      const pool = [...anc].sort((a, b) => a - b);
      const args: Record<string, unknown> = {};
      spec.picks.forEach(([k, kind], j) => {
        const target = pool.length > 0 ? pool[k % pool.length] : undefined;
        if (kind === "literal" || (target === undefined && kind !== "input"))
          args[`p${j}`] = { k, list: [k, "x"] };
        else if (kind === "input") args[`p${j}`] = k % 2 ? "{{ input.n }}" : "n={{ input.label }}";
        else if (kind === "whole") args[`p${j}`] = `{{ steps.s${target}.output.json }}`;
        else if (kind === "text") args[`p${j}`] = `{{ steps.s${target}.output.text }}`;
        else args[`p${j}`] = `from s${target}: {{ steps.s${target}.output.json.v }}!`;
      });
      return {
        id: `s${i}`,
        server: SERVER,
        tool: "t",
        depends_on: spec.deps.map((d) => `s${d}`),
        arguments: args,
      };
    });
    return parseWorkflow({
      name: "random",
      steps,
      output: Object.fromEntries(steps.map((s) => [s.id, `{{ steps.${s.id}.output.json }}`])),
    });
  });

describe("random workflows", () => {
  test("compile to ASL that asl-validator accepts, identically twice", () => {
    fc.assert(
      fc.property(randomWorkflow, (definition) => {
        const first = compileWorkflow(definition, optionsFor(definition));
        const { isValid, errorsText } = aslValidator(structuredClone(first.asl), {
          checkPaths: true,
          checkArn: true,
        });
        expect(isValid, errorsText("\n")).toBe(true);
        expect(compileWorkflow(definition, optionsFor(definition)).json).toBe(first.json);
      }),
      { numRuns: 25 },
    );
  });

  test("run every step exactly once, after all its dependencies, with the arguments resolveTemplate gives", async () => {
    await fc.assert(
      fc.asyncProperty(randomWorkflow, async (definition) => {
        const input = { n: 5, label: "L" };
        const run = await runLocally(definition, input, {
          tool: (call) => ({ v: `${call.stepId}-value`, got: call.arguments }),
          delayMs: (call) => Number(call.stepId.slice(1)) % 3,
          validate: false,
        });
        expect(run.error).toBeUndefined();
        const ids = definition.steps.map((s) => s.id);
        expect(run.calls.map((c) => c.stepId).sort()).toEqual([...ids].sort());
        const byId = new Map(run.calls.map((c) => [c.stepId, c]));
        const finalContext = { input, steps: run.steps };
        for (const step of definition.steps) {
          const call = byId.get(step.id)!;
          for (const dep of step.depends_on)
            expect(call.startedAt).toBeGreaterThan(byId.get(dep)!.finishedAt!);
          expect(call.arguments).toEqual(resolveTemplate(step.arguments, finalContext));
        }
        // The final state still holds every step's record: nothing lost when parallel branches were merged.
        expect(run.result).toEqual(
          Object.fromEntries(
            ids.map((id) => [id, (run.steps[id]?.output as { json?: unknown } | undefined)?.json]),
          ),
        );
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
