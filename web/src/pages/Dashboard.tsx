// The dashboard: recent runs, the workflows whose last run failed, recently published servers, and what waits
// for the caller (an admin: server versions no admin approved yet).
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import {
  durationBetween,
  Empty,
  formatDuration,
  Loading,
  ProblemMessage,
  StatusBadge,
  Time,
} from "../components/common.js";

export function Dashboard() {
  const { client, me } = useApp();
  const runs = useQuery({
    queryKey: ["runs", { limit: 50 }],
    queryFn: async () => unwrap(await client.GET("/v1/runs", { params: { query: { limit: 50 } } })),
    refetchInterval: 5_000,
  });
  const servers = useQuery({
    queryKey: ["servers", {}],
    queryFn: async () => unwrap(await client.GET("/v1/servers", { params: { query: { limit: 100 } } })),
  });

  const recentRuns = runs.data?.runs.slice(0, 10) ?? [];
  const lastRunByWorkflow = new Map<string, (typeof recentRuns)[number]>();
  for (const run of runs.data?.runs ?? []) {
    if (!lastRunByWorkflow.has(run.workflow)) lastRunByWorkflow.set(run.workflow, run);
  }
  const failing = [...lastRunByWorkflow.values()].filter(
    (run) => run.status === "FAILED" || run.status === "TIMED_OUT",
  );
  const newest = [...(servers.data?.servers ?? [])]
    .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt))
    .slice(0, 6);

  return (
    <>
      <h1>Dashboard</h1>
      <p className="muted">
        Signed in as {me.name} ({me.role}).
      </p>
      <div className="grid-2">
        <section aria-labelledby="recent-runs">
          <h2 id="recent-runs">Recent runs</h2>
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
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td>
                      <Time iso={run.startedAt} />
                    </td>
                    <td>{formatDuration(durationBetween(run.startedAt, run.endedAt) ?? 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="failing">
          <h2 id="failing">Failing workflows</h2>
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
          <h2 id="new-servers">Recently published servers</h2>
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
        </section>
      </div>
    </>
  );
}
