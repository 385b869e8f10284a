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

export function layoutGraph(steps: GraphStep[]): GraphLayout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 50, marginx: 10, marginy: 10 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((step) => step.id));
  for (const step of steps) graph.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const edges: GraphLayout["edges"] = [];
  for (const step of steps) {
    for (const dep of step.depends_on ?? []) {
      if (!known.has(dep)) continue;
      graph.setEdge(dep, step.id);
      edges.push({ id: `${dep}->${step.id}`, source: dep, target: step.id });
    }
  }
  dagre.layout(graph);
  const nodes = steps.map((step) => {
    const placed = graph.node(step.id) as { x: number; y: number };
    // dagre gives centres; the renderer wants top-left corners.
    return { id: step.id, x: placed.x - NODE_WIDTH / 2, y: placed.y - NODE_HEIGHT / 2, step };
  });
  const size = graph.graph() as { width?: number; height?: number };
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
}
