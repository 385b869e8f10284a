// Random DAG workflows for property tests: the local interpreter's (property.test.ts) and the cross-interpreter
// comparison with moto's (tests/e2e/cross-interpreter.test.ts).
import fc from "fast-check";
import { parseWorkflow, type WorkflowDefinition } from "../../../shared/workflows/definition.js";
import { SERVER } from "./harness.js";

/** Step i depends on up to 3 earlier steps; each argument refers to the input or to an ancestor's output. */
export const randomWorkflow = fc
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
      // Every other step and the last: the state machine keeps a record of the steps it reads and none of the others.
      output: Object.fromEntries(
        steps
          .filter((_, i) => i % 2 === 0 || i === steps.length - 1)
          .map((s) => [s.id, `{{ steps.${s.id}.output.json }}`]),
      ),
    });
  });
