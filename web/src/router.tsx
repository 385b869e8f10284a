// The console's routes. Every view is a URL: filters, tabs and the selected step live in typed search params
// (validated with zod), so a link shows the same thing to whoever opens it. Pages load when first visited.
import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
} from "@tanstack/react-router";
import * as z from "zod/mini";
import { Shell } from "./components/Shell.js";
import type { RuntimeConfig } from "./config.js";

export interface RouterContext {
  config: RuntimeConfig;
  queryClient: QueryClient;
  /** Why a sign-in that came with the page load failed, for the sign-in page. */
  signInNotice?: string | undefined;
}

/**
 * A search-param validator that keeps the keys that parse and drops the rest: a hand-edited or stale link still
 * opens the page, with the filters it got right.
 */
function searchParams<S extends Record<string, z.ZodMiniType>>(shape: S) {
  return (raw: Record<string, unknown>): { [K in keyof S]?: z.output<S[K]> } => {
    const out: { [K in keyof S]?: z.output<S[K]> } = {};
    for (const key in shape) {
      const parsed = shape[key]!.safeParse(raw[key]);
      if (parsed.success && parsed.data !== undefined && parsed.data !== "") out[key] = parsed.data as never;
    }
    return out;
  };
}

const text = z.string();
const count = z.coerce.number().check(z.int(), z.gte(0));

const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Shell });

const dashboard = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  component: lazyRouteComponent(() => import("./pages/Dashboard.js"), "Dashboard"),
});

export const catalogSearch = searchParams({
  q: text,
  tag: text,
  category: text,
  status: z.enum(["active", "deprecated", "deleted"]),
});
const catalog = createRoute({
  getParentRoute: () => rootRoute,
  path: "/servers",
  validateSearch: catalogSearch,
  component: lazyRouteComponent(() => import("./pages/Catalog.js"), "Catalog"),
});

export const serverSearch = searchParams({
  version: text,
  tab: z.enum(["tools", "try", "connect", "versions", "related", "secrets"]),
  tool: text,
});
const server = createRoute({
  getParentRoute: () => rootRoute,
  path: "/servers/$name",
  validateSearch: serverSearch,
  component: lazyRouteComponent(() => import("./pages/Server.js"), "Server"),
});

export const runsSearch = searchParams({
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"]),
  workflow: text,
});
const runs = createRoute({
  getParentRoute: () => rootRoute,
  path: "/runs",
  validateSearch: runsSearch,
  component: lazyRouteComponent(() => import("./pages/Runs.js"), "Runs"),
});

export const runSearch = searchParams({
  view: z.enum(["graph", "timeline", "table", "events"]),
  step: text,
  /** The scrubber's moment, in ms since the run started. */
  at: count,
});
const run = createRoute({
  getParentRoute: () => rootRoute,
  path: "/runs/$id",
  validateSearch: runSearch,
  component: lazyRouteComponent(() => import("./pages/Run.js"), "Run"),
});

const workflows = createRoute({
  getParentRoute: () => rootRoute,
  path: "/workflows",
  validateSearch: searchParams({ q: text }),
  component: lazyRouteComponent(() => import("./pages/Workflows.js"), "Workflows"),
});

export const workflowSearch = searchParams({
  tab: z.enum(["graph", "yaml", "asl", "versions", "runs"]),
  version: count,
  compare: count,
});
const workflow = createRoute({
  getParentRoute: () => rootRoute,
  path: "/workflows/$name",
  validateSearch: workflowSearch,
  component: lazyRouteComponent(() => import("./pages/Workflow.js"), "Workflow"),
});

const mcds = createRoute({
  getParentRoute: () => rootRoute,
  path: "/mcds",
  validateSearch: searchParams({ q: text, tag: text }),
  component: lazyRouteComponent(() => import("./pages/Mcds.js"), "Mcds"),
});

export const mcdSearch = searchParams({
  mode: z.enum(["read", "edit", "versions"]),
  from: count,
  to: count,
});
const mcd = createRoute({
  getParentRoute: () => rootRoute,
  path: "/mcds/$slug",
  validateSearch: mcdSearch,
  component: lazyRouteComponent(() => import("./pages/Mcd.js"), "Mcd"),
});

export const searchSearch = searchParams({
  q: text,
  type: z.enum(["server", "mcd", "workflow"]),
  tag: text,
});
const search = createRoute({
  getParentRoute: () => rootRoute,
  path: "/search",
  validateSearch: searchSearch,
  component: lazyRouteComponent(() => import("./pages/Search.js"), "Search"),
});

export const adminSearch = searchParams({
  tab: z.enum(["keys", "audit", "approvals"]),
  action: text,
  actor: text,
  resource: text,
  outcome: z.enum(["success", "failure"]),
  from: text,
  to: text,
});
const admin = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin",
  validateSearch: adminSearch,
  component: lazyRouteComponent(() => import("./pages/Admin.js"), "Admin"),
});

export const dependenciesSearch = searchParams({
  server: text,
  version: text,
  workflow: text,
  mcd: text,
  type: z.enum(["workflow", "mcd"]),
});
const dependencies = createRoute({
  getParentRoute: () => rootRoute,
  path: "/dependencies",
  validateSearch: dependenciesSearch,
  component: lazyRouteComponent(() => import("./pages/Dependencies.js"), "Dependencies"),
});

const newWorkflow = createRoute({
  getParentRoute: () => rootRoute,
  path: "/create/workflow",
  component: lazyRouteComponent(() => import("./pages/NewWorkflow.js"), "NewWorkflow"),
});

const newMcd = createRoute({
  getParentRoute: () => rootRoute,
  path: "/create/mcd",
  component: lazyRouteComponent(() => import("./pages/NewMcd.js"), "NewMcd"),
});

const routeTree = rootRoute.addChildren([
  dashboard,
  catalog,
  server,
  runs,
  run,
  workflows,
  workflow,
  newWorkflow,
  mcds,
  mcd,
  newMcd,
  search,
  dependencies,
  admin,
]);

export function createConsoleRouter(context: RouterContext) {
  return createRouter({ routeTree, context, defaultPreload: "intent", scrollRestoration: true });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>;
  }
}
