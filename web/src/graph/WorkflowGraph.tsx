// The workflow drawn as a graph (React Flow over the layered layout): each node shows the step, server@version and
// tool, and marks for_each, when and on_error: continue; with `statuses` (the run monitor) nodes take their
// step's status colour. Loaded only on pages that draw a graph.
import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  type Edge,
  type FitViewOptions,
  Handle,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import { memo, useMemo, useRef } from "react";
import {
  type GraphLayout,
  type GraphStep,
  layoutGraph,
  NODE_HEIGHT,
  NODE_WIDTH,
  serverLabel,
  shortServerLabel,
} from "./layout.js";

interface StepNodeData extends Record<string, unknown> {
  step: GraphStep;
  status?: string | undefined;
  selected: boolean;
}

/**
 * What a step's node shows, on the run's graph and on the builder's canvas: its id (and status), server@version,
 * tool, and marks for for_each, when and on_error: continue. `connectable` is the builder's (edges drawn by hand).
 */
export function StepNodeCard(props: {
  step: GraphStep;
  status?: string | undefined;
  selected: boolean;
  connectable?: boolean;
}) {
  const { step, status, selected, connectable } = props;
  return (
    <div
      className={`graph-node ${status ? `status-${status.toLowerCase()}` : ""} ${selected ? "selected" : ""}`}
    >
      <Handle type="target" position={Position.Top} isConnectable={connectable} />
      <div className="graph-node-title">
        <strong>{step.id}</strong>
        {status && <span className="graph-node-status">{status}</span>}
      </div>
      <div className="graph-node-server" title={serverLabel(step.server)}>
        {shortServerLabel(step.server)}
      </div>
      <div>
        <code>{step.tool}</code>
        {step.for_each !== undefined && <span className="mark">for each</span>}
        {step.when !== undefined && <span className="mark">when</span>}
        {step.on_error === "continue" && <span className="mark">on error: continue</span>}
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={connectable} />
    </div>
  );
}

const StepNode = memo(function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  return <StepNodeCard step={data.step} status={data.status} selected={data.selected} />;
});

const nodeTypes = { step: StepNode };

/** About the width the graph gets beside the step panel at 1280 pixels; a wider screen shows more. */
const TYPICAL_WIDTH = 800;
/** Below this zoom a node's text cannot be read. */
const READABLE_ZOOM = 0.5;

/**
 * What the graph first shows: all of it when it can be read that way, else its start — the first step and its
 * neighbours on the next ranks — at a readable zoom (a 500-step chain fitted whole is a column of specks).
 */
function startOf(layout: GraphLayout, height: number): FitViewOptions | undefined {
  const zoom = Math.min(TYPICAL_WIDTH / (layout.width + 40), height / (layout.height + 40));
  if (zoom >= READABLE_ZOOM || !layout.nodes.length) return undefined;
  const first = layout.nodes.reduce((top, node) =>
    node.y < top.y || (node.y === top.y && node.x < top.x) ? node : top,
  );
  const near = layout.nodes.filter(
    (node) => Math.abs(node.x - first.x) <= 1.5 * NODE_WIDTH && node.y - first.y <= 4 * (NODE_HEIGHT + 50),
  );
  return { nodes: near.map((node) => ({ id: node.id })), minZoom: READABLE_ZOOM, maxZoom: 1 };
}

export function WorkflowGraph(props: {
  steps: GraphStep[];
  statuses?: Record<string, string> | undefined;
  selected?: string | undefined;
  onSelect?: ((stepId: string) => void) | undefined;
  label: string;
}) {
  // Laid out once per definition: live statuses, the scrubber and the selection change only the nodes' data.
  const layout = useMemo(() => layoutGraph(props.steps), [props.steps]);
  const edges = useMemo<Edge[]>(
    () => layout.edges.map((edge) => ({ ...edge, type: "smoothstep" })),
    [layout],
  );
  // A node whose status and selection did not change keeps its object, which React Flow then does not process again.
  const previous = useRef(new Map<string, Node<StepNodeData>>());
  const nodes = useMemo(() => {
    const kept = previous.current;
    const next = new Map<string, Node<StepNodeData>>();
    const list = layout.nodes.map((node) => {
      const status = props.statuses?.[node.id];
      const selected = props.selected === node.id;
      const old = kept.get(node.id);
      const same =
        old &&
        old.data.step === node.step &&
        old.data.status === status &&
        old.data.selected === selected &&
        old.position.x === node.x &&
        old.position.y === node.y;
      const made: Node<StepNodeData> = same
        ? old
        : {
            id: node.id,
            type: "step",
            position: { x: node.x, y: node.y },
            data: { step: node.step, status, selected },
            ariaLabel: `Step ${node.id}: ${node.step.tool} on ${serverLabel(node.step.server)}${status ? `, ${status}` : ""}`,
            draggable: false,
            connectable: false,
          };
      next.set(node.id, made);
      return made;
    });
    previous.current = next;
    return list;
  }, [layout, props.statuses, props.selected]);
  const height = Math.min(Math.max(layout.height + 40, 260), 640);
  const fitViewOptions = useMemo(() => startOf(layout, height), [layout, height]);
  return (
    <section className="graph" aria-label={props.label} style={{ height }}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={fitViewOptions}
        // Only the nodes and edges in view are rendered: a 500-step run's graph took 6 s of main thread otherwise
        // (bench/run-monitor.ts, with dagre's layout).
        onlyRenderVisibleElements
        minZoom={0.2}
        nodesConnectable={false}
        nodesDraggable={false}
        onNodeClick={(_event, node) => props.onSelect?.(node.id)}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
      {/* The same graph as text, for screen readers and keyboard users. */}
      <ul className="sr-only">
        {props.steps.map((step) => (
          <li key={step.id}>
            {props.onSelect ? (
              <button type="button" onClick={() => props.onSelect?.(step.id)}>
                {step.id}
              </button>
            ) : (
              step.id
            )}
            : {step.tool} on {serverLabel(step.server)}
            {props.statuses?.[step.id] ? `, ${props.statuses[step.id]}` : ""}
            {step.depends_on?.length ? `, after ${step.depends_on.join(", ")}` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}
