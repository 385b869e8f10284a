// The workflow drawn as a graph (React Flow over the dagre layout): each node shows the step, server@version and
// tool, and marks for_each, when and on_error: continue; with `statuses` (the run monitor) nodes take their
// step's status colour. Loaded only on pages that draw a graph.
import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import { useMemo } from "react";
import { type GraphStep, layoutGraph, serverLabel, shortServerLabel } from "./layout.js";

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

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  return <StepNodeCard step={data.step} status={data.status} selected={data.selected} />;
}

const nodeTypes = { step: StepNode };

export function WorkflowGraph(props: {
  steps: GraphStep[];
  statuses?: Record<string, string> | undefined;
  selected?: string | undefined;
  onSelect?: ((stepId: string) => void) | undefined;
  label: string;
}) {
  const layout = useMemo(() => layoutGraph(props.steps), [props.steps]);
  const nodes: Node<StepNodeData>[] = layout.nodes.map((node) => ({
    id: node.id,
    type: "step",
    position: { x: node.x, y: node.y },
    data: { step: node.step, status: props.statuses?.[node.id], selected: props.selected === node.id },
    ariaLabel: `Step ${node.id}: ${node.step.tool} on ${serverLabel(node.step.server)}${props.statuses?.[node.id] ? `, ${props.statuses[node.id]}` : ""}`,
    draggable: false,
    connectable: false,
  }));
  const edges: Edge[] = layout.edges.map((edge) => ({ ...edge, type: "smoothstep" }));
  return (
    <section
      className="graph"
      aria-label={props.label}
      style={{ height: Math.min(Math.max(layout.height + 40, 260), 640) }}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        // Only the nodes and edges in view are rendered: a 500-step run's graph took 6 s of main thread otherwise
        // (bench/run-monitor.ts).
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
