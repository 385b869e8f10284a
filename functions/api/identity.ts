// Lambda for /v1/me (and the caller's preferences), /v1/api-keys, /v1/audit and /v1/sign-in.
import { identityRoutes } from "../../shared/api/identity.routes.js";
import { listAudit } from "../../shared/audit/log.js";
import { NotFoundError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../../shared/identity/api-keys.js";
import { redeemSignInCode, SESSION_TTL_SECONDS } from "../../shared/identity/sign-in-codes.js";
import { getPreferences, putPreferences } from "../../shared/preferences/store.js";
import { etagOf, parseIfMatch } from "../../shared/store/precondition.js";

export const handler = createApiHandler(identityRoutes, {
  async signIn({ platform, body }) {
    if (!platform.sessions) {
      throw new NotFoundError("Sign-in codes are the embedded platform's; on AWS, sign in through Cognito.");
    }
    const subject = await redeemSignInCode(platform.table, body.code);
    const token = await platform.sessions.mint(subject, SESSION_TTL_SECONDS);
    const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString();
    return { body: { token, expiresAt, username: subject.username }, audit: { signedIn: subject.username } };
  },
  async me({ caller }) {
    return { body: caller };
  },
  async getPreferences({ platform, caller }) {
    const preferences = await getPreferences(platform.table, caller);
    return { body: preferences, headers: { etag: etagOf(preferences.revision) } };
  },
  async putPreferences({ platform, caller, body, headers }) {
    const saved = await putPreferences(platform.table, caller, body, parseIfMatch(headers["if-match"]));
    return { body: saved, headers: { etag: etagOf(saved.revision) } };
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
