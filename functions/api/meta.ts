// Lambda for /v1/health and /v1/openapi.json.
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { metaRoutes } from "../../shared/api/meta.routes.js";
import { openApiDocument } from "../../shared/api/openapi.js";
import { createApiHandler } from "../../shared/http/handler.js";

const VERSION = process.env.MCPFLOW_VERSION ?? "0.1.0";

export const handler = createApiHandler(metaRoutes, {
  async health({ platform }) {
    try {
      await platform.table.doc.send(new DescribeTableCommand({ TableName: platform.table.name }));
      return { body: { status: "ok", mode: platform.mode, version: VERSION } };
    } catch {
      return { status: 503, body: { status: "degraded", mode: platform.mode, version: VERSION } };
    }
  },
  async openapi() {
    return { body: openApiDocument() };
  },
});
