// One search over servers (and their tools), MCDs and workflows: ranked hits with highlighted snippets, narrowed
// by type and tag facets; the query and filters are in the URL.
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Empty, Loading, ProblemMessage } from "../components/common.js";
import { HitLink, Snippet } from "../search/hits.js";

const route = getRouteApi("/search");

export function Search() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [text, setText] = useState(search.q ?? "");
  const query = {
    limit: 50,
    ...(search.q ? { q: search.q } : {}),
    ...(search.type ? { type: search.type } : {}),
    ...(search.tag ? { tag: search.tag } : {}),
  };
  const results = useQuery({
    queryKey: ["search", query],
    enabled: Boolean(search.q || search.tag),
    queryFn: async () => unwrap(await client.GET("/v1/search", { params: { query } })),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate({ search: (previous) => ({ ...previous, q: text.trim() || undefined }), replace: true });
  };
  return (
    <>
      <h1>Search</h1>
      <form className="toolbar" onSubmit={submit}>
        <div>
          <label htmlFor="search-q">Servers, tools, MCDs and workflows</label>
          <input
            id="search-q"
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
            size={40}
          />
        </div>
        <button type="submit">Search</button>
        <div>
          <label htmlFor="search-type">Type</label>
          <select
            id="search-type"
            value={search.type ?? ""}
            onChange={(event) =>
              navigate({
                search: (previous) => ({ ...previous, type: (event.target.value || undefined) as never }),
                replace: true,
              })
            }
          >
            <option value="">all</option>
            <option value="server">servers and tools</option>
            <option value="workflow">workflows</option>
            <option value="mcd">MCDs</option>
          </select>
        </div>
      </form>
      {!search.q && !search.tag && (
        <p className="muted">Type a word; ⌘K (Ctrl+K) opens search from any page.</p>
      )}
      {results.isFetching && <Loading what="results" />}
      <ProblemMessage error={results.error} />
      {results.data && (
        <>
          <p className="muted" aria-live="polite">
            {results.data.total} result{results.data.total === 1 ? "" : "s"}
            {Object.keys(results.data.facets.tag).length > 0 && " · tags: "}
            {Object.entries(results.data.facets.tag).map(([tag, count]) => (
              <button
                key={tag}
                type="button"
                className="link"
                aria-pressed={search.tag === tag}
                onClick={() =>
                  navigate({
                    search: (previous) => ({ ...previous, tag: search.tag === tag ? undefined : tag }),
                    replace: true,
                  })
                }
                style={{ marginRight: "0.5rem" }}
              >
                {tag} ({count})
              </button>
            ))}
          </p>
          {results.data.hits.length === 0 && <Empty>Nothing found.</Empty>}
          <ol className="plain search-hits">
            {results.data.hits.map((hit) => (
              <li key={`${hit.type}:${hit.id}`}>
                <span className="badge">{hit.type}</span> <HitLink hit={hit} />
                <div>
                  <Snippet html={hit.snippet} />
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}
