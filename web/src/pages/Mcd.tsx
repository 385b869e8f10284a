// An MCD: the rendered page with its tags and links both ways (what it links to, what links to it), the
// Markdown editor with live preview and conflict merge (editors), and its versions with a diff between two.
import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { lazy, Suspense } from "react";
import { renderMcdHtml } from "../../../shared/mcds/render.js";
import { unwrap } from "../api/client.js";
import { useApp, useCan } from "../app-context.js";
import { Empty, Loading, ProblemMessage, Time } from "../components/common.js";

const McdEditor = lazy(() => import("../mcd/McdEditor.js").then((m) => ({ default: m.McdEditor })));
const MergeEditor = lazy(() => import("../editors/MergeEditor.js").then((m) => ({ default: m.MergeEditor })));

const route = getRouteApi("/mcds/$slug");
type Mode = "read" | "edit" | "versions";

export function Mcd() {
  const { client } = useApp();
  const { slug } = route.useParams();
  const search = route.useSearch();
  const canEdit = useCan("editor");
  const mode: Mode = search.mode === "edit" && !canEdit ? "read" : (search.mode ?? "read");
  const mcd = useQuery({
    queryKey: ["mcd", slug],
    queryFn: async () => unwrap(await client.GET("/v1/mcds/{slug}", { params: { path: { slug } } })),
  });
  if (mcd.isPending) return <Loading what="the MCD" />;
  if (mcd.error) return <ProblemMessage error={mcd.error} />;
  const doc = mcd.data;
  return (
    <>
      <p className="muted">
        <Link to="/mcds">MCDs</Link> /
      </p>
      <h1>{doc.title}</h1>
      <p className="muted">
        <code>{doc.slug}</code> · version {doc.version} · <Time iso={doc.createdAt} /> by {doc.createdBy}{" "}
        {doc.tags.map((tag) => (
          <Link key={tag} className="tag" to="/mcds" search={{ tag }}>
            {tag}
          </Link>
        ))}
      </p>
      <nav className="tabs" aria-label="MCD views">
        {(
          [["read", "Page"], ...(canEdit ? [["edit", "Edit"]] : []), ["versions", "Versions"]] as [
            Mode,
            string,
          ][]
        ).map(([key, label]) => (
          <Link
            key={key}
            to="/mcds/$slug"
            params={{ slug }}
            search={{ mode: key }}
            aria-current={mode === key ? "page" : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      {mode === "read" && (
        <div className="mcd-read">
          <article
            className="markdown"
            aria-label={doc.title}
            // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by renderMcdHtml's allow-list
            dangerouslySetInnerHTML={{ __html: renderMcdHtml(doc.body) }}
          />
          <McdLinks slug={slug} links={doc.links} />
        </div>
      )}
      {mode === "edit" && (
        <Suspense fallback={<Loading what="the editor" />}>
          <McdEditor key={doc.version} slug={slug} base={doc} initial={doc.body} />
        </Suspense>
      )}
      {mode === "versions" && <Versions slug={slug} from={search.from} to={search.to} latest={doc.version} />}
    </>
  );
}

function McdLinks({
  slug,
  links,
}: {
  slug: string;
  links: { servers: string[]; workflows: string[]; mcds: string[] };
}) {
  const { client } = useApp();
  const back = useQuery({
    queryKey: ["mcd", slug, "references"],
    queryFn: async () =>
      unwrap(await client.GET("/v1/mcds/{slug}/references", { params: { path: { slug } } })),
  });
  return (
    <aside aria-label="Links" className="mcd-links">
      <h2>Links to</h2>
      {links.servers.length + links.workflows.length + links.mcds.length === 0 && <Empty>Nothing.</Empty>}
      <ul className="plain">
        {links.servers.map((server) => (
          <li key={server}>
            server{" "}
            <Link to="/servers/$name" params={{ name: server.split("@")[0]! }}>
              {server}
            </Link>
          </li>
        ))}
        {links.workflows.map((workflow) => (
          <li key={workflow}>
            workflow{" "}
            <Link to="/workflows/$name" params={{ name: workflow.split("@")[0]! }}>
              {workflow}
            </Link>
          </li>
        ))}
        {links.mcds.map((other) => (
          <li key={other}>
            MCD{" "}
            <Link to="/mcds/$slug" params={{ slug: other }}>
              {other}
            </Link>
          </li>
        ))}
      </ul>
      <h2>Linked from</h2>
      {back.data && back.data.mcds.length + back.data.workflows.length === 0 && (
        <Empty>Nothing links here.</Empty>
      )}
      <ul className="plain">
        {back.data?.mcds.map((ref) => (
          <li key={ref.id}>
            MCD{" "}
            <Link to="/mcds/$slug" params={{ slug: ref.id }}>
              {ref.title ?? ref.id}
            </Link>
          </li>
        ))}
        {back.data?.workflows.map((ref) => (
          <li key={ref.id}>
            workflow{" "}
            <Link to="/workflows/$name" params={{ name: ref.id }}>
              {ref.title ?? ref.id}
            </Link>
          </li>
        ))}
      </ul>
    </aside>
  );
}

function Versions({
  slug,
  from,
  to,
  latest,
}: {
  slug: string;
  from?: number | undefined;
  to?: number | undefined;
  latest: number;
}) {
  const { client } = useApp();
  const navigate = route.useNavigate();
  const versions = useQuery({
    queryKey: ["mcd", slug, "versions"],
    queryFn: async () => unwrap(await client.GET("/v1/mcds/{slug}/versions", { params: { path: { slug } } })),
  });
  const right = to ?? latest;
  const left = from ?? Math.max(1, right - 1);
  const bodies = useQuery({
    queryKey: ["mcd", slug, "pair", left, right],
    enabled: left !== right,
    queryFn: async () => {
      const [a, b] = await Promise.all(
        [left, right].map(async (version) =>
          unwrap(
            await client.GET("/v1/mcds/{slug}/versions/{version}", { params: { path: { slug, version } } }),
          ),
        ),
      );
      return { a: a!, b: b! };
    },
  });
  if (versions.isPending) return <Loading what="versions" />;
  if (versions.error) return <ProblemMessage error={versions.error} />;
  const options = versions.data.versions.map((v) => v.version);
  const pick = (key: "from" | "to", id: string, label: string, value: number) => (
    <div>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) =>
          navigate({
            search: (previous) => ({ ...previous, [key]: Number(event.target.value) }),
            replace: true,
          })
        }
      >
        {options.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Title</th>
            <th scope="col">Saved</th>
            <th scope="col">By</th>
            <th scope="col">Bytes</th>
          </tr>
        </thead>
        <tbody>
          {versions.data.versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{v.title}</td>
              <td>
                <Time iso={v.createdAt} />
              </td>
              <td>{v.createdBy}</td>
              <td>{v.bodyBytes}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {options.length > 1 && (
        <>
          <div className="toolbar">
            {pick("from", "diff-from", "From", left)}
            {pick("to", "diff-to", "To", right)}
          </div>
          {bodies.data && (
            <Suspense fallback={<Loading what="the diff" />}>
              <MergeEditor
                left={bodies.data.a.body}
                right={bodies.data.b.body}
                language="markdown"
                leftLabel={`v${left}`}
                rightLabel={`v${right}`}
              />
            </Suspense>
          )}
        </>
      )}
    </>
  );
}
