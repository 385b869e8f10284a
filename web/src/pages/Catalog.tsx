// The catalog: the latest version of every server as cards, narrowed by search and by the facets the API counts
// (tags, category, status), all kept in the URL; editors import server.json documents (paste or file).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/client.js";
import { useApp, useCan } from "../app-context.js";
import { Empty, Loading, ProblemMessage, StatusBadge } from "../components/common.js";

const route = getRouteApi("/servers");

export function Catalog() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const canImport = useCan("editor");
  const query = {
    limit: 100,
    ...(search.q ? { search: search.q } : {}),
    ...(search.tag ? { tag: search.tag } : {}),
    ...(search.category ? { category: search.category } : {}),
    ...(search.status ? { status: search.status } : {}),
  };
  const servers = useQuery({
    queryKey: ["servers", query],
    queryFn: async () => unwrap(await client.GET("/v1/servers", { params: { query } })),
  });
  const [text, setText] = useState(search.q ?? "");

  const setFilter = (patch: Partial<typeof search>) =>
    navigate({ search: (previous) => ({ ...previous, ...patch }), replace: true });

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setFilter({ q: text.trim() || undefined });
  };

  return (
    <>
      <h1>Catalog</h1>
      <form className="toolbar" onSubmit={onSearch}>
        <div>
          <label htmlFor="catalog-q">Search servers</label>
          <input
            id="catalog-q"
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
        </div>
        <button type="submit">Search</button>
        {(search.q || search.tag || search.category || search.status) && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setText("");
              navigate({ search: {}, replace: true });
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <div className="catalog">
        <aside className="facets" aria-label="Filters">
          <FacetList
            title="Tags"
            counts={servers.data?.facets.tags ?? {}}
            selected={search.tag}
            onSelect={(tag) => setFilter({ tag })}
          />
          <FacetList
            title="Categories"
            counts={servers.data?.facets.categories ?? {}}
            selected={search.category}
            onSelect={(category) => setFilter({ category })}
          />
          <h2 id="facet-status">Status</h2>
          <select
            aria-labelledby="facet-status"
            value={search.status ?? ""}
            onChange={(event) =>
              setFilter({ status: (event.target.value || undefined) as typeof search.status })
            }
          >
            <option value="">any</option>
            <option value="active">active</option>
            <option value="deprecated">deprecated</option>
            <option value="deleted">deleted</option>
          </select>
          {canImport && <ImportServers />}
        </aside>
        <section aria-label="Servers">
          {servers.isPending && <Loading what="servers" />}
          <ProblemMessage error={servers.error} />
          {servers.data && (
            <p className="muted" aria-live="polite">
              {servers.data.total} server{servers.data.total === 1 ? "" : "s"}
            </p>
          )}
          {servers.data && servers.data.servers.length === 0 && <Empty>No server matches.</Empty>}
          <ul className="cards">
            {servers.data?.servers.map((record) => (
              <li key={record.server.name} className="card">
                <h3>
                  <Link to="/servers/$name" params={{ name: record.server.name }}>
                    {record.server.title ?? record.server.name}
                  </Link>
                </h3>
                {record.server.title && <code>{record.server.name}</code>}
                <p>{record.server.description}</p>
                <p className="muted">
                  v{record.server.version} · {record.server.category ?? "uncategorised"} ·{" "}
                  <StatusBadge status={record.status} />
                </p>
                <p>
                  {(record.server.tags ?? []).map((tag) => (
                    <span key={tag} className="tag">
                      {tag}
                    </span>
                  ))}
                </p>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </>
  );
}

function FacetList(props: {
  title: string;
  counts: Record<string, number>;
  selected: string | undefined;
  onSelect(value: string | undefined): void;
}) {
  const entries = Object.entries(props.counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const id = `facet-${props.title.toLowerCase()}`;
  return (
    <>
      <h2 id={id}>{props.title}</h2>
      {entries.length === 0 && <p className="muted">none</p>}
      <ul className="plain" aria-labelledby={id}>
        {entries.map(([value, count]) => (
          <li key={value}>
            <button
              type="button"
              className="link"
              aria-pressed={props.selected === value}
              onClick={() => props.onSelect(props.selected === value ? undefined : value)}
            >
              {props.selected === value ? <strong>{value}</strong> : value}
            </button>{" "}
            <span className="muted">({count})</span>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Paste or pick server.json documents (one, an array, or an official registry list) and import them. */
function ImportServers() {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [parseError, setParseError] = useState<string>();
  const importing = useMutation({
    mutationFn: async (body: unknown) => unwrap(await client.POST("/v1/servers/import", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["servers"] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      setParseError(`Not JSON: ${(error as Error).message}`);
      return;
    }
    setParseError(undefined);
    importing.mutate(body);
  };
  return (
    <form onSubmit={submit} aria-labelledby="import-title">
      <h2 id="import-title">Import server.json</h2>
      <label htmlFor="import-file">From a file</label>
      <input
        id="import-file"
        type="file"
        accept="application/json,.json"
        onChange={async (event) => {
          const file = event.target.files?.[0];
          if (file) setText(await file.text());
        }}
      />
      <label htmlFor="import-json">Or paste</label>
      <textarea
        id="import-json"
        className="code"
        rows={6}
        value={text}
        spellCheck={false}
        onChange={(event) => setText(event.target.value)}
      />
      {parseError && (
        <p role="alert" className="error">
          {parseError}
        </p>
      )}
      <ProblemMessage error={importing.error} />
      {importing.data && (
        <div role="status" className="notice">
          {importing.data.created} created, {importing.data.exists} already there, {importing.data.invalid}{" "}
          invalid
          <ul>
            {importing.data.results
              .filter((result) => result.outcome === "invalid")
              .map((result) => (
                <li key={result.index}>
                  #{result.index}: {(result.errors ?? []).map((e) => `${e.field} ${e.rule}`).join("; ")}
                </li>
              ))}
          </ul>
        </div>
      )}
      <button type="submit" disabled={importing.isPending || !text.trim()}>
        Import
      </button>
    </form>
  );
}
