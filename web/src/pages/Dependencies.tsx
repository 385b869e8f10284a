// The dependency map: workflows (each version and the server versions it pins), MCDs (the servers, workflows and MCDs
// they link) and the servers they name, drawn as a layered graph (graph/layered.ts, as the workflow graph) and listed
// as tables with links. Filters live in the URL (server, version, workflow, mcd, type) and go to GET /v1/dependencies
// as they are.
import "@xyflow/react/dist/style.css";
import { useInfiniteQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import { type FormEvent, useMemo } from "react";
import type { operations } from "../../../shared/api/client/schema.js";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Empty, Loading, ProblemMessage, StatusBadge } from "../components/common.js";
import { layoutLayered } from "../graph/layout.js";

const route = getRouteApi("/dependencies");

type DependencyMap = operations["listDependencies"]["responses"][200]["content"]["application/json"];
type Kind = "workflow" | "server" | "mcd";

interface MapNode extends Record<string, unknown> {
  kind: Kind;
  id: string;
  label: string;
  detail: string;
  /** Named by a link only: not on this page of the map (or gone). */
  faint?: boolean;
}

const NODE_WIDTH = 220;
const NODE_HEIGHT = 64;
const nodeKey = (kind: Kind, id: string) => `${kind}:${id}`;
const shortName = (name: string) => name.split("/").pop() ?? name;

/** The graph of one or more pages: a node per workflow, server and MCD, an edge per pin or link. */
export function dependencyGraph(pages: DependencyMap[]): {
  nodes: MapNode[];
  edges: { source: string; target: string; label?: string }[];
} {
  const nodes = new Map<string, MapNode>();
  const edges = new Map<string, { source: string; target: string; label?: string }>();
  const add = (node: MapNode) => {
    const key = nodeKey(node.kind, node.id);
    const known = nodes.get(key);
    if (!known || (known.faint && !node.faint)) nodes.set(key, node);
  };
  for (const page of pages) {
    for (const server of page.servers) {
      const pinned = server.versions.map(
        (v) => `${v.version}${v.status === "active" ? "" : ` (${v.status})`}`,
      );
      add({
        kind: "server",
        id: server.name,
        label: shortName(server.name),
        detail: server.missing
          ? "no such server"
          : `latest ${server.latestVersion ?? "—"}${pinned.length ? ` · pinned ${pinned.join(", ")}` : ""}`,
        ...(server.missing ? { faint: true } : {}),
      });
    }
    for (const workflow of page.workflows) {
      add({
        kind: "workflow",
        id: workflow.name,
        label: workflow.name,
        detail: `v${workflow.latestVersion} · ${workflow.versions.length} version${workflow.versions.length === 1 ? "" : "s"} shown`,
      });
      const byServer = new Map<string, string[]>();
      for (const version of workflow.versions) {
        for (const pin of version.servers) {
          byServer.set(pin.name, [...(byServer.get(pin.name) ?? []), `v${version.version}→${pin.version}`]);
        }
      }
      for (const [server, pins] of byServer) {
        const source = nodeKey("workflow", workflow.name);
        const target = nodeKey("server", server);
        edges.set(`${source}>${target}`, { source, target, label: pins.join(", ") });
      }
    }
    for (const mcd of page.mcds) {
      add({ kind: "mcd", id: mcd.slug, label: mcd.title, detail: `MCD v${mcd.version}` });
      const source = nodeKey("mcd", mcd.slug);
      const link = (kind: Kind, id: string) => {
        add({
          kind,
          id,
          label: kind === "server" ? shortName(id) : id,
          detail: "not on this page",
          faint: true,
        });
        edges.set(`${source}>${nodeKey(kind, id)}`, { source, target: nodeKey(kind, id) });
      };
      for (const server of mcd.links.servers) link("server", server);
      for (const workflow of mcd.links.workflows) link("workflow", workflow);
      for (const other of mcd.links.mcds) link("mcd", other);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function MapNodeView({ data }: NodeProps<Node<MapNode>>) {
  return (
    <div className={`graph-node dep-node dep-${data.kind}${data.faint ? " faint" : ""}`}>
      <Handle type="target" position={Position.Left} />
      <div className="graph-node-title">
        <strong>{data.label}</strong>
        <span className="graph-node-status">{data.kind}</span>
      </div>
      <div className="graph-node-server" title={data.detail}>
        {data.detail}
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const nodeTypes = { dependency: MapNodeView };

export function Dependencies() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = useNavigate();
  const filters = {
    ...(search.server ? { server: search.server } : {}),
    ...(search.version && search.server ? { version: search.version } : {}),
    ...(search.workflow ? { workflow: search.workflow } : {}),
    ...(search.mcd ? { mcd: search.mcd } : {}),
    ...(search.type ? { type: search.type } : {}),
  };
  const map = useInfiniteQuery({
    queryKey: ["dependencies", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.GET("/v1/dependencies", {
          params: { query: { ...filters, limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor,
  });
  const pages = map.data?.pages ?? [];
  const graph = useMemo(() => dependencyGraph(pages), [pages]);
  const layout = useMemo(
    () =>
      layoutLayered(
        graph.nodes.map((node) => ({
          id: nodeKey(node.kind, node.id),
          width: NODE_WIDTH,
          height: NODE_HEIGHT,
        })),
        graph.edges,
        { rankdir: "LR", nodesep: 20, ranksep: 90 },
      ),
    [graph],
  );
  const nodes: Node<MapNode>[] = graph.nodes.map((node) => ({
    id: nodeKey(node.kind, node.id),
    type: "dependency",
    position: layout.positions.get(nodeKey(node.kind, node.id)) ?? { x: 0, y: 0 },
    data: node,
    ariaLabel: `${node.kind} ${node.id}: ${node.detail}`,
    draggable: false,
    connectable: false,
  }));
  const edges: Edge[] = graph.edges.map((edge) => ({
    id: `${edge.source}>${edge.target}`,
    source: edge.source,
    target: edge.target,
    ...(edge.label ? { label: edge.label } : {}),
    type: "smoothstep",
  }));
  const open = (node: MapNode) => {
    if (node.kind === "workflow") void navigate({ to: "/workflows/$name", params: { name: node.id } });
    else if (node.kind === "server") void navigate({ to: "/servers/$name", params: { name: node.id } });
    else void navigate({ to: "/mcds/$slug", params: { slug: node.id } });
  };
  const workflows = pages.flatMap((page) => page.workflows);
  const mcds = pages.flatMap((page) => page.mcds);
  const statusOf = new Map(
    pages.flatMap((page) =>
      page.servers.flatMap((server) => server.versions.map((v) => [`${server.name}@${v.version}`, v.status])),
    ),
  );
  return (
    <>
      <h1>Dependencies</h1>
      <p className="muted">
        Which workflow versions pin which server versions, and what the MCDs link. Select a node to open it.
      </p>
      <Filters key={JSON.stringify(filters)} initial={filters} />
      {map.isPending && <Loading what="the map" />}
      <ProblemMessage error={map.error} />
      {map.data && graph.nodes.length === 0 && <Empty>Nothing depends on anything here.</Empty>}
      {graph.nodes.length > 0 && (
        <section
          className="graph"
          aria-label="Dependency graph"
          style={{ height: Math.min(Math.max(layout.height + 40, 260), 640) }}
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            fitView
            minZoom={0.2}
            nodesConnectable={false}
            nodesDraggable={false}
            onNodeClick={(_event, node) => open(node.data)}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </section>
      )}
      {map.hasNextPage && (
        <button type="button" className="secondary" onClick={() => map.fetchNextPage()}>
          {map.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
      {workflows.length > 0 && (
        <section aria-labelledby="dep-workflows">
          <h2 id="dep-workflows">Workflows</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Workflow version</th>
                  <th scope="col">Pins</th>
                </tr>
              </thead>
              <tbody>
                {workflows.flatMap((workflow) =>
                  workflow.versions.map((version) => (
                    <tr key={`${workflow.name}@${version.version}`}>
                      <td>
                        <Link
                          to="/workflows/$name"
                          params={{ name: workflow.name }}
                          search={{ version: version.version }}
                        >
                          {workflow.name} v{version.version}
                        </Link>{" "}
                        {version.isLatest && <span className="badge">latest</span>}
                      </td>
                      <td>
                        <ul className="plain">
                          {version.servers.map((pin) => (
                            <li key={pin.name}>
                              <Link
                                to="/servers/$name"
                                params={{ name: pin.name }}
                                search={{ version: pin.version }}
                              >
                                {pin.name}@{pin.version}
                              </Link>{" "}
                              <StatusBadge status={statusOf.get(`${pin.name}@${pin.version}`) ?? "unknown"} />
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {mcds.length > 0 && (
        <section aria-labelledby="dep-mcds">
          <h2 id="dep-mcds">MCDs</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">MCD</th>
                  <th scope="col">Links</th>
                </tr>
              </thead>
              <tbody>
                {mcds.map((mcd) => (
                  <tr key={mcd.slug}>
                    <td>
                      <Link to="/mcds/$slug" params={{ slug: mcd.slug }}>
                        {mcd.title}
                      </Link>
                    </td>
                    <td>
                      {[
                        ...mcd.links.servers.map((name) => (
                          <Link key={`s:${name}`} to="/servers/$name" params={{ name }}>
                            {name}
                          </Link>
                        )),
                        ...mcd.links.workflows.map((name) => (
                          <Link key={`w:${name}`} to="/workflows/$name" params={{ name }}>
                            {name}
                          </Link>
                        )),
                        ...mcd.links.mcds.map((slug) => (
                          <Link key={`m:${slug}`} to="/mcds/$slug" params={{ slug }}>
                            {slug}
                          </Link>
                        )),
                      ].flatMap((link, i) => (i === 0 ? [link] : [", ", link]))}
                      {mcd.links.servers.length + mcd.links.workflows.length + mcd.links.mcds.length ===
                        0 && <span className="muted">none</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

type FilterValues = { server?: string; version?: string; workflow?: string; mcd?: string; type?: string };

/** The filters as a form: applied on submit, so a half-typed server name is not a request. */
function Filters({ initial }: { initial: FilterValues }) {
  const navigate = route.useNavigate();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (key: string) => {
      const text = String(form.get(key) ?? "").trim();
      return text === "" ? undefined : text;
    };
    void navigate({
      search: {
        server: value("server"),
        version: value("version"),
        workflow: value("workflow"),
        mcd: value("mcd"),
        type: value("type") as "workflow" | "mcd" | undefined,
      },
    });
  };
  return (
    <form className="toolbar" onSubmit={submit} aria-label="Filter the map">
      <div>
        <label htmlFor="dep-server">Server</label>
        <input
          id="dep-server"
          name="server"
          defaultValue={initial.server ?? ""}
          placeholder="namespace/name"
        />
      </div>
      <div>
        <label htmlFor="dep-version">Server version</label>
        <input id="dep-version" name="version" defaultValue={initial.version ?? ""} size={10} />
      </div>
      <div>
        <label htmlFor="dep-workflow">Workflow</label>
        <input id="dep-workflow" name="workflow" defaultValue={initial.workflow ?? ""} />
      </div>
      <div>
        <label htmlFor="dep-mcd">MCD</label>
        <input id="dep-mcd" name="mcd" defaultValue={initial.mcd ?? ""} />
      </div>
      <div>
        <label htmlFor="dep-type">Show</label>
        <select id="dep-type" name="type" defaultValue={initial.type ?? ""}>
          <option value="">workflows and MCDs</option>
          <option value="workflow">workflows only</option>
          <option value="mcd">MCDs only</option>
        </select>
      </div>
      <div>
        <button type="submit">Apply</button>{" "}
        <Link to="/dependencies" search={{}}>
          Clear
        </Link>
      </div>
    </form>
  );
}
