// Lambda for /v1/servers: publish, list, versions, status, import and export of server.json.
import type { z } from "zod";
import { type ImportResponse, registryRoutes } from "../../shared/api/registry.routes.js";
import { ConflictError, ForbiddenError } from "../../shared/errors.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { hasRole } from "../../shared/identity/roles.js";
import { exportServerJson, importServerJson, Registry } from "../../shared/registry/service.js";

type ImportResult = z.infer<typeof ImportResponse>["results"][number];

const serverPath = (name: string) => `/v1/servers/${encodeURIComponent(name)}`;

export const handler = createApiHandler(registryRoutes, {
  async publishServer({ platform, body, caller }) {
    const record = await new Registry(platform.table).publish(body, caller);
    return {
      body: record,
      headers: { location: `${serverPath(body.name)}/versions/${encodeURIComponent(body.version)}` },
    };
  },
  async listServers({ platform, query }) {
    return { body: await new Registry(platform.table).list(query) };
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
    return { body: await new Registry(platform.table).setStatus(params.name, params.version, body) };
  },
  async exportServerVersion({ platform, params }) {
    const record = await new Registry(platform.table).getVersion(params.name, params.version);
    return { body: exportServerJson(record.server) };
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
        await registry.publish(parsed.doc, caller);
        results.push({ ...id, outcome: "created" as const });
      } catch (error) {
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
