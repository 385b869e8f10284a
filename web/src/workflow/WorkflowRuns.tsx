// The latest runs of one workflow, refreshed while any of them runs.
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Empty, Loading, ProblemMessage, RunStateCells } from "../components/common.js";

export function WorkflowRuns({ name }: { name: string }) {
  const { client } = useApp();
  const runs = useQuery({
    queryKey: ["runs", "list", { workflow: name }],
    queryFn: async () =>
      unwrap(await client.GET("/v1/runs", { params: { query: { workflow: name, limit: 20 } } })),
    refetchInterval: (query) =>
      query.state.data?.runs.some((run) => run.status === "RUNNING") ? 2_000 : false,
  });
  if (runs.isPending) return <Loading what="runs" />;
  if (runs.error) return <ProblemMessage error={runs.error} />;
  if (runs.data.runs.length === 0) return <Empty>No runs yet.</Empty>;
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.data.runs.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to="/runs/$id" params={{ id: run.id }}>
                  <code>{run.id.slice(-12)}</code>
                </Link>
              </td>
              <td>v{run.version}</td>
              <RunStateCells run={run} />
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <Link to="/runs" search={{ workflow: name }}>
          All runs of {name}
        </Link>
      </p>
    </>
  );
}
