// The dashboard, arranged by each person: their pinned workflows and servers, recent runs, the workflows whose last
// run failed, recently published servers — the panels they chose, in their order, kept by the API
// (GET/PUT /v1/me/preferences) so the arrangement follows them to another browser. "Arrange" edits it with buttons
// and checkboxes (keyboard first, no drag only), and saves with the revision read (a 412 says another browser saved).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { operations } from "../../../shared/api/client/schema.js";
import { ApiProblem, unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Empty, Loading, ProblemMessage, RunStateCells, StatusBadge, Time } from "../components/common.js";

type StoredPreferences = operations["getPreferences"]["responses"][200]["content"]["application/json"];
type Layout = StoredPreferences["dashboard"];
type PanelId = Layout["panels"][number];

const PANELS: Record<PanelId, string> = {
  pinned: "Pinned",
  "recent-runs": "Recent runs",
  "failing-workflows": "Failing workflows",
  "new-servers": "Recently published servers",
};
const ALL_PANELS = Object.keys(PANELS) as PanelId[];

export function Dashboard() {
  const { client, me } = useApp();
  const [arranging, setArranging] = useState(false);
  const preferences = useQuery({
    queryKey: ["preferences"],
    queryFn: async () => unwrap(await client.GET("/v1/me/preferences")),
  });
  const layout = preferences.data?.dashboard;
  return (
    <>
      <h1>Dashboard</h1>
      <div className="toolbar">
        <p className="muted">
          Signed in as {me.name} ({me.role}).
        </p>
        {preferences.data && (
          <button
            type="button"
            className="secondary"
            aria-pressed={arranging}
            onClick={() => setArranging((on) => !on)}
          >
            {arranging ? "Close arrange" : "Arrange"}
          </button>
        )}
      </div>
      <ProblemMessage error={preferences.error} />
      {preferences.isPending && <Loading what="your dashboard" />}
      {arranging && preferences.data && (
        <Arrange stored={preferences.data} onClose={() => setArranging(false)} />
      )}
      {layout && layout.panels.length === 0 && (
        <Empty>Every panel is hidden: Arrange shows them again.</Empty>
      )}
      {layout && (
        <div className="grid-2 dashboard">
          {layout.panels.map((panel) => (
            <Panel key={panel} id={panel} layout={layout} />
          ))}
        </div>
      )}
    </>
  );
}

function Panel({ id, layout }: { id: PanelId; layout: Layout }) {
  return (
    <section aria-labelledby={`panel-${id}`} data-panel={id}>
      <h2 id={`panel-${id}`}>{PANELS[id]}</h2>
      {id === "pinned" && <Pinned pinned={layout.pinned} />}
      {id === "recent-runs" && <RecentRuns />}
      {id === "failing-workflows" && <FailingWorkflows />}
      {id === "new-servers" && <NewServers />}
    </section>
  );
}

function useRecentRuns() {
  const { client } = useApp();
  return useQuery({
    queryKey: ["runs", { limit: 50 }],
    queryFn: async () => unwrap(await client.GET("/v1/runs", { params: { query: { limit: 50 } } })),
    refetchInterval: 5_000,
  });
}

function useServers() {
  const { client } = useApp();
  return useQuery({
    queryKey: ["servers", {}],
    queryFn: async () => unwrap(await client.GET("/v1/servers", { params: { query: { limit: 100 } } })),
  });
}

function Pinned({ pinned }: { pinned: Layout["pinned"] }) {
  if (pinned.workflows.length === 0 && pinned.servers.length === 0) {
    return <Empty>Nothing pinned yet: Arrange pins workflows and servers here.</Empty>;
  }
  return (
    <ul className="plain">
      {pinned.workflows.map((name) => (
        <li key={`w:${name}`}>
          <span className="badge">workflow</span>{" "}
          <Link to="/workflows/$name" params={{ name }}>
            {name}
          </Link>
        </li>
      ))}
      {pinned.servers.map((name) => (
        <li key={`s:${name}`}>
          <span className="badge">server</span>{" "}
          <Link to="/servers/$name" params={{ name }}>
            {name}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function RecentRuns() {
  const runs = useRecentRuns();
  const recentRuns = runs.data?.runs.slice(0, 10) ?? [];
  return (
    <>
      {runs.isPending && <Loading what="runs" />}
      <ProblemMessage error={runs.error} />
      {runs.data && recentRuns.length === 0 && <Empty>No runs yet.</Empty>}
      {recentRuns.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {recentRuns.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link to="/runs/$id" params={{ id: run.id }}>
                    {run.workflow} v{run.version}
                  </Link>
                </td>
                <RunStateCells run={run} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function FailingWorkflows() {
  const runs = useRecentRuns();
  const lastRunByWorkflow = new Map<string, NonNullable<typeof runs.data>["runs"][number]>();
  for (const run of runs.data?.runs ?? []) {
    if (!lastRunByWorkflow.has(run.workflow)) lastRunByWorkflow.set(run.workflow, run);
  }
  const failing = [...lastRunByWorkflow.values()].filter(
    (run) => run.status === "FAILED" || run.status === "TIMED_OUT",
  );
  return (
    <>
      {runs.isPending && <Loading what="runs" />}
      {runs.data && failing.length === 0 && <Empty>No workflow's last run failed.</Empty>}
      <ul className="plain">
        {failing.map((run) => (
          <li key={run.workflow}>
            <Link to="/workflows/$name" params={{ name: run.workflow }}>
              {run.workflow}
            </Link>{" "}
            — last run{" "}
            <Link to="/runs/$id" params={{ id: run.id }}>
              <StatusBadge status={run.status} />
            </Link>{" "}
            {run.error?.error && <code>{run.error.error}</code>}
          </li>
        ))}
      </ul>
    </>
  );
}

function NewServers() {
  const servers = useServers();
  const newest = [...(servers.data?.servers ?? [])]
    .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt))
    .slice(0, 6);
  return (
    <>
      {servers.isPending && <Loading what="servers" />}
      <ProblemMessage error={servers.error} />
      {servers.data && newest.length === 0 && <Empty>No servers yet.</Empty>}
      <ul className="plain">
        {newest.map((record) => (
          <li key={record.server.name}>
            <Link to="/servers/$name" params={{ name: record.server.name }}>
              {record.server.name}
            </Link>{" "}
            {record.server.version} · <Time iso={record.publishedAt} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** Every panel in the draft's order: the shown ones first (their order), then the hidden ones. */
function orderedPanels(panels: PanelId[]): { id: PanelId; shown: boolean }[] {
  return [
    ...panels.map((id) => ({ id, shown: true })),
    ...ALL_PANELS.filter((id) => !panels.includes(id)).map((id) => ({ id, shown: false })),
  ];
}

function Arrange({ stored, onClose }: { stored: StoredPreferences; onClose(): void }) {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const [panels, setPanels] = useState(() => orderedPanels(stored.dashboard.panels));
  const [pinned, setPinned] = useState(() => structuredClone(stored.dashboard.pinned));
  const workflows = useQuery({
    queryKey: ["workflows", { limit: 100 }],
    queryFn: async () => unwrap(await client.GET("/v1/workflows", { params: { query: { limit: 100 } } })),
  });
  const servers = useServers();
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.PUT("/v1/me/preferences", {
          params: { header: { "If-Match": String(stored.revision) } },
          body: { dashboard: { panels: panels.filter((p) => p.shown).map((p) => p.id), pinned } },
        }),
      ),
    onSuccess: (saved) => {
      queryClient.setQueryData(["preferences"], saved);
      onClose();
    },
    onError: (error) => {
      // Another browser saved first: show its arrangement; this draft is kept on screen to save again.
      if (error instanceof ApiProblem && error.status === 412)
        void queryClient.invalidateQueries({ queryKey: ["preferences"] });
    },
  });
  const move = (index: number, by: -1 | 1) =>
    setPanels((current) => {
      const next = [...current];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item!);
      return next;
    });
  const toggle = (index: number) =>
    setPanels((current) => current.map((p, i) => (i === index ? { ...p, shown: !p.shown } : p)));
  return (
    <section className="card arrange" aria-labelledby="arrange-title">
      <h2 id="arrange-title">Arrange your dashboard</h2>
      <p className="muted">Kept for you by the platform: the same in any browser you sign in to.</p>
      <h3 id="arrange-panels">Panels, in order</h3>
      <ol aria-labelledby="arrange-panels" className="arrange-panels">
        {panels.map((panel, index) => (
          <li key={panel.id}>
            <input
              type="checkbox"
              id={`show-${panel.id}`}
              checked={panel.shown}
              onChange={() => toggle(index)}
            />{" "}
            <label htmlFor={`show-${panel.id}`}>Show {PANELS[panel.id]}</label>{" "}
            <button
              type="button"
              className="secondary"
              aria-label={`Move ${PANELS[panel.id]} up`}
              disabled={index === 0}
              onClick={() => move(index, -1)}
            >
              ↑
            </button>{" "}
            <button
              type="button"
              className="secondary"
              aria-label={`Move ${PANELS[panel.id]} down`}
              disabled={index === panels.length - 1}
              onClick={() => move(index, 1)}
            >
              ↓
            </button>
          </li>
        ))}
      </ol>
      <PinPicker
        kind="workflow"
        label="Pinned workflows"
        pinned={pinned.workflows}
        options={(workflows.data?.workflows ?? []).map((w) => w.name)}
        onChange={(next) => setPinned({ ...pinned, workflows: next })}
      />
      <PinPicker
        kind="server"
        label="Pinned servers"
        pinned={pinned.servers}
        options={(servers.data?.servers ?? []).map((s) => s.server.name)}
        onChange={(next) => setPinned({ ...pinned, servers: next })}
      />
      <ProblemMessage error={save.error} />
      <div className="toolbar">
        <button type="button" onClick={() => save.mutate()} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save arrangement"}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function PinPicker({
  kind,
  label,
  pinned,
  options,
  onChange,
}: {
  kind: string;
  label: string;
  pinned: string[];
  options: string[];
  onChange(next: string[]): void;
}) {
  const [choice, setChoice] = useState("");
  const available = options.filter((option) => !pinned.includes(option));
  return (
    <>
      <h3 id={`pins-${kind}`}>{label}</h3>
      {pinned.length === 0 ? (
        <Empty>None.</Empty>
      ) : (
        <ul className="plain" aria-labelledby={`pins-${kind}`}>
          {pinned.map((name) => (
            <li key={name}>
              {name}{" "}
              <button
                type="button"
                className="link"
                aria-label={`Unpin ${name}`}
                onClick={() => onChange(pinned.filter((p) => p !== name))}
              >
                Unpin
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="toolbar">
        <div>
          <label htmlFor={`pin-${kind}`}>Pin a {kind}</label>
          <select id={`pin-${kind}`} value={choice} onChange={(e) => setChoice(e.target.value)}>
            <option value="">Choose…</option>
            {available.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="secondary"
          disabled={choice === ""}
          onClick={() => {
            onChange([...pinned, choice]);
            setChoice("");
          }}
        >
          Pin {kind}
        </button>
      </div>
    </>
  );
}
