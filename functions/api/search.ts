// Lambda for /v1/search: one ranked query over servers, MCDs and workflows.
import { searchRoutes } from "../../shared/api/search.routes.js";
import { createSearch } from "../../shared/compose.js";
import { createApiHandler } from "../../shared/http/handler.js";

export const handler = createApiHandler(searchRoutes, {
  async search({ platform, query }) {
    return { body: await createSearch(platform).search(query) };
  },
});
