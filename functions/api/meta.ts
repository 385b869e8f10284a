// Lambda for /v1/health and /v1/openapi.json.
import { existsSync, readFileSync } from "node:fs";
import { metaRoutes } from "../../shared/api/meta.routes.js";
import { createApiHandler } from "../../shared/http/handler.js";

/**
 * The Lambda bundle carries the document, written beside it at bundling (infra/write-openapi.ts), and the generator's
 * module is left out of the bundle (infra/constructs/mcpflow-function.ts), so the bundle does not hold every area's
 * route contracts and what they import; run from source (local mode, tests) it is generated here.
 */
const PREBUILT_OPENAPI = new URL("./openapi.json", import.meta.url);
let document: Promise<unknown> | undefined;
const openApi = () =>
  (document ??= existsSync(PREBUILT_OPENAPI)
    ? Promise.resolve(JSON.parse(readFileSync(PREBUILT_OPENAPI, "utf8")))
    : import("../../shared/api/openapi.js").then((m) => m.openApiDocument()));

const VERSION = process.env.MCPFLOW_VERSION ?? "0.1.0";

export const handler = createApiHandler(metaRoutes, {
  async health({ platform }) {
    if (await platform.health()) return { body: { status: "ok", mode: platform.mode, version: VERSION } };
    return { status: 503, body: { status: "degraded", mode: platform.mode, version: VERSION } };
  },
  async openapi() {
    return { body: await openApi() };
  },
});
