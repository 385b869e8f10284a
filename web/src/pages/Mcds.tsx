// MCDs (Model Context Documents): title, slug, tags, latest version; filtered by tag (API) and text (here).
import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { unwrap } from "../api/client.js";
import { useApp, useCan } from "../app-context.js";
import { Empty, Loading, ProblemMessage, Time } from "../components/common.js";

const route = getRouteApi("/mcds");

export function Mcds() {
  const { client } = useApp();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const canEdit = useCan("editor");
  const mcds = useQuery({
    queryKey: ["mcds", search.tag ?? null],
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/mcds", {
          params: { query: { limit: 100, ...(search.tag ? { tag: search.tag } : {}) } },
        }),
      ),
  });
  const needle = (search.q ?? "").toLowerCase();
  const rows = (mcds.data?.items ?? []).filter(
    (mcd) => !needle || mcd.title.toLowerCase().includes(needle) || mcd.slug.includes(needle),
  );
  return (
    <>
      <h1>MCDs</h1>
      <div className="toolbar">
        <div>
          <label htmlFor="mcds-q">Filter by title</label>
          <input
            id="mcds-q"
            type="search"
            value={search.q ?? ""}
            onChange={(event) =>
              navigate({
                search: (previous) => ({ ...previous, q: event.target.value || undefined }),
                replace: true,
              })
            }
          />
        </div>
        {search.tag && (
          <p>
            Tag <span className="tag">{search.tag}</span>{" "}
            <Link to="/mcds" search={(previous) => ({ ...previous, tag: undefined })}>
              clear
            </Link>
          </p>
        )}
        {canEdit && (
          <Link className="button" to="/create/mcd">
            New MCD
          </Link>
        )}
      </div>
      {mcds.isPending && <Loading what="MCDs" />}
      <ProblemMessage error={mcds.error} />
      {mcds.data && rows.length === 0 && <Empty>No MCD matches.</Empty>}
      <ul className="cards">
        {rows.map((mcd) => (
          <li key={mcd.slug} className="card">
            <h2 style={{ margin: 0, fontSize: "1rem" }}>
              <Link to="/mcds/$slug" params={{ slug: mcd.slug }}>
                {mcd.title}
              </Link>
            </h2>
            <code>{mcd.slug}</code>
            <p className="muted">
              v{mcd.version} · <Time iso={mcd.createdAt} />
            </p>
            <p>
              {mcd.tags.map((tag) => (
                <Link key={tag} className="tag" to="/mcds" search={{ tag }}>
                  {tag}
                </Link>
              ))}
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}
