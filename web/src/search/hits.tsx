// A search hit as a link to its console page, with the snippet the API highlighted (escaped HTML with <mark>).
import { Link } from "@tanstack/react-router";

export function HitLink({
  hit,
  onFollow,
}: {
  hit: { type: string; id: string; title: string };
  onFollow?(): void;
}) {
  const label = hit.title || hit.id;
  if (hit.type === "server")
    return (
      <Link to="/servers/$name" params={{ name: hit.id }} onClick={onFollow}>
        {label}
      </Link>
    );
  if (hit.type === "workflow")
    return (
      <Link to="/workflows/$name" params={{ name: hit.id }} onClick={onFollow}>
        {label}
      </Link>
    );
  return (
    <Link to="/mcds/$slug" params={{ slug: hit.id }} onClick={onFollow}>
      {label}
    </Link>
  );
}

/** The API's snippet is escaped text with <mark> around matches; only <mark> survives here. */
export function Snippet({ html }: { html: string }) {
  const parts = html.split(/(<mark>.*?<\/mark>)/g);
  const decode = (text: string) =>
    text
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&quot;", '"')
      .replaceAll("&#39;", "'")
      .replaceAll("&amp;", "&");
  return (
    <span className="snippet">
      {parts.map((part, i) =>
        part.startsWith("<mark>") ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never reorder
          <mark key={i}>{decode(part.slice(6, -7))}</mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never reorder
          <span key={i}>{decode(part)}</span>
        ),
      )}
    </span>
  );
}
