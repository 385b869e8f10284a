// Random DAGs through compile and the real interpreter: every step once, after its dependencies, with the
// arguments resolveTemplate gives from the final context, and every step's record merged into the final state.
import aslValidator from "asl-validator";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { resolveTemplate } from "../../../shared/workflows/references.js";
import { compileWorkflow } from "../../../statemachines/compile.js";
import { optionsFor, runLocally } from "./harness.js";
import { randomWorkflow } from "./random-workflow.js";

/**
 * asl-validator builds a new Ajv and compiles all its schemas on every call: 150-450 ms of CPU each, 1-4 s of wall
 * time at load ~26, so 25 runs outlasted vitest's 60 s default at load 35-49. The budget is per run, not a fixed
 * minute; the work itself is the validator's (the product never runs it: local/engine.ts trusts the compiler).
 */
const VALIDATED_RUNS = 25;
const VALIDATOR_BUDGET_MS = 8_000;

describe("random workflows", () => {
  test("compile to ASL that asl-validator accepts, identically twice", {
    timeout: VALIDATED_RUNS * VALIDATOR_BUDGET_MS,
  }, () => {
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
      { numRuns: VALIDATED_RUNS },
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
        // The final state holds the record of every step the output reads: nothing lost when parallel branches
        // were merged, whichever branches kept no record.
        const read = Object.keys(definition.output as Record<string, unknown>);
        expect(run.result).toEqual(
          Object.fromEntries(
            read.map((id) => [id, (run.steps[id]?.output as { json?: unknown } | undefined)?.json]),
          ),
        );
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
