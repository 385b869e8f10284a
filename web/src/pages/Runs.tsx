// Runs, newest first, filtered by status (RUNNING included) and workflow in the URL; refreshed every few seconds
// so a run's status changes in place.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Empty, Loading, ProblemMessage, RunStateCells } from "../components/common.js";

const route = getRouteApi("/runs");
const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"] as const;

export function Runs() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const filter = {
    ...(search.status ? { status: search.status } : {}),
    ...(search.workflow ? { workflow: search.workflow } : {}),
  };
  const runs = useInfiniteQuery({
    queryKey: ["runs", "list", filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.GET("/v1/runs", {
          params: { query: { ...filter, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: 3_000,
  });
  const workflows = useQuery({
    queryKey: ["workflows"],
    queryFn: async () => unwrap(await client.GET("/v1/workflows")),
  });
  const rows = runs.data?.pages.flatMap((page) => page.runs) ?? [];

  return (
    <>
      <h1>Runs</h1>
      <div className="toolbar">
        <div>
          <label htmlFor="runs-status">Status</label>
          <select
            id="runs-status"
            value={search.status ?? ""}
            onChange={(event) =>
              navigate({
                search: (previous) => ({ ...previous, status: (event.target.value || undefined) as never }),
                replace: true,
              })
            }
          >
            <option value="">any</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="runs-workflow">Workflow</label>
          <select
            id="runs-workflow"
            value={search.workflow ?? ""}
            onChange={(event) =>
              navigate({
                search: (previous) => ({ ...previous, workflow: event.target.value || undefined }),
                replace: true,
              })
            }
          >
            <option value="">any</option>
            {(workflows.data?.workflows ?? []).map((workflow) => (
              <option key={workflow.name} value={workflow.name}>
                {workflow.name}
              </option>
            ))}
            {search.workflow && !workflows.data?.workflows.some((w) => w.name === search.workflow) && (
              <option value={search.workflow}>{search.workflow}</option>
            )}
          </select>
        </div>
      </div>
      {runs.isPending && <Loading what="runs" />}
      <ProblemMessage error={runs.error} />
      {runs.data && rows.length === 0 && <Empty>No run matches.</Empty>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="muted" style={{ textAlign: "left" }}>
              Updated every 3 s
            </caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Workflow</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Started by</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((run) => (
                <tr key={run.id}>
                  <td>
                    <Link to="/runs/$id" params={{ id: run.id }}>
                      <code>{run.id.slice(-12)}</code>
                    </Link>
                  </td>
                  <td>
                    {run.workflow} v{run.version}
                  </td>
                  <RunStateCells run={run} />
                  <td>{run.startedBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage && (
        <button type="button" className="secondary" onClick={() => runs.fetchNextPage()}>
          Load more
        </button>
      )}
    </>
  );
}
