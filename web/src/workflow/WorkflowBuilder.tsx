// The workflow builder: a canvas of the steps drawn from the text beside it, and panels to add a step from the
// catalog, set its arguments from the tool's inputSchema (with the references its upstream offers), its
// dependencies and its when, for_each, retry, timeout_seconds and on_error, and the workflow's name, input and
// output. Every action is one minimal edit of the text (shared/workflows/definition-edits.ts) dispatched into the
// code editor, whose history is the only one: undo and redo cover both. The layout is computed, never stored.
// While the text does not parse, the canvas is read-only and says where the text is wrong.
import "@xyflow/react/dist/style.css";
import { useQuery } from "@tanstack/react-query";
import {
  Background,
  type Connection,
  Controls,
  type Edge,
  type Node,
  type NodeProps,
  ReactFlow,
} from "@xyflow/react";
import { type ReactNode, useMemo, useRef, useState } from "react";
import {
  addDependency,
  addStep,
  removeDependency,
  removeStep,
  type StepField,
  setStepField,
  setWorkflowField,
  type TextChange,
} from "../../../shared/workflows/definition-edits.js";
import { EditableText } from "../../../shared/workflows/text-edit.js";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { ProblemMessage } from "../components/common.js";
import { fieldsOf } from "../forms/schema-form.js";
import { layoutGraph } from "../graph/layout.js";
import { StepNodeCard } from "../graph/WorkflowGraph.js";
import {
  argumentText,
  argumentValue,
  type BuilderModel,
  type BuilderStep,
  literalValue,
  modelOf,
  referencesFor,
} from "./builder-model.js";

/** Computes an edit against the text as it is when dispatched, so edits in a row each see the last one. */
export type ApplyEdit = (edit: (text: string) => TextChange[]) => void;

type Model = Extract<BuilderModel, { ok: true }>;

export function WorkflowBuilder(props: {
  text: string;
  apply: ApplyEdit;
  readOnly: boolean;
  undo(): void;
  redo(): void;
}) {
  const model = useMemo(() => modelOf(props.text), [props.text]);
  // While the text does not parse, the canvas keeps drawing the last text that did, read-only.
  const lastGood = useRef<Model | undefined>(undefined);
  if (model.ok) lastGood.current = model;
  const drawn = model.ok ? model : lastGood.current;
  const [selected, setSelected] = useState<string | undefined>();
  const editable = model.ok && !props.readOnly;
  const step = model.ok ? model.steps.find((s) => s.id === selected) : undefined;
  return (
    <section className="builder-canvas" aria-label="Workflow builder">
      <div className="toolbar">
        <button type="button" className="secondary" onClick={props.undo} disabled={props.readOnly}>
          Undo
        </button>
        <button type="button" className="secondary" onClick={props.redo} disabled={props.readOnly}>
          Redo
        </button>
        {!model.ok && (
          <p role="alert" className="error">
            The canvas is read-only until the text parses: {model.reason}
          </p>
        )}
      </div>
      {drawn && (
        <Canvas
          model={drawn}
          selected={selected}
          onSelect={setSelected}
          editable={editable}
          apply={props.apply}
        />
      )}
      {model.ok && editable && (
        <>
          {step && (
            <StepPanel
              key={step.id}
              model={model}
              step={step}
              apply={props.apply}
              onRemoved={() => setSelected(undefined)}
            />
          )}
          <AddStep model={model} apply={props.apply} onAdded={setSelected} />
          <WorkflowPanel model={model} apply={props.apply} />
        </>
      )}
    </section>
  );
}

interface NodeData extends Record<string, unknown> {
  step: BuilderStep;
  selected: boolean;
  editable: boolean;
}

function StepNode({ data }: NodeProps<Node<NodeData>>) {
  return <StepNodeCard step={data.step} selected={data.selected} connectable={data.editable} />;
}

const nodeTypes = { step: StepNode };

function Canvas(props: {
  model: Model;
  selected: string | undefined;
  onSelect(id: string): void;
  editable: boolean;
  apply: ApplyEdit;
}) {
  const layout = useMemo(() => layoutGraph(props.model.steps), [props.model.steps]);
  // The graph is controlled (drawn from the text), so React Flow's selection of an edge is kept here; Delete then
  // removes the selected edges' depends_on entries.
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());
  const nodes: Node<NodeData>[] = layout.nodes.map((node) => ({
    id: node.id,
    type: "step",
    position: { x: node.x, y: node.y },
    data: { step: node.step as BuilderStep, selected: props.selected === node.id, editable: props.editable },
    ariaLabel: `Step ${node.id}: ${node.step.tool}`,
    draggable: false,
    connectable: props.editable,
  }));
  const edges: Edge[] = layout.edges.map((edge) => ({
    ...edge,
    type: "smoothstep",
    deletable: props.editable,
    selected: selectedEdges.has(edge.id),
    ariaLabel: `${edge.target} depends on ${edge.source}`,
  }));
  return (
    <div className="graph" style={{ height: Math.min(Math.max(layout.height + 60, 280), 560) }}>
      <ReactFlow
        // A step added or removed lays the graph out anew: fitted again, so every node is in view.
        key={props.model.steps.map((step) => step.id).join(" ")}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={props.editable}
        edgesFocusable={props.editable}
        deleteKeyCode={props.editable ? ["Backspace", "Delete"] : null}
        onNodeClick={(_event, node) => props.onSelect(node.id)}
        onConnect={(connection: Connection) =>
          props.apply((text) => addDependency(text, connection.target, connection.source))
        }
        onEdgesChange={(changes) => {
          const next = new Set(selectedEdges);
          for (const change of changes) {
            if (change.type !== "select") continue;
            if (change.selected) next.add(change.id);
            else next.delete(change.id);
          }
          setSelectedEdges(next);
        }}
        onEdgesDelete={(deleted) => {
          for (const edge of deleted) props.apply((text) => removeDependency(text, edge.target, edge.source));
        }}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
      <ul className="sr-only">
        {props.model.steps.map((step) => (
          <li key={step.id}>
            <button type="button" onClick={() => props.onSelect(step.id)}>
              Select step {step.id}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A text field whose suggestions are the references the step may use. */
function ReferenceInput(props: {
  id: string;
  label: ReactNode;
  value: string;
  onChange(value: string): void;
  references: string[];
  required?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        list={`${props.id}-references`}
        value={props.value}
        required={props.required}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <datalist id={`${props.id}-references`}>
        {props.references.map((reference) => (
          <option key={reference} value={reference} />
        ))}
      </datalist>
    </div>
  );
}

function Panel(props: { title: string; children: ReactNode }) {
  return (
    <details className="builder-panel" open>
      <summary>{props.title}</summary>
      {props.children}
    </details>
  );
}

/** The tools of a server version (the latest when the step names none), from its last probe. */
function useTools(name: string | undefined, version: string | undefined) {
  const { client } = useApp();
  const latest = useQuery({
    queryKey: ["server", name, "versions"],
    enabled: name !== undefined && name !== "" && version === undefined,
    queryFn: async () =>
      unwrap(await client.GET("/v1/servers/{name}/versions", { params: { path: { name: name! } } })),
  });
  const resolved =
    version ?? (latest.data?.versions.find((v) => v.isLatest) ?? latest.data?.versions[0])?.server.version;
  return useQuery({
    queryKey: ["server", name, "tools", resolved],
    enabled: name !== undefined && name !== "" && resolved !== undefined,
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/servers/{name}/versions/{version}/tools", {
          params: { path: { name: name!, version: resolved! } },
        }),
      ),
  });
}

function AddStep(props: { model: Model; apply: ApplyEdit; onAdded(id: string): void }) {
  const { client } = useApp();
  const servers = useQuery({
    queryKey: ["servers", "builder"],
    queryFn: async () => unwrap(await client.GET("/v1/servers", { params: { query: {} } })),
  });
  const [server, setServer] = useState("");
  const [tool, setTool] = useState("");
  const [id, setId] = useState("");
  const record = servers.data?.servers.find((s) => s.server.name === server);
  const tools = useTools(record?.server.name, record?.server.version);
  const taken = props.model.steps.some((step) => step.id === id);
  const valid = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/.test(id) && !taken && record !== undefined && tool !== "";
  return (
    <Panel title="Add a step">
      <form
        className="builder-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!valid || !record) return;
          props.apply((text) =>
            addStep(text, { id, server: `${record.server.name}@${record.server.version}`, tool }),
          );
          props.onAdded(id);
          setId("");
        }}
      >
        <div className="field">
          <label htmlFor="builder-add-server">Server</label>
          <select id="builder-add-server" value={server} onChange={(event) => setServer(event.target.value)}>
            <option value="">—</option>
            {servers.data?.servers.map((s) => (
              <option key={s.server.name} value={s.server.name}>
                {s.server.title ?? s.server.name} ({s.server.version})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="builder-add-tool">Tool</label>
          <select id="builder-add-tool" value={tool} onChange={(event) => setTool(event.target.value)}>
            <option value="">—</option>
            {tools.data?.tools.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="builder-add-id">Step id</label>
          <input id="builder-add-id" value={id} onChange={(event) => setId(event.target.value)} />
          {taken && <span className="hint error">A step with this id exists.</span>}
        </div>
        <button type="submit" disabled={!valid}>
          Add step
        </button>
      </form>
      <ProblemMessage error={servers.error ?? tools.error} />
    </Panel>
  );
}

function StepPanel(props: { model: Model; step: BuilderStep; apply: ApplyEdit; onRemoved(): void }) {
  const { model, step, apply } = props;
  const references = referencesFor(model, step.id);
  const set = (field: StepField, value: unknown) =>
    apply((text) => setStepField(text, step.id, field, value));
  const others = model.steps.filter((s) => s.id !== step.id && !step.depends_on.includes(s.id));
  const [dependency, setDependency] = useState("");
  return (
    <Panel title={`Step ${step.id}`}>
      <p className="muted">
        <code>{step.tool}</code> on <code>{step.serverText}</code>
      </p>
      <ArgumentsForm step={step} references={references} onApply={(args) => set("arguments", args)} />
      <fieldset>
        <legend>Depends on</legend>
        <ul className="plain">
          {step.depends_on.map((dep) => (
            <li key={dep}>
              <code>{dep}</code>{" "}
              <button
                type="button"
                className="secondary"
                onClick={() => apply((text) => removeDependency(text, step.id, dep))}
              >
                Remove dependency on {dep}
              </button>
            </li>
          ))}
        </ul>
        <div className="toolbar">
          <label htmlFor="builder-dependency">Add a dependency</label>
          <select
            id="builder-dependency"
            value={dependency}
            onChange={(event) => setDependency(event.target.value)}
          >
            <option value="">—</option>
            {others.map((other) => (
              <option key={other.id} value={other.id}>
                {other.id}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={dependency === ""}
            onClick={() => {
              apply((text) => addDependency(text, step.id, dependency));
              setDependency("");
            }}
          >
            Add dependency
          </button>
        </div>
      </fieldset>
      <ControlFields step={step} references={references} set={set} />
      <button
        type="button"
        className="danger"
        onClick={() => {
          apply((text) => removeStep(text, step.id));
          props.onRemoved();
        }}
      >
        Remove step {step.id}
      </button>
    </Panel>
  );
}

/** The tool's inputSchema as fields (web/src/forms), each a text that may be a reference or hold some. */
function ArgumentsForm(props: {
  step: BuilderStep;
  references: string[];
  onApply(args: Record<string, unknown>): void;
}) {
  const tools = useTools(props.step.server.name, props.step.server.version);
  const tool = tools.data?.tools.find((t) => t.name === props.step.tool);
  const fields = useMemo(
    () => (tool ? fieldsOf((tool.inputSchema ?? {}) as Record<string, unknown>) : []),
    [tool],
  );
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(props.step.arguments).map(([k, v]) => [k, argumentText(v)])),
  );
  if (tools.isPending) return <p className="muted">Loading the tool's arguments…</p>;
  if (!tool)
    return <p className="muted">No probe lists {props.step.tool}; edit its arguments in the text.</p>;
  return (
    <form
      className="builder-form"
      aria-label={`Arguments of ${props.step.id}`}
      onSubmit={(event) => {
        event.preventDefault();
        const args: Record<string, unknown> = { ...props.step.arguments };
        for (const field of fields) {
          const value = argumentValue(field.kind, values[field.name] ?? "");
          if (value === undefined) delete args[field.name];
          else args[field.name] = value;
        }
        props.onApply(args);
      }}
    >
      <fieldset>
        <legend>Arguments</legend>
        {fields.map((field) => (
          <ReferenceInput
            key={field.name}
            id={`builder-arg-${field.name}`}
            label={
              <>
                {field.label}
                {field.required && <span aria-hidden="true"> *</span>}{" "}
                <span className="hint">({field.kind})</span>
              </>
            }
            value={values[field.name] ?? ""}
            required={field.required}
            references={props.references}
            onChange={(value) => setValues((old) => ({ ...old, [field.name]: value }))}
          />
        ))}
        <button type="submit">Apply arguments</button>
      </fieldset>
    </form>
  );
}

const numberOr = (text: string): number | undefined =>
  text.trim() === "" || !Number.isFinite(Number(text)) ? undefined : Number(text);

/** when, for_each, retry, timeout_seconds, on_error: each applied (or cleared) on its own, one edit each. */
function ControlFields(props: {
  step: BuilderStep;
  references: string[];
  set(field: StepField, value: unknown): void;
}) {
  const { step, set } = props;
  const when = step.when ?? {};
  const operator =
    ["equals", "not_equals", "gt", "gte", "lt", "lte", "exists", "truthy"].find((op) => op in when) ??
    "equals";
  const [whenPath, setWhenPath] = useState(String(when.path ?? ""));
  const [whenOp, setWhenOp] = useState(operator);
  const [whenValue, setWhenValue] = useState(argumentText(when[operator]));
  const [items, setItems] = useState(String(step.for_each?.items ?? ""));
  const [concurrency, setConcurrency] = useState(argumentText(step.for_each?.max_concurrency));
  const [attempts, setAttempts] = useState(argumentText(step.retry?.max_attempts));
  const [interval, setRetryInterval] = useState(argumentText(step.retry?.interval_seconds));
  const [backoff, setBackoff] = useState(argumentText(step.retry?.backoff_rate));
  const [timeout, setTimeoutText] = useState(argumentText(step.timeout_seconds));
  const compact = (value: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  return (
    <>
      <fieldset>
        <legend>When</legend>
        <ReferenceInput
          id="builder-when-path"
          label="Condition on"
          value={whenPath}
          onChange={setWhenPath}
          references={props.references}
        />
        <div className="field">
          <label htmlFor="builder-when-op">Test</label>
          <select id="builder-when-op" value={whenOp} onChange={(event) => setWhenOp(event.target.value)}>
            {["equals", "not_equals", "gt", "gte", "lt", "lte", "exists", "truthy"].map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="builder-when-value">Value</label>
          <input
            id="builder-when-value"
            value={whenValue}
            onChange={(event) => setWhenValue(event.target.value)}
          />
        </div>
        <div className="toolbar">
          <button
            type="button"
            disabled={whenPath.trim() === ""}
            onClick={() => set("when", { path: whenPath, [whenOp]: literalValue(whenValue) })}
          >
            Apply when
          </button>
          <button type="button" className="secondary" onClick={() => set("when", undefined)}>
            Clear when
          </button>
        </div>
      </fieldset>
      <fieldset>
        <legend>For each</legend>
        <ReferenceInput
          id="builder-for-each-items"
          label="Items (a reference to a list)"
          value={items}
          onChange={setItems}
          references={props.references.filter((r) => r !== "{{ item }}")}
        />
        <div className="field">
          <label htmlFor="builder-for-each-concurrency">Max concurrency</label>
          <input
            id="builder-for-each-concurrency"
            type="number"
            value={concurrency}
            onChange={(event) => setConcurrency(event.target.value)}
          />
        </div>
        <div className="toolbar">
          <button
            type="button"
            disabled={items.trim() === ""}
            onClick={() => set("for_each", compact({ items, max_concurrency: numberOr(concurrency) }))}
          >
            Apply for each
          </button>
          <button type="button" className="secondary" onClick={() => set("for_each", undefined)}>
            Clear for each
          </button>
        </div>
      </fieldset>
      <fieldset>
        <legend>Retry</legend>
        <div className="field">
          <label htmlFor="builder-retry-attempts">Max attempts</label>
          <input
            id="builder-retry-attempts"
            type="number"
            value={attempts}
            onChange={(event) => setAttempts(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="builder-retry-interval">Interval (seconds)</label>
          <input
            id="builder-retry-interval"
            type="number"
            value={interval}
            onChange={(event) => setRetryInterval(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="builder-retry-backoff">Backoff rate</label>
          <input
            id="builder-retry-backoff"
            type="number"
            value={backoff}
            onChange={(event) => setBackoff(event.target.value)}
          />
        </div>
        <div className="toolbar">
          <button
            type="button"
            disabled={numberOr(attempts) === undefined}
            onClick={() =>
              set(
                "retry",
                compact({
                  max_attempts: numberOr(attempts),
                  interval_seconds: numberOr(interval),
                  backoff_rate: numberOr(backoff),
                }),
              )
            }
          >
            Apply retry
          </button>
          <button type="button" className="secondary" onClick={() => set("retry", undefined)}>
            Clear retry
          </button>
        </div>
      </fieldset>
      <fieldset>
        <legend>Timeout and errors</legend>
        <div className="field">
          <label htmlFor="builder-timeout">Timeout (seconds)</label>
          <input
            id="builder-timeout"
            type="number"
            value={timeout}
            onChange={(event) => setTimeoutText(event.target.value)}
          />
        </div>
        <div className="toolbar">
          <button
            type="button"
            disabled={numberOr(timeout) === undefined}
            onClick={() => set("timeout_seconds", numberOr(timeout))}
          >
            Apply timeout
          </button>
          <button type="button" className="secondary" onClick={() => set("timeout_seconds", undefined)}>
            Clear timeout
          </button>
        </div>
        <div className="field">
          <label htmlFor="builder-on-error">On error</label>
          <select
            id="builder-on-error"
            value={step.on_error ?? "fail"}
            onChange={(event) =>
              set("on_error", event.target.value === "fail" ? undefined : event.target.value)
            }
          >
            <option value="fail">fail (the run fails)</option>
            <option value="continue">continue (the run goes on)</option>
          </select>
        </div>
      </fieldset>
    </>
  );
}

const INPUT_TYPES: Record<string, Record<string, unknown>> = {
  string: { type: "string" },
  number: { type: "number" },
  integer: { type: "integer" },
  boolean: { type: "boolean" },
  "list of strings": { type: "array", items: { type: "string" } },
  object: { type: "object" },
};

/** The workflow's name, description, input properties and output. */
function WorkflowPanel(props: { model: Model; apply: ApplyEdit }) {
  const { model, apply } = props;
  const [name, setName] = useState(model.name);
  const [description, setDescription] = useState(model.description);
  const [inputName, setInputName] = useState("");
  const [inputType, setInputType] = useState("string");
  const [inputRequired, setInputRequired] = useState(true);
  const [outputKey, setOutputKey] = useState("");
  const [outputValue, setOutputValue] = useState("");
  const addInput = (text: string): TextChange[] => {
    const doc = new EditableText(text);
    const schema = INPUT_TYPES[inputType]!;
    // The first property makes the input an object schema; later ones go under its properties.
    if (doc.nodeAt(["input"]) === undefined) {
      return setWorkflowField(text, "input", {
        type: "object",
        ...(inputRequired ? { required: [inputName] } : {}),
        properties: { [inputName]: schema },
      });
    }
    // One edit: the property and its entry in `required`, both against this text (disjoint places).
    return [
      ...doc.changes({ op: "set", path: ["input", "properties", inputName], value: schema }),
      ...(inputRequired ? doc.changes({ op: "append", path: ["input", "required"], value: inputName }) : []),
    ];
  };
  return (
    <Panel title="Workflow">
      <div className="builder-form">
        <div className="field">
          <label htmlFor="builder-name">Name</label>
          <input id="builder-name" value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <button type="button" onClick={() => apply((text) => setWorkflowField(text, "name", name))}>
          Apply name
        </button>
        <div className="field">
          <label htmlFor="builder-description">Description</label>
          <input
            id="builder-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
        <button
          type="button"
          onClick={() =>
            apply((text) =>
              setWorkflowField(text, "description", description.trim() ? description : undefined),
            )
          }
        >
          Apply description
        </button>
      </div>
      <fieldset>
        <legend>Input</legend>
        <ul className="plain">
          {model.inputs.map((input) => (
            <li key={input.name}>
              <code>{input.name}</code> {JSON.stringify(input.schema)}
              {input.required ? " (required)" : ""}
            </li>
          ))}
        </ul>
        <div className="field">
          <label htmlFor="builder-input-name">Input name</label>
          <input
            id="builder-input-name"
            value={inputName}
            onChange={(event) => setInputName(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="builder-input-type">Input type</label>
          <select
            id="builder-input-type"
            value={inputType}
            onChange={(event) => setInputType(event.target.value)}
          >
            {Object.keys(INPUT_TYPES).map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-inline">
          <input
            id="builder-input-required"
            type="checkbox"
            checked={inputRequired}
            onChange={(event) => setInputRequired(event.target.checked)}
          />
          <label htmlFor="builder-input-required">Required</label>
        </div>
        <button
          type="button"
          disabled={
            !/^[A-Za-z_][A-Za-z0-9_]*$/.test(inputName) || model.inputs.some((i) => i.name === inputName)
          }
          onClick={() => {
            apply(addInput);
            setInputName("");
          }}
        >
          Add input
        </button>
      </fieldset>
      <fieldset>
        <legend>Output</legend>
        <ul className="plain">
          {Object.entries(model.output).map(([key, value]) => (
            <li key={key}>
              <code>{key}</code>: <code>{argumentText(value)}</code>{" "}
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  apply((text) => new EditableText(text).changes({ op: "delete", path: ["output", key] }))
                }
              >
                Remove output {key}
              </button>
            </li>
          ))}
        </ul>
        <div className="field">
          <label htmlFor="builder-output-key">Output key</label>
          <input
            id="builder-output-key"
            value={outputKey}
            onChange={(event) => setOutputKey(event.target.value)}
          />
        </div>
        <ReferenceInput
          id="builder-output-value"
          label="Output value"
          value={outputValue}
          onChange={setOutputValue}
          references={referencesFor(model, undefined)}
        />
        <button
          type="button"
          disabled={outputKey.trim() === "" || outputValue.trim() === ""}
          onClick={() => {
            apply((text) =>
              new EditableText(text).changes({ op: "set", path: ["output", outputKey], value: outputValue }),
            );
            setOutputKey("");
            setOutputValue("");
          }}
        >
          Add output
        </button>
      </fieldset>
    </Panel>
  );
}
