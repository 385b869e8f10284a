// The dependency map's contract: what depends on what across servers, workflows and MCDs, in one paged read.
// Served by the search function, the area that already reads across every kind of item (and not by the registry
// function, whose bundle has no room left under decision 0003's 300 KB for the workflow and MCD readers).

import { DependencyMap, DependencyQuery, Impact, ImpactQuery } from "../dependencies/schema.js";
import { route } from "../http/route.js";

export const dependencyRoutes = {
  listDependencies: route({
    method: "GET",
    path: "/v1/dependencies",
    role: "viewer",
    action: "dependencies.list",
    summary:
      "The dependency map: workflows (each version with the server versions it pins) and MCDs (with their links), paged in one order, and the servers they name with each pinned version's status",
    tags: ["dependencies"],
    query: DependencyQuery,
    success: 200,
    errors: [422],
    response: DependencyMap,
  }),
  dependencyImpact: route({
    method: "GET",
    path: "/v1/dependencies/impact",
    role: "viewer",
    action: "dependencies.impact",
    summary:
      "What a change to a server version would break, before it is made: the workflow versions that pin it (whether each is its workflow's latest) and the MCDs that describe the server; with change=tools, the workflow versions whose steps the version's probed tools would fail, and the MCDs naming a removed or changed tool",
    tags: ["dependencies", "registry"],
    query: ImpactQuery,
    success: 200,
    errors: [404, 422],
    response: Impact,
  }),
};
