import { officialRegistryRoutes } from "../../shared/api/official-registry.routes.js";
import { registryRoutes } from "../../shared/api/registry.routes.js";
import { createReferences, createRegistry, createSearch } from "../../shared/compose.js";
import { createApiHandler } from "../../shared/http/handler.js";
import type { Platform } from "../../shared/platform.js";
import { OfficialRegistry } from "../../shared/registry/official-api.js";
import {
  changeVersionStatus,
  importServers,
  probeVersion,
  publishVersion,
  type RegistryContext,
} from "../../shared/registry/publishing.js";
import {
  approveVersion,
  deleteSecret,
  grantExistingSecret,
  listSecrets,
  putSecret,
  revokeGrant,
  revokeVersionApproval,
} from "../../shared/registry/run-decisions.js";
import { getRuntimePolicy, putRuntimePolicy } from "../../shared/registry/runtime-policy.js";
import { exportServerJson } from "../../shared/registry/server-json.js";
import { RegistryReads } from "../../shared/registry/server-reads.js";
import { callTool } from "../../shared/runs/tool-call.js";

const registryContext = (platform: Platform): RegistryContext => ({
  platform,
  registry: createRegistry(platform),
});
const officialRegistry = (platform: Platform) => new OfficialRegistry(platform.table);
const serverPath = (name: string) => `/v1/servers/${encodeURIComponent(name)}`;

export const handler = createApiHandler(
  { ...registryRoutes, ...officialRegistryRoutes },
  {
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
      const record = await approveVersion(platform, params.name, params.version, body.runtimeDigest, caller);
      return { body: record, audit: { approved: body.runtimeDigest } };
    },
    async revokeServerVersionApproval({ platform, params }) {
      const { record, revoked } = await revokeVersionApproval(platform, params.name, params.version);
      return { body: record, audit: { revoked } };
    },
    async getRuntimePolicy({ platform }) {
      return { body: await getRuntimePolicy(platform.table) };
    },
    async putRuntimePolicy({ platform, body, caller }) {
      const policy = await putRuntimePolicy(platform.table, body, caller);
      return { body: policy, audit: { revision: String(policy.revision) } };
    },
    async listServers({ platform, query }) {
      return { body: await new RegistryReads(platform.table).list(query, createSearch(platform)) };
    },
    async listServerReferences({ platform, params }) {
      await createRegistry(platform).getLatest(params.name, true);
      return { body: await createReferences(platform).find({ type: "server", id: params.name }) };
    },
    async getServer({ platform, params, query }) {
      return {
        body: await new RegistryReads(platform.table).describeLatest(
          params.name,
          query.include_deleted === "true",
        ),
      };
    },
    async listServerVersions({ platform, params, query }) {
      const versions = await createRegistry(platform).listVersions(
        params.name,
        query.include_deleted === "true",
      );
      return { body: { versions } };
    },
    async getServerVersion({ platform, params }) {
      return { body: await new RegistryReads(platform.table).describeVersion(params.name, params.version) };
    },
    async listOfficialServers({ platform, query }) {
      return { body: await officialRegistry(platform).list(query) };
    },
    async listOfficialServerVersions({ platform, params }) {
      return { body: await officialRegistry(platform).versions(params.serverName) };
    },
    async getOfficialServerVersion({ platform, params }) {
      return { body: await officialRegistry(platform).version(params.serverName, params.version) };
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
      const stored = await putSecret(platform, { ...params, ...body, caller });
      return { body: stored, ...(body.versions !== undefined ? { audit: { granted: body.versions } } : {}) };
    },
    async grantServerSecret({ platform, params, body, caller }) {
      const grant = await grantExistingSecret(platform, { ...params, versions: body.versions, caller });
      return { body: grant, audit: { granted: body.versions } };
    },
    async revokeServerSecretGrant({ platform, params }) {
      await revokeGrant(platform, params.name, params.key);
      return {};
    },
    async listServerSecrets({ platform, params }) {
      return { body: { secrets: await listSecrets(platform, params.name) } };
    },
    async deleteServerSecret({ platform, params }) {
      await deleteSecret(platform, params.name, params.key);
      return {};
    },
    async probeServerVersion({ platform, params }) {
      return { body: await probeVersion(registryContext(platform), params.name, params.version) };
    },
    async listServerTools({ platform, params }) {
      const probe = await createRegistry(platform).probed(params.name, params.version);
      return { body: { tools: probe.tools, probedAt: probe.probedAt } };
    },
    async callServerTool({ platform, params, body, caller }) {
      const run = await callTool(platform, {
        server: params.name,
        version: params.version,
        tool: params.tool,
        arguments: body.arguments,
        confirm: body.confirm,
        caller,
      });
      return { body: run };
    },
    async importServers({ platform, body, caller }) {
      const results = await importServers(registryContext(platform), body, caller);
      const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
      return {
        body: { results, created: count("created"), exists: count("exists"), invalid: count("invalid") },
      };
    },
  },
);
