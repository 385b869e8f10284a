// ⌘K / Ctrl+K from any page: a search box in a dialog; arrows move through the hits, Enter opens one, Escape
// closes. Results come from GET /v1/search as the user types.
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";

export function CommandPalette() {
  const { client } = useApp();
  const navigate = useNavigate();
  const dialog = useRef<HTMLDialogElement>(null);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const hits = useQuery({
    queryKey: ["palette", q],
    enabled: q.trim().length > 0,
    queryFn: async () =>
      unwrap(await client.GET("/v1/search", { params: { query: { q: q.trim(), limit: 8 } } })),
    placeholderData: (previous) => previous,
  });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setQ("");
        setActive(0);
        dialog.current?.showModal();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const list = q.trim() ? (hits.data?.hits ?? []) : [];
  const open = (index: number) => {
    const hit = list[index];
    if (!hit) {
      navigate({ to: "/search", search: { q: q.trim() } });
    } else if (hit.type === "server") navigate({ to: "/servers/$name", params: { name: hit.id } });
    else if (hit.type === "workflow") navigate({ to: "/workflows/$name", params: { name: hit.id } });
    else navigate({ to: "/mcds/$slug", params: { slug: hit.id } });
    dialog.current?.close();
  };

  return (
    <>
      <button type="button" className="secondary palette-button" onClick={() => dialog.current?.showModal()}>
        Search <kbd>⌘K</kbd>
      </button>
      <dialog ref={dialog} className="palette" aria-label="Search everything">
        <label htmlFor="palette-q" className="sr-only">
          Search everything
        </label>
        <input
          id="palette-q"
          type="search"
          role="combobox"
          aria-expanded={list.length > 0}
          aria-controls="palette-list"
          aria-activedescendant={list[active] ? `palette-${active}` : undefined}
          placeholder="Search servers, tools, MCDs, workflows…"
          value={q}
          onChange={(event) => {
            setQ(event.target.value);
            setActive(0);
          }}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown") {
              event.preventDefault();
              setActive((i) => Math.min(i + 1, Math.max(list.length - 1, 0)));
            } else if (event.key === "ArrowUp") {
              event.preventDefault();
              setActive((i) => Math.max(i - 1, 0));
            } else if (event.key === "Enter") {
              event.preventDefault();
              open(active);
            }
          }}
        />
        <div id="palette-list" role="listbox" className="plain palette-list" aria-label="Results">
          {list.map((hit, index) => (
            // biome-ignore lint/a11y/useFocusableInteractive: the ARIA combobox pattern: focus stays in the input, whose arrows move through the options
            <div
              key={`${hit.type}:${hit.id}`}
              id={`palette-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? "active" : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                open(index);
              }}
            >
              <span className="badge">{hit.type}</span> {hit.title || hit.id}
            </div>
          ))}
        </div>
        {q.trim() && hits.data && list.length === 0 && <p className="muted">Nothing found.</p>}
      </dialog>
    </>
  );
}
