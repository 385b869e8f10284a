// The page frame: a skip link, the navigation (only what the caller's role can use), who is signed in, and main.
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { useApp, useCan } from "../app-context.js";
import { CommandPalette } from "../search/CommandPalette.js";

const NAV = [
  { to: "/", label: "Dashboard" },
  { to: "/servers", label: "Catalog" },
  { to: "/workflows", label: "Workflows" },
  { to: "/runs", label: "Runs" },
  { to: "/mcds", label: "MCDs" },
  { to: "/dependencies", label: "Dependencies" },
  { to: "/search", label: "Search" },
] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useApp();
  const isAdmin = useCan("admin");
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          mcpflow
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  activeOptions={{ exact: item.to === "/" }}
                  activeProps={{ "aria-current": "page" }}
                >
                  {item.label}
                </Link>
              </li>
            ))}
            {isAdmin && (
              <li>
                <Link to="/admin" activeProps={{ "aria-current": "page" }}>
                  Admin
                </Link>
              </li>
            )}
          </ul>
        </nav>
        <CommandPalette />
        <div className="who">
          <span title={me.id}>
            {me.name} <span className="role">{me.role}</span>
          </span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
