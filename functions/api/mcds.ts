// Lambda for /v1/mcds: versioned Markdown documents with links, history, diffs and sanitized HTML.
import { mcdRoutes } from "../../shared/api/mcds.routes.js";
import { createMcds, createReferences } from "../../shared/compose.js";
import { NotFoundError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { diffMcdVersions } from "../../shared/mcds/diff.js";
import { resolveMcdInput } from "../../shared/mcds/front-matter.js";
import { HTML_HEADERS, htmlPage, renderMcdHtml } from "../../shared/mcds/render.js";
import { etagOf, parseIfMatch } from "../../shared/mcds/service.js";

const mcdPath = (slug: string) => `/v1/mcds/${encodeURIComponent(slug)}`;

export const handler = createApiHandler(mcdRoutes, {
  async createMcd({ platform, body, caller }) {
    const created = await createMcds(platform).create(resolveMcdInput(body), caller);
    return { body: created, headers: { location: mcdPath(created.slug), etag: etagOf(created.version) } };
  },
  async listMcds({ platform, query }) {
    return { body: await createMcds(platform).list(query) };
  },
  async getMcd({ platform, params }) {
    const mcd = await createMcds(platform).get(params.slug);
    return { body: mcd, headers: { etag: etagOf(mcd.version) } };
  },
  async updateMcd({ platform, params, body, headers, caller }) {
    // The precondition is checked before the body, so a missing If-Match is 428 whatever the body holds.
    const expected = parseIfMatch(headers["if-match"]);
    const saved = await createMcds(platform).update(resolveMcdInput(body, params.slug), expected, caller);
    return { body: saved, headers: { etag: etagOf(saved.version) } };
  },
  async deleteMcd({ platform, params }) {
    await createMcds(platform).delete(params.slug);
    return {};
  },
  async listMcdVersions({ platform, params }) {
    return { body: { versions: await createMcds(platform).listVersions(params.slug) } };
  },
  async getMcdVersion({ platform, params }) {
    const mcd = await createMcds(platform).getVersion(params.slug, params.version);
    return { body: mcd, headers: { etag: etagOf(mcd.version) } };
  },
  async diffMcd({ platform, params, query }) {
    const diff = await diffMcdVersions(createMcds(platform), params.slug, query.from, query.to);
    return { body: { slug: params.slug, from: query.from, to: query.to, format: "unified", diff } };
  },
  async renderMcd({ platform, params, query }) {
    const mcds = createMcds(platform);
    const mcd =
      query.version === undefined
        ? await mcds.get(params.slug)
        : await mcds.getVersion(params.slug, query.version);
    return {
      body: htmlPage(mcd.title, renderMcdHtml(mcd.body)),
      headers: { ...HTML_HEADERS, etag: etagOf(mcd.version) },
    };
  },
  async mcdReferences({ platform, params }) {
    if (!(await createMcds(platform).exists(params.slug))) {
      throw new NotFoundError(`No MCD with slug ${params.slug}.`);
    }
    return { body: await createReferences(platform).find({ type: "mcd", id: params.slug }) };
  },
});
