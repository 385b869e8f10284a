// Registry sync (docs/registry-sync.md): the sources an admin names and their syncs, on demand (/v1/registry-sources)
// and, on AWS, on the schedule's tick (an EventBridge rule's constant input). A function of its own: the upstream
// client, the sources and the sync would put the registry function over its bundle budget (decision 0003).
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { registrySourceRoutes } from "../../shared/api/registry-sources.routes.js";
import { createRegistry } from "../../shared/compose.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import type { RegistryContext } from "../../shared/registry/publishing.js";
import { isScheduledSyncEvent } from "../../shared/registry/sync-schedule-event.js";
import { publicSource, SyncSources } from "../../shared/registry/upstream-sources.js";
import { createSource, syncAllSources, syncSource } from "../../shared/registry/upstream-sync.js";

const registryContext = (platform: Platform): RegistryContext => ({
  platform,
  registry: createRegistry(platform),
});

const apiHandler = createApiHandler(registrySourceRoutes, {
  async createRegistrySource({ platform, body, caller }) {
    const source = await createSource(registryContext(platform), body, caller);
    return {
      body: source,
      headers: { location: `/v1/registry-sources/${source.id}` },
      audit: { url: source.url },
    };
  },
  async listRegistrySources({ platform }) {
    const sources = await new SyncSources(platform.table).list();
    return { body: { sources: sources.map(publicSource) } };
  },
  async getRegistrySource({ platform, params }) {
    return { body: publicSource(await new SyncSources(platform.table).get(params.id)) };
  },
  async deleteRegistrySource({ platform, params }) {
    await new SyncSources(platform.table).delete(params.id);
    return {};
  },
  async syncRegistrySource({ platform, params, caller }) {
    const report = await syncSource(registryContext(platform), params.id, caller);
    return {
      body: report,
      audit: { complete: String(report.complete), imported: String(report.counts.imported) },
    };
  },
});

/** API Gateway's requests, and the schedule's tick: one bounded sync of every source within the remaining time. */
export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  if (!isScheduledSyncEvent(event)) return apiHandler(event, context);
  const platform = await getPlatform();
  const outcomes = await syncAllSources(registryContext(platform), {
    deadline: Date.now() + context.getRemainingTimeInMillis(),
  });
  return { statusCode: 200, body: JSON.stringify({ sources: outcomes }) };
}
