// A server: its versions, the tools the chosen version offers (schemas made readable, annotations), Try (a form
// from the tool's inputSchema), Connect (the mcp.json entry), the MCDs and workflows that link to it, and, for
// admins, its secrets and the approval of its runtime. The version, tab and tool are in the URL.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { lazy, Suspense } from "react";
import { unwrap } from "../api/client.js";
import type { ServerVersionRecord } from "../api/types.js";
import { useApp, useCan } from "../app-context.js";
import { CodeBlock, Empty, Loading, ProblemMessage, StatusBadge, Time } from "../components/common.js";
import { clientConfigOf } from "../server/client-config.js";
import { ServerSecrets } from "../server/ServerSecrets.js";
import { StatusActions } from "../server/StatusChange.js";

const TryTool = lazy(() => import("../server/TryTool.js").then((m) => ({ default: m.TryTool })));

import { SchemaView } from "../server/schema-view.js";

const route = getRouteApi("/servers/$name");

type Tab = "tools" | "try" | "connect" | "versions" | "related" | "secrets";

export function Server() {
  const { client } = useApp();
  const { name } = route.useParams();
  const search = route.useSearch();
  const isAdmin = useCan("admin");
  const canProbe = useCan("editor");
  const canTry = useCan("operator");
  const versions = useQuery({
    queryKey: ["server", name, "versions"],
    queryFn: async () =>
      unwrap(await client.GET("/v1/servers/{name}/versions", { params: { path: { name } } })),
  });
  const latest = versions.data?.versions.find((v) => v.isLatest) ?? versions.data?.versions[0];
  const versionId = search.version ?? latest?.server.version;
  const version = useQuery({
    queryKey: ["server", name, "version", versionId],
    enabled: versionId !== undefined,
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/servers/{name}/versions/{version}", {
          params: { path: { name, version: versionId! } },
        }),
      ),
  });
  const tab: Tab = search.tab ?? "tools";
  const tabs: [Tab, string][] = [
    ["tools", "Tools"],
    ...(canTry ? ([["try", "Try"]] as [Tab, string][]) : []),
    ["connect", "Connect"],
    ["versions", "Versions"],
    ["related", "Docs & workflows"],
    ...(isAdmin ? ([["secrets", "Secrets"]] as [Tab, string][]) : []),
  ];

  if (versions.isPending) return <Loading what="the server" />;
  if (versions.error) return <ProblemMessage error={versions.error} />;
  const record = version.data;
  return (
    <>
      <p className="muted">
        <Link to="/servers">Catalog</Link> /
      </p>
      <h1>{record?.server.title ?? name}</h1>
      {record && (
        <>
          <p>{record.server.description}</p>
          <p className="muted">
            <code>{name}</code> · version{" "}
            <label className="sr-only" htmlFor="server-version">
              Version
            </label>
            <VersionPicker
              id="server-version"
              versions={versions.data.versions.map((v) => v.server.version)}
              value={versionId}
            />{" "}
            · <StatusBadge status={record.status} /> · published <Time iso={record.publishedAt} /> by{" "}
            {record.publishedBy}
          </p>
          <RunPermission record={record} canProbe={canProbe} isAdmin={isAdmin} />
        </>
      )}
      <nav className="tabs" aria-label="Server views">
        {tabs.map(([key, label]) => (
          <Link
            key={key}
            from="/servers/$name"
            to="/servers/$name"
            params={{ name }}
            search={(previous) => ({ ...previous, tab: key })}
            aria-current={tab === key ? "page" : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      {version.isPending && <Loading what="the version" />}
      <ProblemMessage error={version.error} />
      {record && versionId && (
        <>
          {tab === "tools" && <Tools name={name} version={versionId} />}
          {tab === "try" && canTry && (
            <Suspense fallback={<Loading what="the form" />}>
              <TryTool name={name} version={versionId} tool={search.tool} />
            </Suspense>
          )}
          {tab === "connect" && <Connect server={record.server} />}
          {tab === "versions" && <Versions name={name} records={versions.data.versions} />}
          {tab === "related" && <Related name={name} />}
          {tab === "secrets" && isAdmin && <ServerSecrets name={name} version={versionId} />}
        </>
      )}
    </>
  );
}

function VersionPicker({
  id,
  versions,
  value,
}: {
  id: string;
  versions: string[];
  value: string | undefined;
}) {
  const navigate = route.useNavigate();
  return (
    <select
      id={id}
      value={value}
      onChange={(event) => navigate({ search: (previous) => ({ ...previous, version: event.target.value }) })}
    >
      {versions.map((version) => (
        <option key={version} value={version}>
          {version}
        </option>
      ))}
    </select>
  );
}

type VersionRecord = ServerVersionRecord;

/** Whether this version may run, and the admin's approve button when it may not. */
function RunPermission({
  record,
  canProbe,
  isAdmin,
}: {
  record: VersionRecord;
  canProbe: boolean;
  isAdmin: boolean;
}) {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const name = record.server.name;
  const version = record.server.version;
  const approve = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.PUT("/v1/servers/{name}/versions/{version}/approval", {
          params: { path: { name, version } },
          body: { runtimeDigest: record.execution!.runtimeDigest! },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["server", name] }),
  });
  const probe = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.POST("/v1/servers/{name}/versions/{version}/probe", {
          params: { path: { name, version } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["server", name] }),
  });
  const execution = record.execution;
  return (
    <div className="toolbar">
      {execution && (
        <span>
          {execution.mayRun ? (
            <span className="badge status-active">may run ({execution.reason})</span>
          ) : (
            <span className="badge status-deprecated">may not run ({execution.reason})</span>
          )}
        </span>
      )}
      {isAdmin && execution && !execution.mayRun && execution.runtimeDigest && (
        <button type="button" onClick={() => approve.mutate()} disabled={approve.isPending}>
          Approve runtime {execution.runtimeDigest.slice(0, 15)}…
        </button>
      )}
      {canProbe && (
        <button type="button" className="secondary" onClick={() => probe.mutate()} disabled={probe.isPending}>
          {probe.isPending ? "Probing…" : "Probe tools"}
        </button>
      )}
      {probe.data && (
        <span role="status">
          Found {probe.data.tools.length} tool{probe.data.tools.length === 1 ? "" : "s"}.
        </span>
      )}
      <ProblemMessage error={approve.error ?? probe.error} />
    </div>
  );
}

function Tools({ name, version }: { name: string; version: string }) {
  const { client } = useApp();
  const canTry = useCan("operator");
  const tools = useQuery({
    queryKey: ["server", name, "tools", version],
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/servers/{name}/versions/{version}/tools", {
          params: { path: { name, version } },
        }),
      ),
  });
  if (tools.isPending) return <Loading what="tools" />;
  if (tools.error) {
    return <Empty>No tools known for this version yet: probe it to ask the server what it offers.</Empty>;
  }
  return (
    <>
      <p className="muted">
        {tools.data.tools.length} tools, probed <Time iso={tools.data.probedAt} />
      </p>
      {tools.data.tools.map((tool) => (
        <section
          key={tool.name}
          className="card"
          aria-labelledby={`tool-${tool.name}`}
          style={{ marginBottom: "0.75rem" }}
        >
          <h2 id={`tool-${tool.name}`} style={{ margin: 0 }}>
            <code>{tool.name}</code> {tool.title && <span className="muted">{tool.title}</span>}
          </h2>
          <p>{tool.description}</p>
          <Annotations annotations={tool.annotations} />
          <SchemaView schema={tool.inputSchema} label="Input" />
          {tool.outputSchema && <SchemaView schema={tool.outputSchema} label="Output" />}
          {canTry && (
            <p>
              <Link to="/servers/$name" params={{ name }} search={{ version, tab: "try", tool: tool.name }}>
                Try {tool.name}
              </Link>
            </p>
          )}
        </section>
      ))}
    </>
  );
}

const HINTS: Record<string, [string, string]> = {
  readOnlyHint: ["read-only", "status-active"],
  destructiveHint: ["destructive", "status-failed"],
  idempotentHint: ["idempotent", ""],
  openWorldHint: ["open world", ""],
};

export function Annotations({ annotations }: { annotations: Record<string, unknown> | undefined }) {
  if (!annotations) return null;
  const shown = Object.entries(HINTS).filter(([key]) => annotations[key] === true);
  if (shown.length === 0) return null;
  return (
    <p>
      {shown.map(([key, [label, style]]) => (
        <span key={key} className={`badge ${style}`} style={{ marginRight: "0.35rem" }}>
          {label}
        </span>
      ))}
    </p>
  );
}

function Connect({ server }: { server: Parameters<typeof clientConfigOf>[0] }) {
  const config = clientConfigOf(server);
  if (!config)
    return <Empty>This version declares neither a package nor a remote a client could start.</Empty>;
  const text = JSON.stringify(config, null, 2);
  return (
    <>
      <p>
        Add this to your client's MCP configuration (<code>.vscode/mcp.json</code> in VS Code; other clients
        use the same entry under <code>mcpServers</code>).
      </p>
      <figure>
        <figcaption className="muted">mcp.json</figcaption>
        <CodeBlock>{text}</CodeBlock>
      </figure>
      <button type="button" className="secondary" onClick={() => navigator.clipboard.writeText(text)}>
        Copy
      </button>
    </>
  );
}

function Versions({ name, records }: { name: string; records: VersionRecord[] }) {
  const canEdit = useCan("editor");
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Published</th>
            <th scope="col">By</th>
            {canEdit && <th scope="col">Change</th>}
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr key={record.server.version}>
              <td>
                <Link
                  to="/servers/$name"
                  params={{ name }}
                  search={{ version: record.server.version, tab: "tools" }}
                >
                  {record.server.version}
                </Link>{" "}
                {record.isLatest && <span className="badge">latest</span>}
              </td>
              <td>
                <StatusBadge status={record.status} /> {record.statusMessage}
              </td>
              <td>
                <Time iso={record.publishedAt} />
              </td>
              <td>{record.publishedBy}</td>
              {canEdit && (
                <td>
                  <StatusActions record={record} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Related({ name }: { name: string }) {
  const { client } = useApp();
  const references = useQuery({
    queryKey: ["server", name, "references"],
    queryFn: async () =>
      unwrap(await client.GET("/v1/servers/{name}/references", { params: { path: { name } } })),
  });
  if (references.isPending) return <Loading what="links" />;
  if (references.error) return <ProblemMessage error={references.error} />;
  return (
    <>
      <p>
        <Link to="/dependencies" search={{ server: name }}>
          Which workflow versions pin which version: the dependency map
        </Link>
      </p>
      <div className="grid-2">
        <section aria-labelledby="related-mcds">
          <h2 id="related-mcds">MCDs that describe it</h2>
          {references.data.mcds.length === 0 && <Empty>None.</Empty>}
          <ul className="plain">
            {references.data.mcds.map((ref) => (
              <li key={ref.id}>
                <Link to="/mcds/$slug" params={{ slug: ref.id }}>
                  {ref.title ?? ref.id}
                </Link>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="related-workflows">
          <h2 id="related-workflows">Workflows that use it</h2>
          {references.data.workflows.length === 0 && <Empty>None.</Empty>}
          <ul className="plain">
            {references.data.workflows.map((ref) => (
              <li key={ref.id}>
                <Link to="/workflows/$name" params={{ name: ref.id }}>
                  {ref.title ?? ref.id}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </>
  );
}
