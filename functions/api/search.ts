// Lambda for /v1/search: one ranked query over servers, MCDs and workflows.
import { searchRoutes } from "../../shared/api/search.routes.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { installBuiltInSearchSources, search } from "../../shared/search/service.js";
import { installWorkflowIntegrations } from "../../shared/workflows/integrations.js";

installBuiltInSearchSources();
installWorkflowIntegrations();

export const handler = createApiHandler(searchRoutes, {
  async search({ platform, query }) {
    return { body: await search(platform, query) };
  },
});
