// Lambda for /v1/search (one ranked query over servers, MCDs and workflows) and /v1/dependencies (what depends on
// what across them, and what a change to a server version would break): the two reads that span every kind of item.
import { dependencyRoutes } from "../../shared/api/dependencies.routes.js";
import { searchRoutes } from "../../shared/api/search.routes.js";
import { createDependencies, createSearch } from "../../shared/compose.js";
import { createApiHandler } from "../../shared/http/handler.js";

export const handler = createApiHandler(
  { ...searchRoutes, ...dependencyRoutes },
  {
    async search({ platform, query }) {
      return { body: await createSearch(platform).search(query) };
    },
    async listDependencies({ platform, query }) {
      return { body: await createDependencies(platform).map(query) };
    },
    async dependencyImpact({ platform, query }) {
      return { body: await createDependencies(platform).impact(query.server, query.version, query.change) };
    },
  },
);
