// The console's layered graph layout (web/src/graph/layered.ts, through layoutGraph and layoutLayered): ranks down
// the dependencies, no overlap within a rank, fewer crossings than the first order, a 500-step chain and a 500-step
// fan-out/fan-in, left to right for the dependency map, and any input (cycles, unknown ends) placed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type GraphStep,
  layoutGraph,
  layoutLayered,
  NODE_HEIGHT,
  NODE_WIDTH,
} from "../../../web/src/graph/layout.js";

const SERVER = { name: "io.github.modelcontextprotocol/server-everything", version: "2026.8.31" };
const step = (id: string, depends_on?: string[]): GraphStep => ({
  id,
  server: SERVER,
  tool: "echo",
  ...(depends_on ? { depends_on } : {}),
});

/** Top-left corners by step id. */
const placed = (steps: GraphStep[]) => new Map(layoutGraph(steps).nodes.map((node) => [node.id, node]));

/** Pairs of edges between the same two ranks whose ends are in opposite orders. */
function crossings(steps: GraphStep[]): number {
  const at = placed(steps);
  const edges = steps.flatMap((s) => (s.depends_on ?? []).map((d) => [at.get(d)!, at.get(s.id)!] as const));
  let count = 0;
  for (const [a, b] of edges)
    for (const [c, d] of edges) if (a.y === c.y && b.y === d.y && a.x < c.x && b.x > d.x) count++;
  return count;
}

/** No two nodes of a rank overlap (same y, x closer than a node's width). */
function overlaps(nodes: { x: number; y: number }[], width: number): number {
  const byRank = new Map<number, number[]>();
  for (const node of nodes) byRank.set(node.y, [...(byRank.get(node.y) ?? []), node.x]);
  let count = 0;
  for (const xs of byRank.values()) {
    xs.sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) if (xs[i]! - xs[i - 1]! < width) count++;
  }
  return count;
}

describe("the layered layout", () => {
  it("draws a diamond as dagre did: the fork above, the branches side by side, the join centred below", () => {
    const at = placed([step("a"), step("b", ["a"]), step("c", ["a"]), step("d", ["b", "c"])]);
    const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => at.get(id)!);
    expect(b!.y).toBe(c!.y);
    expect(b!.y).toBeGreaterThanOrEqual(a!.y + NODE_HEIGHT);
    expect(d!.y).toBeGreaterThanOrEqual(b!.y + NODE_HEIGHT);
    expect(Math.abs(c!.x - b!.x)).toBeGreaterThanOrEqual(NODE_WIDTH);
    expect(a!.x).toBeCloseTo((b!.x + c!.x) / 2);
    expect(d!.x).toBeCloseTo(a!.x);
  });

  it("orders a rank to take out the crossing its first order has", () => {
    // Walked from a first, the second rank is [c, d]: a→d and b→c cross. Sorted by barycentre, [d, c] does not.
    const steps = [step("a"), step("b"), step("c", ["a", "b"]), step("d", ["a"])];
    expect(crossings(steps)).toBe(0);
  });

  it("lays a 500-step chain in one column and a 500-step fan-out/fan-in on three ranks", () => {
    const chain = Array.from({ length: 500 }, (_, i) => step(`s${i}`, i ? [`s${i - 1}`] : undefined));
    const column = layoutGraph(chain).nodes;
    expect(new Set(column.map((node) => node.x)).size).toBe(1);
    expect(column.every((node, i) => i === 0 || node.y > column[i - 1]!.y)).toBe(true);

    const middle = Array.from({ length: 498 }, (_, i) => `m${i}`);
    const fan = [step("start"), ...middle.map((id) => step(id, ["start"])), step("end", middle)];
    const layout = layoutGraph(fan);
    expect(new Set(layout.nodes.map((node) => node.y)).size).toBe(3);
    expect(overlaps(layout.nodes, NODE_WIDTH)).toBe(0);
    const at = new Map(layout.nodes.map((node) => [node.id, node]));
    expect(at.get("start")!.x).toBeCloseTo(at.get("end")!.x);
    expect(layout.width).toBeGreaterThanOrEqual(498 * NODE_WIDTH);
  });

  it("keeps a lane for an edge that skips ranks instead of drawing it through the node between", () => {
    // a→b→c and a→c: c's second parent is two ranks up, so b is moved aside from the straight line a→c.
    const at = placed([step("a"), step("b", ["a"]), step("c", ["a", "b"])]);
    expect(Math.abs(at.get("b")!.x - at.get("a")!.x)).toBeGreaterThan(0);
  });

  it("runs left to right for the dependency map, with the given sizes and the known edges only", () => {
    const layout = layoutLayered(
      [
        { id: "w", width: 200, height: 60 },
        { id: "s1", width: 200, height: 60 },
        { id: "s2", width: 200, height: 60 },
      ],
      [
        { source: "w", target: "s1" },
        { source: "w", target: "s2" },
        { source: "w", target: "gone" },
      ],
      { rankdir: "LR", nodesep: 20, ranksep: 90 },
    );
    const [w, s1, s2] = ["w", "s1", "s2"].map((id) => layout.positions.get(id)!);
    expect(s1!.x).toBe(w!.x + 200 + 90);
    expect(s2!.x).toBe(s1!.x);
    expect(Math.abs(s2!.y - s1!.y)).toBe(60 + 20);
    expect(layout.edges.map((edge) => edge.id)).toEqual(["w->s1", "w->s2"]);
    expect(layout.width).toBe(10 + 200 + 90 + 200 + 10);
  });

  it("places every node of any graph, cycles and unknown ends included: edges point down, nothing overlaps", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((count) =>
            fc.tuple(
              fc.constant(count),
              fc.array(fc.tuple(fc.nat(count), fc.nat(count - 1)), { maxLength: count * 3 }),
            ),
          ),
        ([count, pairs]) => {
          const ids = Array.from({ length: count }, (_, i) => `n${i}`);
          // n{count} is an unknown end; pairs may form cycles and self-loops.
          const steps = ids.map((id, i) =>
            step(
              id,
              pairs.filter(([, to]) => to === i).map(([from]) => `n${from}`),
            ),
          );
          const layout = layoutGraph(steps);
          expect(layout.nodes).toHaveLength(count);
          for (const node of layout.nodes) {
            expect(Number.isFinite(node.x) && Number.isFinite(node.y)).toBe(true);
            expect(node.x).toBeGreaterThanOrEqual(0);
            expect(node.x + NODE_WIDTH).toBeLessThanOrEqual(layout.width);
            expect(node.y + NODE_HEIGHT).toBeLessThanOrEqual(layout.height);
          }
          expect(overlaps(layout.nodes, NODE_WIDTH)).toBe(0);
          // With no cycle, every dependency sits on a rank above its dependent.
          const acyclic = pairs.every(([from, to]) => from === count || from < to);
          if (acyclic) {
            const at = new Map(layout.nodes.map((node) => [node.id, node]));
            for (const [from, to] of pairs)
              if (from < count) expect(at.get(`n${from}`)!.y).toBeLessThan(at.get(`n${to}`)!.y);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
