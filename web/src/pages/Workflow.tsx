// A workflow: its DAG as a graph, its YAML (editable by editors, validated live), the ASL it compiles to, its
// versions with a diff between any two, its runs, and a Run dialog whose form comes from the workflow's input
// schema. Tab, version and the compared version are in the URL.
import { useMutation, useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { lazy, Suspense, useRef } from "react";
import { stringify } from "yaml";
import { unwrap } from "../api/client.js";
import type { WorkflowVersionRecord } from "../api/types.js";
import { useApp, useCan } from "../app-context.js";
import { CodeBlock, Loading, ProblemMessage, Time } from "../components/common.js";
import { SchemaForm } from "../forms/SchemaForm.js";
import { WorkflowRuns } from "../workflow/WorkflowRuns.js";

const WorkflowGraph = lazy(() =>
  import("../graph/WorkflowGraph.js").then((m) => ({ default: m.WorkflowGraph })),
);
const WorkflowEditor = lazy(() =>
  import("../workflow/WorkflowEditor.js").then((m) => ({ default: m.WorkflowEditor })),
);
const MergeEditor = lazy(() => import("../editors/MergeEditor.js").then((m) => ({ default: m.MergeEditor })));

const route = getRouteApi("/workflows/$name");
type Tab = "graph" | "yaml" | "asl" | "versions" | "runs";

/**
 * The text a version was saved from (comments included), which the editor edits and the versions compare; a
 * version saved before texts were kept (the API answers its definition as JSON) is shown as YAML.
 */
export function sourceOf(record: WorkflowVersionRecord): { text: string; format: "yaml" | "json" } {
  return record.source.origin === "derived"
    ? { text: stringify(record.definition, { lineWidth: 0 }), format: "yaml" }
    : record.source;
}

export function Workflow() {
  const { client } = useApp();
  const { name } = route.useParams();
  const search = route.useSearch();
  const canEdit = useCan("editor");
  const canRun = useCan("operator");
  const tab: Tab = search.tab ?? "graph";
  const versions = useQuery({
    queryKey: ["workflow", name, "versions"],
    queryFn: async () =>
      unwrap(await client.GET("/v1/workflows/{name}/versions", { params: { path: { name } } })),
  });
  const latest = versions.data?.versions.find((v) => v.isLatest) ?? versions.data?.versions[0];
  const record = versions.data?.versions.find((v) => v.version === search.version) ?? latest;

  if (versions.isPending) return <Loading what="the workflow" />;
  if (versions.error) return <ProblemMessage error={versions.error} />;
  if (!record) return <ProblemMessage error={new Error(`${name} has no versions`)} />;
  return (
    <>
      <p className="muted">
        <Link to="/workflows">Workflows</Link> /
      </p>
      <h1>{name}</h1>
      {record.definition.description && <p>{record.definition.description}</p>}
      <p className="muted">
        version {record.version}
        {record.isLatest ? " (latest)" : ""} · saved <Time iso={record.savedAt} /> by {record.savedBy} ·{" "}
        {record.definition.steps.length} steps
      </p>
      {canRun && <RunDialog record={record} />}
      <nav className="tabs" aria-label="Workflow views">
        {(
          [
            ["graph", "Graph"],
            ["yaml", canEdit ? "Edit YAML" : "YAML"],
            ["asl", "ASL"],
            ["versions", "Versions"],
            ["runs", "Runs"],
          ] as [Tab, string][]
        ).map(([key, label]) => (
          <Link
            key={key}
            from="/workflows/$name"
            to="/workflows/$name"
            params={{ name }}
            search={(previous) => ({ ...previous, tab: key })}
            aria-current={tab === key ? "page" : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      <Suspense fallback={<Loading what="the view" />}>
        {tab === "graph" && (
          <WorkflowGraph steps={record.definition.steps} label={`Graph of ${name} v${record.version}`} />
        )}
        {tab === "yaml" && (
          <WorkflowEditor
            key={record.version}
            name={name}
            initial={sourceOf(record).text}
            format={sourceOf(record).format}
            readOnly={!canEdit}
          />
        )}
        {tab === "asl" && <Asl name={name} version={record.version} />}
        {tab === "versions" && (
          <Versions
            name={name}
            records={versions.data.versions}
            current={record}
            compare={search.compare}
            MergeEditor={MergeEditor}
          />
        )}
        {tab === "runs" && <WorkflowRuns name={name} />}
      </Suspense>
    </>
  );
}

function Asl({ name, version }: { name: string; version: number }) {
  const { client } = useApp();
  const asl = useQuery({
    queryKey: ["workflow", name, "asl", version],
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/workflows/{name}/versions/{n}/asl", { params: { path: { name, n: version } } }),
      ),
  });
  if (asl.isPending) return <Loading what="the ASL" />;
  if (asl.error) return <ProblemMessage error={asl.error} />;
  return (
    <>
      <p className="muted">The Amazon States Language definition this version compiles to (JSONPath).</p>
      <CodeBlock>{JSON.stringify(asl.data, null, 2)}</CodeBlock>
    </>
  );
}

function Versions(props: {
  name: string;
  records: WorkflowVersionRecord[];
  current: WorkflowVersionRecord;
  compare: number | undefined;
  MergeEditor: typeof MergeEditor;
}) {
  const navigate = useNavigate();
  const other =
    props.records.find((r) => r.version === props.compare) ??
    props.records.find((r) => r.version < props.current.version);
  const Merge = props.MergeEditor;
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">By</th>
              <th scope="col">Steps</th>
            </tr>
          </thead>
          <tbody>
            {props.records.map((record) => (
              <tr key={record.version}>
                <td>
                  <Link
                    to="/workflows/$name"
                    params={{ name: props.name }}
                    search={{ tab: "versions", version: record.version }}
                  >
                    v{record.version}
                  </Link>
                  {record.isLatest && <span className="badge">latest</span>}
                </td>
                <td>
                  <Time iso={record.savedAt} />
                </td>
                <td>{record.savedBy}</td>
                <td>{record.definition.steps.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.records.length > 1 && other && (
        <>
          <div className="toolbar">
            <div>
              <label htmlFor="compare-with">Compare v{props.current.version} with</label>
              <select
                id="compare-with"
                value={other.version}
                onChange={(event) =>
                  navigate({
                    to: "/workflows/$name",
                    params: { name: props.name },
                    search: {
                      tab: "versions",
                      version: props.current.version,
                      compare: Number(event.target.value),
                    },
                    replace: true,
                  })
                }
              >
                {props.records
                  .filter((r) => r.version !== props.current.version)
                  .map((r) => (
                    <option key={r.version} value={r.version}>
                      v{r.version}
                    </option>
                  ))}
              </select>
            </div>
          </div>
          <Merge
            left={sourceOf(other).text}
            right={sourceOf(props.current).text}
            language="yaml"
            leftLabel={`v${other.version}`}
            rightLabel={`v${props.current.version}`}
          />
        </>
      )}
    </>
  );
}

function RunDialog({ record }: { record: WorkflowVersionRecord }) {
  const { client } = useApp();
  const navigate = useNavigate();
  const dialog = useRef<HTMLDialogElement>(null);
  const start = useMutation({
    mutationFn: async (input: Record<string, unknown>) =>
      unwrap(
        await client.POST("/v1/workflows/{name}/runs", {
          params: { path: { name: record.name } },
          body: { input, version: record.version },
        }),
      ),
    onSuccess: (run) => navigate({ to: "/runs/$id", params: { id: run.id } }),
  });
  const schema = (record.definition.input ?? { type: "object" }) as Record<string, unknown>;
  return (
    <>
      <button type="button" onClick={() => dialog.current?.showModal()}>
        Run v{record.version}…
      </button>
      <dialog ref={dialog} aria-labelledby="run-dialog-title">
        <h2 id="run-dialog-title">
          Run {record.name} v{record.version}
        </h2>
        <SchemaForm
          schema={schema}
          idPrefix="run-input"
          submitLabel="Start run"
          busy={start.isPending}
          onSubmit={(input) => start.mutate(input)}
        />
        <ProblemMessage error={start.error} />
        <button
          type="button"
          className="secondary"
          onClick={() => dialog.current?.close()}
          style={{ marginTop: "0.5rem" }}
        >
          Close
        </button>
      </dialog>
    </>
  );
}
