// Admin: API keys (created and shown once, revoked), the audit log filtered by action, actor and outcome (in the
// URL), and the server versions waiting for an admin to approve their runtime before they may run.
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/client.js";
import { useApp, useCan } from "../app-context.js";
import { CodeBlock, Empty, Loading, ProblemMessage, StatusBadge, Time } from "../components/common.js";

const route = getRouteApi("/admin");
type Tab = "keys" | "audit" | "approvals";

export function Admin() {
  const isAdmin = useCan("admin");
  const search = route.useSearch();
  const tab: Tab = search.tab ?? "keys";
  if (!isAdmin) {
    return (
      <>
        <h1>Admin</h1>
        <p>Only admins manage keys, read the audit log and approve runtimes.</p>
      </>
    );
  }
  return (
    <>
      <h1>Admin</h1>
      <nav className="tabs" aria-label="Admin views">
        {(
          [
            ["keys", "API keys"],
            ["audit", "Audit log"],
            ["approvals", "Approvals"],
          ] as [Tab, string][]
        ).map(([key, label]) => (
          <Link key={key} to="/admin" search={{ tab: key }} aria-current={tab === key ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {tab === "keys" && <ApiKeys />}
      {tab === "audit" && <Audit />}
      {tab === "approvals" && <Approvals />}
    </>
  );
}

function ApiKeys() {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: async () => unwrap(await client.GET("/v1/api-keys", { params: { query: { limit: 100 } } })),
  });
  const [name, setName] = useState("");
  const [role, setRole] = useState<"viewer" | "operator" | "editor" | "admin">("operator");
  const create = useMutation({
    mutationFn: async () => unwrap(await client.POST("/v1/api-keys", { body: { name, role } })),
    onSuccess: () => {
      setName("");
      return queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.DELETE("/v1/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <form className="toolbar" onSubmit={submit} aria-labelledby="new-key">
        <h2 id="new-key" style={{ width: "100%" }}>
          Create an API key
        </h2>
        <div>
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            value={name}
            required
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor="key-role">Role</label>
          <select id="key-role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="editor">editor</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <button type="submit" disabled={create.isPending || !name.trim()}>
          Create key
        </button>
      </form>
      <ProblemMessage error={create.error ?? revoke.error} />
      {create.data && (
        <div className="warning" role="status">
          <p>
            <strong>Copy the key now: it is shown this once.</strong> Only its hash is stored.
          </p>
          <figure>
            <figcaption>New API key</figcaption>
            <CodeBlock>{create.data.key}</CodeBlock>
          </figure>
          <button
            type="button"
            className="secondary"
            onClick={() => navigator.clipboard.writeText(create.data.key)}
          >
            Copy
          </button>
        </div>
      )}
      <h2>Keys</h2>
      {keys.isPending && <Loading what="keys" />}
      <ProblemMessage error={keys.error} />
      {keys.data && keys.data.items.length === 0 && <Empty>No API keys.</Empty>}
      {keys.data && keys.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Key starts</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>{key.role}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>
                    <Time iso={key.createdAt} /> by {key.createdBy}
                  </td>
                  <td>
                    <Time iso={key.lastUsedAt} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        if (window.confirm(`Revoke ${key.name}? Clients using it are refused at once.`))
                          revoke.mutate(key.id);
                      }}
                    >
                      Revoke {key.name}
                    </button>
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

/** The audit filters the URL carries, each sent to the API as the query parameter of the same name. */
const AUDIT_FILTERS = ["actor", "action", "resource", "outcome", "from", "to"] as const;

/** An RFC 3339 time (the URL's and the API's) as a datetime-local input shows it, in the viewer's time zone. */
function localInput(iso: string | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function Audit() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const filters = Object.fromEntries(
    AUDIT_FILTERS.filter((name) => search[name]).map((name) => [name, search[name]]),
  ) as Partial<Record<(typeof AUDIT_FILTERS)[number], string>>;
  const audit = useInfiniteQuery({
    queryKey: ["audit", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.GET("/v1/audit", {
          params: {
            query: {
              ...(filters as Record<string, string>),
              outcome: filters.outcome as "success" | "failure" | undefined,
              limit: 100,
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
  const entries = audit.data?.pages.flatMap((page) => page.items) ?? [];
  const set = (patch: Record<string, string | undefined>) =>
    navigate({ search: (previous) => ({ ...previous, ...patch }), replace: true });
  const text = (name: "actor" | "action" | "resource", label: string) => (
    <div>
      <label htmlFor={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        value={search[name] ?? ""}
        onChange={(e) => set({ [name]: e.target.value || undefined })}
      />
    </div>
  );
  const time = (name: "from" | "to", label: string) => (
    <div>
      <label htmlFor={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        type="datetime-local"
        value={localInput(search[name])}
        onChange={(e) => set({ [name]: e.target.value ? new Date(e.target.value).toISOString() : undefined })}
      />
    </div>
  );
  return (
    <>
      <div className="toolbar">
        {text("actor", "Actor")}
        {text("action", "Action starts with")}
        {text("resource", "Resource starts with")}
        <div>
          <label htmlFor="audit-outcome">Outcome</label>
          <select
            id="audit-outcome"
            value={search.outcome ?? ""}
            onChange={(e) => set({ outcome: e.target.value || undefined })}
          >
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
          </select>
        </div>
        {time("from", "From")}
        {time("to", "Before")}
      </div>
      {audit.isPending && <Loading what="the audit log" />}
      <ProblemMessage error={audit.error} />
      {audit.data && entries.length === 0 && !audit.hasNextPage && <Empty>No entry matches.</Empty>}
      {audit.data && entries.length === 0 && audit.hasNextPage && (
        <Empty>No entry matches among the newest; older entries may.</Empty>
      )}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <Time iso={entry.at} />
                  </td>
                  <td>
                    {entry.actor.name}{" "}
                    {entry.actor.role && <span className="muted">({entry.actor.role})</span>}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.target ?? entry.path}</td>
                  <td>
                    <span
                      className={`badge ${entry.outcome === "success" ? "status-succeeded" : "status-failed"}`}
                    >
                      {entry.outcome} {entry.status}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {audit.hasNextPage && (
        <button type="button" className="secondary" onClick={() => audit.fetchNextPage()}>
          Load older entries
        </button>
      )}
    </>
  );
}

/** The latest version of each server that may not run yet because no admin approved its runtime. */
function Approvals() {
  const { client } = useApp();
  const pending = useQuery({
    queryKey: ["approvals"],
    queryFn: async () => {
      const list = unwrap(await client.GET("/v1/servers", { params: { query: { limit: 100 } } }));
      const records = await Promise.all(
        list.servers.map(async (record) =>
          unwrap(
            await client.GET("/v1/servers/{name}/versions/{version}", {
              params: { path: { name: record.server.name, version: record.server.version } },
            }),
          ),
        ),
      );
      return records.filter(
        (record) =>
          record.execution && !record.execution.mayRun && record.execution.reason === "not-approved",
      );
    },
  });
  if (pending.isPending) return <Loading what="versions waiting for approval" />;
  if (pending.error) return <ProblemMessage error={pending.error} />;
  if (pending.data.length === 0) return <Empty>No latest version waits for an approval.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Server</th>
          <th scope="col">Version</th>
          <th scope="col">Status</th>
          <th scope="col">Runtime digest</th>
        </tr>
      </thead>
      <tbody>
        {pending.data.map((record) => (
          <tr key={record.server.name}>
            <td>
              <Link
                to="/servers/$name"
                params={{ name: record.server.name }}
                search={{ version: record.server.version }}
              >
                {record.server.name}
              </Link>
            </td>
            <td>{record.server.version}</td>
            <td>
              <StatusBadge status={record.status} />
            </td>
            <td>
              <code>{record.execution?.runtimeDigest?.slice(0, 23)}…</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
