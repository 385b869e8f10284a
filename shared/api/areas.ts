// Which API area (Lambda function) serves which path prefix. The CDK API stack and the embedded platform's HTTP
// adapter both read this table, so a route cannot be reachable locally and missing on AWS.
export const API_AREAS = {
  registry: ["/v1/servers", "/v1/runtime-policy", "/v0.1/servers"],
  "registry-sync": ["/v1/registry-sources"],
  identity: ["/v1/me", "/v1/api-keys", "/v1/audit", "/v1/sign-in"],
  meta: ["/v1/health", "/v1/openapi.json"],
  mcds: ["/v1/mcds"],
  search: ["/v1/search", "/v1/dependencies"],
  workflows: ["/v1/workflows"],
  runs: ["/v1/runs"],
} as const satisfies Record<string, readonly string[]>;

export type ApiArea = keyof typeof API_AREAS;

export function areaForPath(path: string): ApiArea | undefined {
  for (const [area, prefixes] of Object.entries(API_AREAS) as [ApiArea, readonly string[]][]) {
    if (prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return area;
  }
  return undefined;
}
