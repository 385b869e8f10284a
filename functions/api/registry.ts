import { registryRoutes } from "../../shared/api/registry.routes.js";
import { NotFoundError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { findReferences } from "../../shared/mcds/references.js";
import {
  changeVersionStatus,
  importServers,
  probeVersion,
  publishVersion,
} from "../../shared/registry/publishing.js";
import { exportServerJson, Registry } from "../../shared/registry/service.js";
import { getProbe } from "../../shared/registry/tools.js";
import { installBuiltInSearchSources, rankServers } from "../../shared/search/service.js";

installBuiltInSearchSources();

const serverPath = (name: string) => `/v1/servers/${encodeURIComponent(name)}`;

export const handler = createApiHandler(registryRoutes, {
  async publishServer({ platform, body, caller }) {
    const record = await publishVersion(platform, body, caller);
    return {
      body: record,
      headers: { location: `${serverPath(body.name)}/versions/${encodeURIComponent(body.version)}` },
    };
  },
  async listServers({ platform, query }) {
    const registry = new Registry(platform.table);
    if (!query.search?.trim()) return { body: await registry.list(query) };
    // Matching and ranking come from the search engine (prefix, typo tolerance, field weights).
    const ranked = await rankServers(platform, query.search);
    return {
      body: await registry.list(
        query,
        (record) => ranked.has(record.server.name),
        (record) => ranked.get(record.server.name) ?? 0,
      ),
    };
  },
  async listServerReferences({ platform, params }) {
    await new Registry(platform.table).getLatest(params.name, true);
    return { body: await findReferences(platform, { type: "server", id: params.name }) };
  },
  async getServer({ platform, params, query }) {
    return {
      body: await new Registry(platform.table).getLatest(params.name, query.include_deleted === "true"),
    };
  },
  async listServerVersions({ platform, params, query }) {
    const versions = await new Registry(platform.table).listVersions(
      params.name,
      query.include_deleted === "true",
    );
    return { body: { versions } };
  },
  async getServerVersion({ platform, params }) {
    return { body: await new Registry(platform.table).getVersion(params.name, params.version) };
  },
  async patchServerVersion({ platform, params, body, caller }) {
    return { body: await changeVersionStatus(platform, params.name, params.version, body, caller) };
  },
  async exportServerVersion({ platform, params }) {
    const record = await new Registry(platform.table).getVersion(params.name, params.version);
    return { body: exportServerJson(record.server) };
  },
  async putServerSecret({ platform, params, body }) {
    await new Registry(platform.table).getLatest(params.name, true);
    return { body: await platform.secrets.put(params.name, params.key, body.value) };
  },
  async listServerSecrets({ platform, params }) {
    await new Registry(platform.table).getLatest(params.name, true);
    return { body: { secrets: await platform.secrets.list(params.name) } };
  },
  async deleteServerSecret({ platform, params }) {
    if (!(await platform.secrets.delete(params.name, params.key))) {
      throw new NotFoundError(`No secret ${params.key} for ${params.name}.`);
    }
    return {};
  },
  async probeServerVersion({ platform, params }) {
    return { body: await probeVersion(platform, params.name, params.version) };
  },
  async listServerTools({ platform, params }) {
    await new Registry(platform.table).getVersion(params.name, params.version);
    const probe = await getProbe(platform.table, params.name, params.version);
    if (!probe)
      throw new NotFoundError(`${params.name}@${params.version} has not been probed; POST .../probe first.`);
    return { body: { tools: probe.tools, probedAt: probe.probedAt } };
  },
  async importServers({ platform, body, caller }) {
    const results = await importServers(platform, body, caller);
    const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
    return {
      body: { results, created: count("created"), exists: count("exists"), invalid: count("invalid") },
    };
  },
});
