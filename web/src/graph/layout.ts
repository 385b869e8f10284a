// A workflow's steps laid out as a layered graph (dagre, top to bottom): one node per step, one edge per
// depends_on. Pure, so the Workflow page and the run monitor draw the same picture.
import dagre from "@dagrejs/dagre";

export interface GraphStep {
  id: string;
  server: { name: string; version?: string | undefined };
  tool: string;
  depends_on?: string[] | undefined;
  for_each?: unknown;
  when?: unknown;
  on_error?: string | undefined;
}

/** `name@version`, as workflow definitions pin it. */
export function serverLabel(server: GraphStep["server"]): string {
  return server.version ? `${server.name}@${server.version}` : server.name;
}

/** What fits on a node: the name without its namespace (`server-everything@2026.8.31`). */
export function shortServerLabel(server: GraphStep["server"]): string {
  const short = server.name.split("/").pop() ?? server.name;
  return server.version ? `${short}@${server.version}` : short;
}

export const NODE_WIDTH = 230;
export const NODE_HEIGHT = 78;

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  step: GraphStep;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: { id: string; source: string; target: string }[];
  width: number;
  height: number;
}

export interface LayeredNode {
  id: string;
  width: number;
  height: number;
}

/**
 * dagre's layered layout, the one place the console calls it: top-left corners for `nodes`, and the edges whose both
 * ends are known (in the order given).
 */
export function layoutLayered(
  nodes: readonly LayeredNode[],
  edges: readonly { source: string; target: string }[],
  options: { rankdir?: "TB" | "LR"; nodesep?: number; ranksep?: number } = {},
): {
  positions: Map<string, { x: number; y: number }>;
  edges: { id: string; source: string; target: string }[];
  width: number;
  height: number;
} {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({
    rankdir: options.rankdir ?? "TB",
    nodesep: options.nodesep ?? 30,
    ranksep: options.ranksep ?? 50,
    marginx: 10,
    marginy: 10,
  });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: node.width, height: node.height });
  const known = new Set(nodes.map((node) => node.id));
  const placedEdges: { id: string; source: string; target: string }[] = [];
  for (const edge of edges) {
    if (!known.has(edge.source) || !known.has(edge.target)) continue;
    graph.setEdge(edge.source, edge.target);
    placedEdges.push({ id: `${edge.source}->${edge.target}`, ...edge });
  }
  dagre.layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    const placed = graph.node(node.id) as { x: number; y: number };
    // dagre gives centres; the renderer wants top-left corners.
    positions.set(node.id, { x: placed.x - node.width / 2, y: placed.y - node.height / 2 });
  }
  const size = graph.graph() as { width?: number; height?: number };
  return { positions, edges: placedEdges, width: size.width ?? 0, height: size.height ?? 0 };
}

export function layoutGraph(steps: GraphStep[]): GraphLayout {
  const layout = layoutLayered(
    steps.map((step) => ({ id: step.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    steps.flatMap((step) => (step.depends_on ?? []).map((dep) => ({ source: dep, target: step.id }))),
  );
  const nodes = steps.map((step) => ({ id: step.id, ...layout.positions.get(step.id)!, step }));
  return { nodes, edges: layout.edges, width: layout.width, height: layout.height };
}
