// Lambda for /v1/me, /v1/api-keys and /v1/audit.
import { identityRoutes } from "../../shared/api/identity.routes.js";
import { listAudit } from "../../shared/audit/log.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../../shared/identity/api-keys.js";

export const handler = createApiHandler(identityRoutes, {
  async me({ caller }) {
    return { body: caller };
  },
  async createApiKey({ platform, body, caller }) {
    const created = await createApiKey(platform.table, body, caller);
    return { body: created, headers: { location: `/v1/api-keys/${created.id}` } };
  },
  async listApiKeys({ platform, query }) {
    return { body: await listApiKeys(platform.table, query) };
  },
  async revokeApiKey({ platform, params }) {
    await revokeApiKey(platform.table, params.id);
    return {};
  },
  async listAudit({ platform, query }) {
    return { body: await listAudit(platform.table, query) };
  },
});
