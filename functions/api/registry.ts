// Lambda for /v1/servers: publish, list, versions, status, import and export of server.json.
import type { z } from "zod";
import { type ImportResponse, registryRoutes } from "../../shared/api/registry.routes.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
  UpstreamError,
} from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { hasRole } from "../../shared/identity/roles.js";
import { findReferences } from "../../shared/mcds/references.js";
import { isMcpFailure } from "../../shared/mcp/errors.js";
import { type ProbeResult, probeServer } from "../../shared/mcp/probe.js";
import { notifyServerChanged } from "../../shared/registry/hooks.js";
import { materializeRuntime } from "../../shared/registry/materialize.js";
import { exportServerJson, importServerJson, Registry } from "../../shared/registry/service.js";
import { getProbe, saveProbe } from "../../shared/registry/tools.js";
import { installBuiltInSearchSources, rankServers } from "../../shared/search/service.js";
import { MissingSecretError } from "../../shared/secrets/port.js";
import { fargateSize } from "../../shared/tasks/fargate-size.js";
import { runsInContainer } from "../../shared/tasks/port.js";
import { workflowsPinning } from "../../shared/workflows/keys.js";

/** A probe that has not finished by then reports why; API Gateway would cut it at 29 s anyway. */
const PROBE_TIMEOUT_MS = 20_000;

type ImportResult = z.infer<typeof ImportResponse>["results"][number];

installBuiltInSearchSources();

const serverPath = (name: string) => `/v1/servers/${encodeURIComponent(name)}`;

export const handler = createApiHandler(registryRoutes, {
  async publishServer({ platform, body, caller }) {
    // A size Fargate cannot run is refused before the version exists: versions are immutable.
    if (runsInContainer(body.runtime)) fargateSize(body.runtime);
    const record = await new Registry(platform.table).publish(body, caller);
    // Stdio servers and server images run as ECS tasks, whose definition the compiled workflows name.
    if (runsInContainer(record.runtime)) await platform.tasks.register(record);
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
    if (body.status === "deleted" && !hasRole(caller.role, "admin")) {
      throw new ForbiddenError(`Deleting a version needs the admin role; ${caller.name} has ${caller.role}.`);
    }
    if (body.status === "deleted") {
      const pinning = await workflowsPinning(platform.table, params.name, params.version);
      if (pinning.length > 0) {
        throw new ConflictError(
          `${params.name}@${params.version} is pinned by workflow(s) ${pinning.join(", ")}.`,
          {
            issues: [
              { field: "status", rule: `cannot delete a version that workflows pin: ${pinning.join(", ")}` },
            ],
            extra: { workflows: pinning },
          },
        );
      }
    }
    return { body: await new Registry(platform.table).setStatus(params.name, params.version, body) };
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
    const record = await new Registry(platform.table).getVersion(params.name, params.version);
    if (!record.runtime) {
      throw new UnprocessableError(`${params.name}@${params.version} has no runtime mcpflow can start.`, {
        issues: [
          { field: "runtime", rule: "give `runtime`, an npm/pypi/oci package or a streamable-http remote" },
        ],
      });
    }
    const { runtime } = await materializeRuntime(record.runtime, params.name, platform.secrets).catch(
      (error: unknown): never => {
        if (error instanceof MissingSecretError) {
          throw new UnprocessableError(error.message, {
            issues: error.keys.map((key: string) => ({ field: `secrets.${key}`, rule: "is not set" })),
          });
        }
        throw error;
      },
    );
    let probe: ProbeResult;
    try {
      probe = await probeServer(runtime, { timeoutMs: PROBE_TIMEOUT_MS });
    } catch (error) {
      if (isMcpFailure(error)) {
        throw new UpstreamError(error.message, {
          cause: error,
          issues: [{ field: "runtime", rule: "the server must start and answer MCP initialize" }],
        });
      }
      throw error;
    }
    await saveProbe(platform.table, params.name, params.version, probe);
    // Probed tools are searchable: tell the index, as a publish would.
    await notifyServerChanged(params.name);
    return { body: probe };
  },
  async listServerTools({ platform, params }) {
    await new Registry(platform.table).getVersion(params.name, params.version);
    const probe = await getProbe(platform.table, params.name, params.version);
    if (!probe)
      throw new NotFoundError(`${params.name}@${params.version} has not been probed; POST .../probe first.`);
    return { body: { tools: probe.tools, probedAt: probe.probedAt } };
  },
  async importServers({ platform, body, caller }) {
    const registry = new Registry(platform.table);
    const items = importItems(body);
    const results: ImportResult[] = [];
    for (const [index, item] of items.entries()) {
      const parsed = importServerJson(item);
      const named = item && typeof item === "object" ? (item as { name?: unknown; version?: unknown }) : {};
      const id = {
        index,
        ...(typeof named.name === "string" ? { name: named.name } : {}),
        ...(typeof named.version === "string" ? { version: named.version } : {}),
      };
      if (!parsed.ok) {
        results.push({ ...id, outcome: "invalid" as const, errors: parsed.issues });
        continue;
      }
      try {
        const record = await registry.publish(parsed.doc, caller);
        if (runsInContainer(record.runtime)) await platform.tasks.register(record);
        results.push({ ...id, outcome: "created" as const });
      } catch (error) {
        if (error instanceof PayloadTooLargeError) {
          results.push({ ...id, outcome: "invalid" as const, errors: error.issues });
          continue;
        }
        if (!(error instanceof ConflictError)) throw error;
        results.push({ ...id, outcome: "exists" as const });
      }
    }
    const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
    return {
      body: { results, created: count("created"), exists: count("exists"), invalid: count("invalid") },
    };
  },
});

/** One server.json, an array of them, or the official registry's list response `{servers: [{server, _meta}]}`. */
function importItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object" && Array.isArray((body as { servers?: unknown }).servers)) {
    return (body as { servers: unknown[] }).servers.map((entry) =>
      entry && typeof entry === "object" && "server" in entry ? (entry as { server: unknown }).server : entry,
    );
  }
  return [body];
}
