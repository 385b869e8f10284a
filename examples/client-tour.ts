// A small program on the generated client (shared/api/client): publish a server, read it back, keep an MCD with
// If-Match/ETag (and meet a 412), validate a workflow. Every path, body and answer is typed from the OpenAPI
// document, so a change to the API that breaks a caller breaks `npm run typecheck` here first.
// Run it against a running platform: `npx tsx examples/client-tour.ts` (MCPFLOW_URL, MCPFLOW_TOKEN or the
// local dev token). tests/integration/openapi-client.test.ts runs it against the embedded platform.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiClient, type components, createApiClient } from "../shared/api/client/index.js";

type Problem = components["schemas"]["Problem"];

export interface TourResult {
  health: "ok" | "degraded";
  role: string;
  published: string;
  listed: number;
  exported: Record<string, unknown>;
  mcdVersions: number[];
  etag: string | null;
  stale: Problem;
  workflowSteps: string[];
}

/** Fails with the problem the API answered, so a broken step says why. */
function expectOk<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${step}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

export async function clientTour(client: ApiClient, suffix: string): Promise<TourResult> {
  const health = expectOk("health", await client.GET("/v1/health"));
  const me = expectOk("me", await client.GET("/v1/me"));

  const name = `io.github.tour/weather-${suffix}`;
  const record = expectOk(
    "publish",
    await client.POST("/v1/servers", {
      body: {
        name,
        version: "1.0.0",
        description: "Forecasts, for the client tour",
        remotes: [{ type: "streamable-http", url: "https://weather.example.com/mcp" }],
        tags: ["tour"],
      },
    }),
  );
  const listed = expectOk("list", await client.GET("/v1/servers", { params: { query: { tag: "tour" } } }));
  const exported = expectOk(
    "export",
    await client.GET("/v1/servers/{name}/versions/{version}/server.json", {
      params: { path: { name, version: "1.0.0" } },
    }),
  );

  const slug = `tour-${suffix}`;
  const created = expectOk(
    "create MCD",
    await client.POST("/v1/mcds", { body: { slug, title: "Tour", body: "# Tour\n\nFirst version." } }),
  );
  const saved = await client.PUT("/v1/mcds/{slug}", {
    params: { path: { slug }, header: { "If-Match": String(created.version) } },
    body: { title: "Tour", body: "# Tour\n\nSecond version." },
  });
  const second = expectOk("update MCD", saved);
  // An edit based on version 1 after version 2 was saved: 412, and the problem says which version is current.
  const stale = await client.PUT("/v1/mcds/{slug}", {
    params: { path: { slug }, header: { "If-Match": String(created.version) } },
    body: { title: "Tour", body: "# Tour\n\nA lost update." },
  });
  if (stale.response.status !== 412 || !stale.error)
    throw new Error(`stale edit: HTTP ${stale.response.status}`);

  const validated = expectOk(
    "validate workflow",
    await client.POST("/v1/workflows/validate", {
      body: {
        name: `tour-${suffix}`,
        steps: [
          { id: "forecast", server: `${name}@1.0.0`, tool: "forecast", arguments: { city: "Lyon" } },
          {
            id: "alert",
            server: { name, version: "1.0.0" },
            tool: "alert",
            depends_on: ["forecast"],
            when: { path: "{{ steps.forecast.output.json.storm }}", equals: true },
          },
        ],
      },
    }),
  );

  return {
    health: health.status,
    role: me.role,
    published: `${record.server.name}@${record.server.version}`,
    listed: listed.servers.length,
    exported,
    mcdVersions: [created.version, second.version],
    etag: saved.response.headers.get("etag"),
    stale: stale.error,
    workflowSteps: validated.definition.steps.map((step) => `${step.id}:${step.server.name}`),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
  const home = resolve(process.env.MCPFLOW_HOME ?? join(root, ".mcpflow"));
  const token = process.env.MCPFLOW_TOKEN ?? (await readFile(join(home, "dev-token"), "utf8")).trim();
  const baseUrl = process.env.MCPFLOW_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const result = await clientTour(createApiClient({ baseUrl, token }), Date.now().toString(36));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
