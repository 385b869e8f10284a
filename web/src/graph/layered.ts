// A layered (Sugiyama-style) layout of a directed graph in linear time per pass: ranks by longest path, one virtual
// node per rank an edge crosses, crossings reduced by barycentre sweeps, and each rank placed as close to its
// neighbours as the spacing allows. Written here because dagre's ordering and positioning phases took 0.7–2.5 s for
// 500 steps on the run monitor (decision 0007); this takes a few milliseconds. Pure: same input, same picture.

export interface LayeredInput {
  id: string;
  width: number;
  height: number;
}

export interface LayeredOptions {
  /** TB: ranks top to bottom (workflows); LR: left to right (the dependency map). */
  rankdir?: "TB" | "LR";
  /** Space between two nodes of one rank. */
  nodesep?: number;
  /** Space between two ranks. */
  ranksep?: number;
  margin?: number;
}

export interface LayeredLayout {
  /** Top-left corners. */
  positions: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
}

/** A node as the layout sees it: across (x in TB) is the axis within a rank, along (y in TB) the axis of ranks. */
interface Cell {
  across: number;
  along: number;
  rank: number;
  /** Its centre on the across axis. */
  x: number;
  up: number[];
  down: number[];
}

const SWEEPS = 8;
const PLACEMENT_PASSES = 4;

export function layoutLayeredGraph(
  nodes: readonly LayeredInput[],
  edges: readonly { source: string; target: string }[],
  options: LayeredOptions = {},
): LayeredLayout {
  const lr = options.rankdir === "LR";
  const nodesep = options.nodesep ?? 30;
  const ranksep = options.ranksep ?? 50;
  const margin = options.margin ?? 10;
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const cells: Cell[] = nodes.map((node) => ({
    across: lr ? node.height : node.width,
    along: lr ? node.width : node.height,
    rank: 0,
    x: 0,
    up: [],
    down: [],
  }));
  const links = acyclicLinks(nodes.length, edges, index);
  rank(cells, links);
  // An edge across several ranks gets a thin virtual node in each rank between, so ordering and placement keep a
  // lane for it instead of drawing it through other nodes.
  for (const [from, to] of links) {
    let previous = from;
    for (let r = cells[from]!.rank + 1; r < cells[to]!.rank; r++) {
      const virtual = cells.push({ across: 0, along: 0, rank: r, x: 0, up: [previous], down: [] }) - 1;
      cells[previous]!.down.push(virtual);
      previous = virtual;
    }
    cells[previous]!.down.push(to);
    cells[to]!.up.push(previous);
  }
  const layers = order(cells);
  place(cells, layers, nodesep);

  const alongStart: number[] = [];
  const alongSize = layers.map((layer) => layer.reduce((size, i) => Math.max(size, cells[i]!.along), 0));
  let along = margin;
  for (const size of alongSize) {
    alongStart.push(along);
    along += size + ranksep;
  }
  const lowest = Math.min(...nodes.map((_, i) => cells[i]!.x - cells[i]!.across / 2));
  const shift = margin - (Number.isFinite(lowest) ? lowest : 0);
  let acrossEnd = 0;
  const positions = new Map<string, { x: number; y: number }>();
  nodes.forEach((node, i) => {
    const cell = cells[i]!;
    const a = cell.x - cell.across / 2 + shift;
    // Nodes of one rank share its centre line, as dagre draws them.
    const b = alongStart[cell.rank]! + (alongSize[cell.rank]! - cell.along) / 2;
    acrossEnd = Math.max(acrossEnd, a + cell.across);
    positions.set(node.id, lr ? { x: b, y: a } : { x: a, y: b });
  });
  const alongEnd = nodes.length ? along - ranksep + margin : 0;
  const acrossSize = nodes.length ? acrossEnd + margin : 0;
  return { positions, width: lr ? alongEnd : acrossSize, height: lr ? acrossSize : alongEnd };
}

/** The edges to lay out, as index pairs: known ends only, no self-loop, no duplicate, and none closing a cycle. */
function acyclicLinks(
  count: number,
  edges: readonly { source: string; target: string }[],
  index: Map<string, number>,
): [number, number][] {
  const out: number[][] = Array.from({ length: count }, () => []);
  const seen = new Set<string>();
  for (const edge of edges) {
    const from = index.get(edge.source);
    const to = index.get(edge.target);
    if (from === undefined || to === undefined || from === to || seen.has(`${from} ${to}`)) continue;
    seen.add(`${from} ${to}`);
    out[from]!.push(to);
  }
  // Depth-first, iteratively (a 500-step chain would overflow a recursive walk's stack in some browsers): an edge
  // to a node still on the walk's path closes a cycle and is left out.
  const state = new Uint8Array(count); // 0 unseen, 1 on the path, 2 done
  const links: [number, number][] = [];
  for (let root = 0; root < count; root++) {
    if (state[root]) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next === out[node]!.length) {
        state[node] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const to = out[node]![next]!;
      if (state[to] === 1) continue;
      links.push([node, to]);
      if (!state[to]) {
        state[to] = 1;
        stack.push([to, 0]);
      }
    }
  }
  return links;
}

/**
 * Longest path from the sources, then each source moved down next to its nearest successor (a document that links
 * to a deep node sits above it, not on the first rank with a long edge).
 */
function rank(cells: Cell[], links: [number, number][]) {
  const count = cells.length;
  const succ: number[][] = Array.from({ length: count }, () => []);
  const indegree = new Uint32Array(count);
  for (const [from, to] of links) {
    succ[from]!.push(to);
    indegree[to]!++;
  }
  const queue: number[] = [];
  for (let i = 0; i < count; i++) if (!indegree[i]) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const to of succ[node]!) {
      cells[to]!.rank = Math.max(cells[to]!.rank, cells[node]!.rank + 1);
      if (!--indegree[to]!) queue.push(to);
    }
  }
  const hasPredecessor = new Uint8Array(count);
  for (const [, to] of links) hasPredecessor[to] = 1;
  for (let i = 0; i < count; i++) {
    if (hasPredecessor[i] || !succ[i]!.length) continue;
    cells[i]!.rank = Math.min(...succ[i]!.map((to) => cells[to]!.rank)) - 1;
  }
}

/** Nodes per rank, in an order with few crossings: the input's order first, then barycentre sweeps, the best kept. */
function order(cells: Cell[]): number[][] {
  const ranks = Math.max(0, ...cells.map((cell) => cell.rank)) + 1;
  // First appearance in a walk from the first rank down keeps related nodes together from the start.
  const layers: number[][] = Array.from({ length: ranks }, () => []);
  const placed = new Uint8Array(cells.length);
  const visit = (start: number) => {
    const stack = [start];
    while (stack.length) {
      const node = stack.pop()!;
      if (placed[node]) continue;
      placed[node] = 1;
      layers[cells[node]!.rank]!.push(node);
      const down = cells[node]!.down;
      for (let i = down.length - 1; i >= 0; i--) if (!placed[down[i]!]) stack.push(down[i]!);
    }
  };
  for (let i = 0; i < cells.length; i++) if (!cells[i]!.up.length) visit(i);
  for (let i = 0; i < cells.length; i++) visit(i);

  const position = new Float64Array(cells.length);
  const number = () => {
    for (const layer of layers)
      layer.forEach((node, i) => {
        position[node] = i;
      });
  };
  number();
  let best = layers.map((layer) => [...layer]);
  let fewest = crossings(cells, layers, position);
  for (let sweep = 0; sweep < SWEEPS && fewest > 0; sweep++) {
    const downward = sweep % 2 === 0;
    for (let k = 1; k < ranks; k++) {
      const r = downward ? k : ranks - 1 - k;
      const layer = layers[r]!;
      const weight = new Map<number, number>();
      for (const node of layer) {
        const neighbours = downward ? cells[node]!.up : cells[node]!.down;
        // A node with no neighbour on that side keeps its place.
        weight.set(
          node,
          neighbours.length
            ? neighbours.reduce((sum, n) => sum + position[n]!, 0) / neighbours.length
            : position[node]!,
        );
      }
      layer.sort((a, b) => weight.get(a)! - weight.get(b)! || position[a]! - position[b]!);
      layer.forEach((node, i) => {
        position[node] = i;
      });
    }
    const now = crossings(cells, layers, position);
    if (now < fewest) {
      fewest = now;
      best = layers.map((layer) => [...layer]);
    }
  }
  for (let r = 0; r < ranks; r++) layers[r] = best[r]!;
  number();
  return layers;
}

/** Edge crossings between adjacent ranks, counted by inversions (merge sort), O(E log E) per pair of ranks. */
function crossings(cells: Cell[], layers: number[][], position: Float64Array): number {
  let total = 0;
  for (const layer of layers.slice(0, -1)) {
    const ends: [number, number][] = [];
    for (const node of layer) for (const to of cells[node]!.down) ends.push([position[node]!, position[to]!]);
    ends.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    total += inversions(ends.map((end) => end[1]));
  }
  return total;
}

function inversions(values: number[]): number {
  if (values.length < 2) return 0;
  const middle = values.length >> 1;
  const left = values.slice(0, middle);
  const right = values.slice(middle);
  let count = inversions(left) + inversions(right);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < left.length && j < right.length) {
    if (left[i]! <= right[j]!) values[k++] = left[i++]!;
    else {
      values[k++] = right[j++]!;
      count += left.length - i;
    }
  }
  while (i < left.length) values[k++] = left[i++]!;
  while (j < right.length) values[k++] = right[j++]!;
  return count;
}

/**
 * Centres on the across axis: every rank packed, then passes down and up that pull each node towards the mean of
 * its neighbours on the other rank, keeping the rank's order and spacing (the nearest such placement, by pooling
 * adjacent violators).
 */
function place(cells: Cell[], layers: number[][], nodesep: number) {
  const gap = (a: Cell, b: Cell) =>
    (a.across + b.across) / 2 + (a.across && b.across ? nodesep : nodesep / 2);
  for (const layer of layers) {
    let x = 0;
    layer.forEach((node, i) => {
      if (i) x += gap(cells[layer[i - 1]!]!, cells[node]!);
      cells[node]!.x = x;
    });
    const centre = x / 2;
    for (const node of layer) cells[node]!.x -= centre;
  }
  const pull = (layer: number[], side: "up" | "down") => {
    const wanted = layer.map((node) => {
      const neighbours = cells[node]![side];
      return neighbours.length
        ? neighbours.reduce((sum, n) => sum + cells[n]!.x, 0) / neighbours.length
        : cells[node]!.x;
    });
    const placed = nearestSpaced(
      wanted,
      layer.map((node, i) => (i ? gap(cells[layer[i - 1]!]!, cells[node]!) : 0)),
    );
    layer.forEach((node, i) => {
      cells[node]!.x = placed[i]!;
    });
  };
  for (let pass = 0; pass < PLACEMENT_PASSES; pass++) {
    for (let r = 1; r < layers.length; r++) pull(layers[r]!, "up");
    for (let r = layers.length - 2; r >= 0; r--) pull(layers[r]!, "down");
  }
  for (let r = 1; r < layers.length; r++) pull(layers[r]!, "up");
}

/**
 * The positions closest (least squares) to `wanted` with x[i] - x[i-1] >= gaps[i]: with offsets o (the running
 * sum of gaps), y = x - o must not decrease, an isotonic regression that pooling adjacent violators solves in O(n).
 */
function nearestSpaced(wanted: number[], gaps: number[]): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (let i = 0; i < wanted.length; i++) {
    offset += gaps[i]!;
    offsets.push(offset);
  }
  const blocks: { sum: number; size: number }[] = [];
  for (let i = 0; i < wanted.length; i++) {
    blocks.push({ sum: wanted[i]! - offsets[i]!, size: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const before = blocks[blocks.length - 2]!;
      if (before.sum / before.size <= last.sum / last.size) break;
      before.sum += last.sum;
      before.size += last.size;
      blocks.pop();
    }
  }
  const result: number[] = [];
  for (const block of blocks) {
    const value = block.sum / block.size;
    for (let k = 0; k < block.size; k++) result.push(value + offsets[result.length]!);
  }
  return result;
}
