// The search area's contract: one query over servers, MCDs and workflows.
import { route } from "../http/route.js";
import { SearchQuery, SearchResponse } from "../search/documents.js";

export const searchRoutes = {
  search: route({
    method: "GET",
    path: "/v1/search",
    role: "viewer",
    action: "search",
    summary:
      "Ranked, typo- and prefix-tolerant search over servers, MCDs and workflows, with snippets and facets",
    tags: ["search"],
    query: SearchQuery,
    success: 200,
    response: SearchResponse,
  }),
};
