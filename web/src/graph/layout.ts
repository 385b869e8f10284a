// A workflow's steps laid out as a layered graph (top to bottom): one node per step, one edge per depends_on. Pure,
// so the Workflow page, the builder and the run monitor draw the same picture.
import { type LayeredInput, type LayeredOptions, layoutLayeredGraph } from "./layered.js";

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

/**
 * The layered layout (layered.ts), the one place the console calls it: top-left corners for `nodes`, and the edges
 * whose both ends are known (in the order given).
 */
export function layoutLayered(
  nodes: readonly LayeredInput[],
  edges: readonly { source: string; target: string }[],
  options: LayeredOptions = {},
): {
  positions: Map<string, { x: number; y: number }>;
  edges: { id: string; source: string; target: string }[];
  width: number;
  height: number;
} {
  const known = new Set(nodes.map((node) => node.id));
  const placedEdges = edges
    .filter((edge) => known.has(edge.source) && known.has(edge.target))
    .map((edge) => ({ id: `${edge.source}->${edge.target}`, ...edge }));
  return { ...layoutLayeredGraph(nodes, placedEdges, options), edges: placedEdges };
}

export function layoutGraph(steps: GraphStep[]): GraphLayout {
  const layout = layoutLayered(
    steps.map((step) => ({ id: step.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    steps.flatMap((step) => (step.depends_on ?? []).map((dep) => ({ source: dep, target: step.id }))),
  );
  const nodes = steps.map((step) => ({ id: step.id, ...layout.positions.get(step.id)!, step }));
  return { nodes, edges: layout.edges, width: layout.width, height: layout.height };
}
