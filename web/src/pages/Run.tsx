// The run monitor: the header (status, duration, version, who started it, the Step Functions console on AWS),
// Cancel and Run again, and four views of the same run — Graph with live status colours, Timeline (a bar per
// step, item and attempt, the critical path), Table and Events — with a time scrubber that replays the graph
// and a step panel. The run and its history are polled while it runs; view, step and moment are in the URL.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { lazy, Suspense, useEffect, useMemo } from "react";
import { formatUsd } from "../../../shared/costs/format.js";
import { stepGraph } from "../../../shared/workflows/graph.js";
import { unwrap } from "../api/client.js";
import type { RunRecord } from "../api/types.js";
import { useApp, useCan } from "../app-context.js";
import {
  CodeBlock,
  durationBetween,
  formatDuration,
  Loading,
  ProblemMessage,
  StatusBadge,
  Time,
} from "../components/common.js";
import { StepPanel } from "../run/StepPanel.js";
import { TimelineView } from "../run/TimelineView.js";
import { layoutTimeline, statusAt, type Timeline } from "../run/timeline.js";

const loadGraph = () => import("../graph/WorkflowGraph.js");
const WorkflowGraph = lazy(() => loadGraph().then((m) => ({ default: m.WorkflowGraph })));

const route = getRouteApi("/runs/$id");
type View = "graph" | "timeline" | "table" | "events";

export function Run() {
  const { client } = useApp();
  const { id } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const view: View = search.view ?? "timeline";
  // The graph's code (React Flow) loads while the run's data does, not after it arrived.
  useEffect(() => {
    if (view === "graph") void loadGraph();
  }, [view]);
  const run = useQuery({
    queryKey: ["run", id],
    queryFn: async () => unwrap(await client.GET("/v1/runs/{id}", { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data?.status === "RUNNING" ? 1_000 : false),
  });
  const running = run.data?.status === "RUNNING";
  const ended = run.data !== undefined && !running;
  const events = useQuery({
    // The history is read once more when the run is seen to have ended: polling alone stopped at its last read
    // before the end, up to 1.5 s of events short (a step drawn RUNNING under a SUCCEEDED header). The platform
    // writes a run's last events before its end (local/engine.ts; on AWS the history is Step Functions' own), so a
    // read after the end is the whole history.
    queryKey: ["run", id, "events", ended ? "ended" : "live"],
    // Not before the record says whether the run ended: a run opened after its end had its whole history read
    // twice, once under "live" and once more under "ended".
    enabled: run.data !== undefined,
    queryFn: async () => unwrap(await client.GET("/v1/runs/{id}/events", { params: { path: { id } } })),
    refetchInterval: running ? 1_500 : false,
    placeholderData: keepPreviousData,
  });
  const workflow = useQuery({
    queryKey: ["workflow", run.data?.workflow, "version", run.data?.version],
    enabled: run.data !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/workflows/{name}/versions/{n}", {
          params: { path: { name: run.data!.workflow, n: run.data!.version } },
        }),
      ),
  });
  const definition = workflow.data?.definition;
  const graph = useMemo(() => (definition ? stepGraph(definition) : undefined), [definition]);
  const timeline = useMemo<Timeline | undefined>(() => {
    if (!run.data) return undefined;
    return layoutTimeline({
      run: run.data,
      // Not the live history kept on screen while the final one loads: the records alone are right meanwhile.
      events: (events.isPlaceholderData ? undefined : events.data?.events) as never,
      dependsOn: graph ? Object.fromEntries(graph.dependsOn) : undefined,
      order: graph?.order,
      now: Date.now(),
    });
  }, [run.data, events.data, events.isPlaceholderData, graph]);

  const moment = search.at !== undefined && timeline ? Math.min(search.at, timeline.end) : undefined;
  // One object per change of the run or the moment, so the graph redraws only the nodes whose status changed.
  const statuses = useMemo(() => {
    const byStep: Record<string, string> = {};
    for (const row of timeline?.rows ?? []) {
      if (row.depth === 0) byStep[row.stepId] = moment === undefined ? row.status : statusAt(row, moment);
    }
    return byStep;
  }, [timeline, moment]);

  if (run.isPending) return <Loading what="the run" />;
  if (run.error) return <ProblemMessage error={run.error} />;
  const record = run.data;
  const select = (step: string) => navigate({ search: (previous) => ({ ...previous, step }), replace: true });
  const selectedStep = record.steps?.find((step) => step.stepId === search.step);

  return (
    <>
      <p className="muted">
        <Link to="/runs">Runs</Link> /
      </p>
      <RunHeader record={record} />
      <nav className="tabs" aria-label="Run views">
        {(["graph", "timeline", "table", "events"] as View[]).map((key) => (
          <Link
            key={key}
            from="/runs/$id"
            to="/runs/$id"
            params={{ id }}
            search={(previous) => ({ ...previous, view: key })}
            aria-current={view === key ? "page" : undefined}
          >
            {key[0]!.toUpperCase() + key.slice(1)}
          </Link>
        ))}
      </nav>
      {(view === "graph" || view === "timeline") && timeline && (
        <div className="scrubber">
          <label htmlFor="scrubber">Moment</label>
          <input
            id="scrubber"
            type="range"
            min={0}
            max={Math.round(timeline.end)}
            step={Math.max(1, Math.round(timeline.end / 500))}
            value={moment ?? Math.round(timeline.end)}
            aria-valuetext={moment === undefined ? "now" : `${formatDuration(moment)} after the start`}
            onChange={(event) =>
              navigate({
                search: (previous) => ({ ...previous, at: Number(event.target.value) }),
                replace: true,
              })
            }
          />
          <output htmlFor="scrubber">{moment === undefined ? "now" : `+${formatDuration(moment)}`}</output>
          {moment !== undefined && (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                navigate({ search: (previous) => ({ ...previous, at: undefined }), replace: true })
              }
            >
              Now
            </button>
          )}
        </div>
      )}
      <div className="run-layout">
        <div>
          {view === "graph" &&
            (definition ? (
              <Suspense fallback={<Loading what="the graph" />}>
                <WorkflowGraph
                  steps={definition.steps}
                  statuses={statuses}
                  selected={search.step}
                  onSelect={select}
                  label={`Graph of run ${record.id}`}
                />
              </Suspense>
            ) : (
              <Loading what="the workflow" />
            ))}
          {view === "timeline" && timeline && (
            <TimelineView timeline={timeline} selected={search.step} onSelect={select} moment={moment} />
          )}
          {view === "table" && <StepTable record={record} onSelect={select} />}
          {view === "events" && (
            <>
              {events.isPending && <Loading what="events" />}
              <ProblemMessage error={events.error} />
              {events.data && <EventTable events={events.data.events} />}
            </>
          )}
        </div>
        {selectedStep && <StepPanel step={selectedStep} onClose={() => select("")} />}
      </div>
    </>
  );
}

function RunHeader({ record }: { record: RunRecord }) {
  const { client } = useApp();
  const canRun = useCan("operator");
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(await client.POST("/v1/runs/{id}/cancel", { params: { path: { id: record.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["run", record.id] }),
  });
  const again = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.POST("/v1/workflows/{name}/runs", {
          params: { path: { name: record.workflow } },
          body: { input: record.input, version: record.version },
        }),
      ),
    onSuccess: (started) => navigate({ to: "/runs/$id", params: { id: started.id } }),
  });
  const duration = durationBetween(record.startedAt, record.endedAt);
  return (
    <>
      <h1>
        Run of{" "}
        <Link to="/workflows/$name" params={{ name: record.workflow }}>
          {record.workflow}
        </Link>{" "}
        v{record.version} <StatusBadge status={record.status} />
      </h1>
      <dl className="facts">
        <dt>Run</dt>
        <dd>
          <code>{record.id}</code>
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={record.startedAt} /> by {record.startedBy}
        </dd>
        <dt>Duration</dt>
        <dd>
          {duration !== undefined ? formatDuration(duration) : "—"}
          {record.status === "RUNNING" ? " so far" : ""}
        </dd>
        {record.cost && record.usage && (
          <>
            <dt>Cost</dt>
            <dd
              title={`${record.usage.stateTransitions} state transitions, ${record.usage.tasks} task(s) for ${record.usage.taskSeconds} s, ${record.usage.functionGbSeconds} Lambda GB-s, ${record.usage.storeReads} store reads, ${record.usage.storeWrites} writes`}
            >
              {formatUsd(record.cost.usd)}{" "}
              {record.cost.estimated ? "what this run would cost on AWS" : "on AWS"} ({record.cost.region}{" "}
              list prices of {record.cost.pricesAsOf})
            </dd>
          </>
        )}
        {record.error && (
          <>
            <dt>Error</dt>
            <dd>
              <code>{record.error.error}</code> {record.error.cause}
            </dd>
          </>
        )}
        {record.consoleUrl && (
          <>
            <dt>Step Functions</dt>
            <dd>
              <a href={record.consoleUrl} target="_blank" rel="noreferrer">
                Open the execution in the AWS console
              </a>
            </dd>
          </>
        )}
      </dl>
      {canRun && (
        <div className="toolbar">
          {record.status === "RUNNING" && (
            <button
              type="button"
              className="danger"
              disabled={cancel.isPending}
              onClick={() => {
                if (window.confirm("Cancel this run? Steps in progress are stopped.")) cancel.mutate();
              }}
            >
              Cancel run
            </button>
          )}
          <button
            type="button"
            className="secondary"
            disabled={again.isPending}
            onClick={() => again.mutate()}
          >
            Run again with the same input
          </button>
          <ProblemMessage error={cancel.error ?? again.error} />
        </div>
      )}
    </>
  );
}

function StepTable({ record, onSelect }: { record: RunRecord; onSelect(step: string): void }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Tool</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {(record.steps ?? []).map((step) => (
            <tr key={step.stepId}>
              <td>
                <button type="button" className="link" onClick={() => onSelect(step.stepId)}>
                  {step.stepId}
                </button>
                {step.items && <span className="muted"> ({step.items.length} items)</span>}
              </td>
              <td>
                <code>{step.tool}</code> <span className="muted">{step.server}</span>
              </td>
              <td>
                <StatusBadge status={step.status} />
              </td>
              <td>{step.attempts}</td>
              <td>
                <Time iso={step.startedAt} />
              </td>
              <td>
                {step.startedAt ? formatDuration(durationBetween(step.startedAt, step.endedAt) ?? 0) : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EventTable({ events }: { events: Record<string, unknown>[] }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event, i) => (
            <tr key={String(event.id ?? i)}>
              <td>{String(event.id ?? i + 1)}</td>
              <td>{typeof event.timestamp === "string" ? event.timestamp.slice(11, 23) : ""}</td>
              <td>{String(event.type ?? "")}</td>
              <td>{String(event.stateName ?? "")}</td>
              <td>
                <details>
                  <summary>detail</summary>
                  <CodeBlock>{JSON.stringify(event.detail ?? event, null, 2)}</CodeBlock>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
