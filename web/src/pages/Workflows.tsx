// Workflows, each with its latest version and step count; filtered by name in the URL.
import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { unwrap } from "../api/client.js";
import { useApp, useCan } from "../app-context.js";
import { Empty, Loading, ProblemMessage, Time } from "../components/common.js";

const route = getRouteApi("/workflows");

export function Workflows() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const canEdit = useCan("editor");
  const workflows = useQuery({
    queryKey: ["workflows"],
    queryFn: async () => unwrap(await client.GET("/v1/workflows", { params: { query: { limit: 100 } } })),
  });
  const needle = (search.q ?? "").toLowerCase();
  const rows = (workflows.data?.workflows ?? []).filter(
    (workflow) =>
      !needle ||
      workflow.name.toLowerCase().includes(needle) ||
      (workflow.description ?? "").toLowerCase().includes(needle),
  );
  return (
    <>
      <h1>Workflows</h1>
      <div className="toolbar">
        <div>
          <label htmlFor="workflows-q">Filter by name or description</label>
          <input
            id="workflows-q"
            type="search"
            value={search.q ?? ""}
            onChange={(event) => navigate({ search: { q: event.target.value || undefined }, replace: true })}
          />
        </div>
        {canEdit && (
          <Link className="button" to="/create/workflow">
            New workflow
          </Link>
        )}
      </div>
      {workflows.isPending && <Loading what="workflows" />}
      <ProblemMessage error={workflows.error} />
      {workflows.data && rows.length === 0 && <Empty>No workflow matches.</Empty>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Latest</th>
                <th scope="col">Steps</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((workflow) => (
                <tr key={workflow.name}>
                  <td>
                    <Link to="/workflows/$name" params={{ name: workflow.name }}>
                      {workflow.name}
                    </Link>
                  </td>
                  <td>{workflow.description}</td>
                  <td>v{workflow.latestVersion}</td>
                  <td>{workflow.steps}</td>
                  <td>
                    <Time iso={workflow.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
