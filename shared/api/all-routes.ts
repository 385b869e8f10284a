// Every area's route contracts, for the OpenAPI document and the route x role tests.
import type { RouteTable } from "../http/route.js";
import { dependencyRoutes } from "./dependencies.routes.js";
import { identityRoutes } from "./identity.routes.js";
import { mcdRoutes } from "./mcds.routes.js";
import { metaRoutes } from "./meta.routes.js";
import { officialRegistryRoutes } from "./official-registry.routes.js";
import { registryRoutes } from "./registry.routes.js";
import { registrySourceRoutes } from "./registry-sources.routes.js";
import { runRoutes } from "./runs.routes.js";
import { searchRoutes } from "./search.routes.js";
import { workflowRoutes } from "./workflows.routes.js";

export const ALL_ROUTES: RouteTable[] = [
  metaRoutes,
  identityRoutes,
  registryRoutes,
  officialRegistryRoutes,
  registrySourceRoutes,
  mcdRoutes,
  searchRoutes,
  dependencyRoutes,
  workflowRoutes,
  runRoutes,
];
