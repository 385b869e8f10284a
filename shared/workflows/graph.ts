// The dependency graph of a workflow's steps: known edges, topological order, cycles and ancestors.
import type { WorkflowDefinition } from "./definition.js";

export interface StepGraph {
  ids: string[];
  /** Known dependencies only (unknown ids are dropped), deduplicated, in declaration order. */
  dependsOn: Map<string, string[]>;
  /** Topological order (dependencies first, ties by declaration order), or undefined when there is a cycle. */
  order?: string[];
  /** One cycle, its first step repeated at the end (`a → b → a`), when there is one. */
  cycle?: string[];
}

export function stepGraph(definition: Pick<WorkflowDefinition, "steps">): StepGraph {
  const ids: string[] = [];
  const known = new Set<string>();
  for (const step of definition.steps) {
    if (!known.has(step.id)) ids.push(step.id);
    known.add(step.id);
  }
  const dependsOn = new Map<string, string[]>();
  for (const step of definition.steps) {
    if (dependsOn.has(step.id)) continue;
    dependsOn.set(step.id, [...new Set(step.depends_on.filter((dep) => known.has(dep)))]);
  }
  const cycle = findCycle(ids, dependsOn);
  if (cycle) return { ids, dependsOn, cycle };
  return { ids, dependsOn, order: topologicalOrder(ids, dependsOn) };
}

function topologicalOrder(ids: string[], dependsOn: Map<string, string[]>): string[] {
  const position = new Map(ids.map((id, i) => [id, i]));
  const waiting = new Map(ids.map((id) => [id, dependsOn.get(id)?.length ?? 0]));
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const dep of dependsOn.get(id) ?? []) dependents.get(dep)?.push(id);
  // A small binary heap keyed by declaration position keeps the order stable and O(n log n).
  const heap: number[] = [];
  const push = (value: number) => {
    heap.push(value);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= heap[i]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  for (const id of ids) if (waiting.get(id) === 0) push(position.get(id)!);
  const order: string[] = [];
  while (heap.length > 0) {
    const id = ids[pop()]!;
    order.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) push(position.get(next)!);
    }
  }
  return order;
}

function findCycle(ids: string[], dependsOn: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  for (const root of ids) {
    if (state.has(root)) continue;
    // Iterative DFS: workflows may be thousands of steps deep.
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, "open");
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = dependsOn.get(frame.id) ?? [];
      if (frame.next >= deps.length) {
        state.set(frame.id, "done");
        stack.pop();
        continue;
      }
      const dep = deps[frame.next++]!;
      const seen = state.get(dep);
      if (seen === "open") {
        const from = stack.findIndex((f) => f.id === dep);
        // The stack runs dependent → dependency; print it in execution order.
        const loop = stack.slice(from).map((f) => f.id);
        loop.reverse();
        return [...loop, loop[0]!];
      }
      if (seen === undefined) {
        state.set(dep, "open");
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return undefined;
}

/**
 * Whether `ancestor` is a transitive dependency of `id`. Needs an acyclic graph. Bitsets keep this fast for
 * thousands of steps, where sets of ids would cost O(n²) objects.
 */
export function ancestry(graph: StepGraph): (id: string, ancestor: string) => boolean {
  const index = new Map(graph.ids.map((id, i) => [id, i]));
  const words = Math.ceil(graph.ids.length / 32);
  const bits = new Uint32Array(graph.ids.length * words);
  for (const id of graph.order ?? []) {
    const row = index.get(id)! * words;
    for (const dep of graph.dependsOn.get(id) ?? []) {
      const d = index.get(dep)!;
      const depRow = d * words;
      bits[row + (d >>> 5)]! |= 1 << (d & 31);
      for (let w = 0; w < words; w++) bits[row + w]! |= bits[depRow + w]!;
    }
  }
  return (id, ancestor) => {
    const i = index.get(id);
    const a = index.get(ancestor);
    if (i === undefined || a === undefined) return false;
    return (bits[i * words + (a >>> 5)]! & (1 << (a & 31))) !== 0;
  };
}
