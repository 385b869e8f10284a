// A typed client of the mcpflow API (openapi-fetch over the generated schema.ts): paths, parameters, bodies,
// answers and problems are checked by the compiler. The web console, the CLI and scripts share it.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

export interface ApiClientOptions {
  /** The API's base URL without `/v1`, e.g. `http://127.0.0.1:3000` or the stage URL. */
  baseUrl: string;
  /** A Cognito or local token (sent as `Authorization: Bearer`). */
  token?: string;
  /** An API key (sent as `x-api-key`). */
  apiKey?: string;
  fetch?: typeof globalThis.fetch;
}

export function createApiClient(options: ApiClientOptions) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers["x-api-key"] = options.apiKey;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
