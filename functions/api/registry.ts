import { registryRoutes } from "../../shared/api/registry.routes.js";
import { createReferences, createRegistry, createSearch } from "../../shared/compose.js";
import { NotFoundError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import type { Platform } from "../../shared/platform.js";
import {
  approveRuntime,
  revokeApproval,
  runPermission,
  withRunPermission,
} from "../../shared/registry/approval.js";
import {
  changeVersionStatus,
  importServers,
  probeVersion,
  publishVersion,
  type RegistryContext,
} from "../../shared/registry/publishing.js";
import { getRuntimePolicy, putRuntimePolicy } from "../../shared/registry/runtime-policy.js";
import { grantSecret, listSecretGrants, revokeSecretGrant } from "../../shared/registry/secret-grants.js";
import { exportServerJson } from "../../shared/registry/service.js";
import { getProbe } from "../../shared/registry/tools.js";

const registryContext = (platform: Platform): RegistryContext => ({
  platform,
  registry: createRegistry(platform),
});
const serverPath = (name: string) => `/v1/servers/${encodeURIComponent(name)}`;

export const handler = createApiHandler(registryRoutes, {
  async publishServer({ platform, body, caller, query }) {
    const approve = query.approve === "true";
    const record = await publishVersion(registryContext(platform), body, caller, { approve });
    const digest = record.execution?.approval?.runtimeDigest;
    return {
      body: record,
      headers: { location: `${serverPath(body.name)}/versions/${encodeURIComponent(body.version)}` },
      ...(approve && digest ? { audit: { approved: digest } } : {}),
    };
  },
  async approveServerVersion({ platform, params, body, caller }) {
    const record = await createRegistry(platform).getVersion(params.name, params.version);
    await approveRuntime(platform.table, record, body.runtimeDigest, caller);
    return { body: await withRunPermission(platform.table, record), audit: { approved: body.runtimeDigest } };
  },
  async revokeServerVersionApproval({ platform, params }) {
    const record = await createRegistry(platform).getVersion(params.name, params.version);
    const before = await runPermission(platform.table, record);
    await revokeApproval(platform.table, params.name, params.version);
    return {
      body: await withRunPermission(platform.table, record),
      audit: { revoked: before.approval?.runtimeDigest ?? "" },
    };
  },
  async getRuntimePolicy({ platform }) {
    return { body: await getRuntimePolicy(platform.table) };
  },
  async putRuntimePolicy({ platform, body, caller }) {
    const policy = await putRuntimePolicy(platform.table, body, caller);
    return { body: policy, audit: { revision: String(policy.revision) } };
  },
  async listServers({ platform, query }) {
    const registry = createRegistry(platform);
    if (!query.search?.trim()) return { body: await registry.list(query) };
    // Matching and ranking come from the search engine (prefix, typo tolerance, field weights).
    const ranked = await createSearch(platform).rankServers(query.search);
    return {
      body: await registry.list(
        query,
        (record) => ranked.has(record.server.name),
        (record) => ranked.get(record.server.name) ?? 0,
      ),
    };
  },
  async listServerReferences({ platform, params }) {
    await createRegistry(platform).getLatest(params.name, true);
    return { body: await createReferences(platform).find({ type: "server", id: params.name }) };
  },
  async getServer({ platform, params, query }) {
    const record = await createRegistry(platform).getLatest(params.name, query.include_deleted === "true");
    return { body: await withRunPermission(platform.table, record) };
  },
  async listServerVersions({ platform, params, query }) {
    const versions = await createRegistry(platform).listVersions(
      params.name,
      query.include_deleted === "true",
    );
    return { body: { versions } };
  },
  async getServerVersion({ platform, params }) {
    const record = await createRegistry(platform).getVersion(params.name, params.version);
    return { body: await withRunPermission(platform.table, record) };
  },
  async patchServerVersion({ platform, params, body, caller }) {
    return {
      body: await changeVersionStatus(registryContext(platform), params.name, params.version, body, caller),
    };
  },
  async exportServerVersion({ platform, params }) {
    const record = await createRegistry(platform).getVersion(params.name, params.version);
    return { body: exportServerJson(record.server) };
  },
  async putServerSecret({ platform, params, body, caller }) {
    await createRegistry(platform).getLatest(params.name, true);
    const stored = await platform.secrets.put(params.name, params.key, body.value);
    // Without `versions` the secret's grant stays as it was: a new secret reaches no version until granted.
    if (body.versions !== undefined) {
      await grantSecret(platform.table, params.name, params.key, body.versions, caller);
    }
    const grant = (await listSecretGrants(platform.table, params.name)).find((g) => g.key === params.key);
    return {
      body: { ...stored, ...(grant ? { versions: grant.versions } : {}) },
      ...(body.versions !== undefined ? { audit: { granted: body.versions } } : {}),
    };
  },
  async grantServerSecret({ platform, params, body, caller }) {
    if (!(await platform.secrets.list(params.name)).some((secret) => secret.key === params.key)) {
      throw new NotFoundError(`No secret ${params.key} for ${params.name}; PUT its value first.`);
    }
    const grant = await grantSecret(platform.table, params.name, params.key, body.versions, caller);
    return { body: grant, audit: { granted: body.versions } };
  },
  async revokeServerSecretGrant({ platform, params }) {
    if (!(await revokeSecretGrant(platform.table, params.name, params.key))) {
      throw new NotFoundError(`Secret ${params.key} of ${params.name} is granted to no version.`);
    }
    return {};
  },
  async listServerSecrets({ platform, params }) {
    await createRegistry(platform).getLatest(params.name, true);
    const grants = new Map(
      (await listSecretGrants(platform.table, params.name)).map((grant) => [grant.key, grant.versions]),
    );
    const secrets = (await platform.secrets.list(params.name)).map((secret) => {
      const versions = grants.get(secret.key);
      return { ...secret, ...(versions !== undefined ? { versions } : {}) };
    });
    return { body: { secrets } };
  },
  async deleteServerSecret({ platform, params }) {
    if (!(await platform.secrets.delete(params.name, params.key))) {
      throw new NotFoundError(`No secret ${params.key} for ${params.name}.`);
    }
    // A secret set again later starts ungranted, not with a grant an admin made for the old value.
    await revokeSecretGrant(platform.table, params.name, params.key);
    return {};
  },
  async probeServerVersion({ platform, params }) {
    return { body: await probeVersion(registryContext(platform), params.name, params.version) };
  },
  async listServerTools({ platform, params }) {
    await createRegistry(platform).getVersion(params.name, params.version);
    const probe = await getProbe(platform.table, params.name, params.version);
    if (!probe)
      throw new NotFoundError(`${params.name}@${params.version} has not been probed; POST .../probe first.`);
    return { body: { tools: probe.tools, probedAt: probe.probedAt } };
  },
  async importServers({ platform, body, caller }) {
    const results = await importServers(registryContext(platform), body, caller);
    const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
    return {
      body: { results, created: count("created"), exists: count("exists"), invalid: count("invalid") },
    };
  },
});
