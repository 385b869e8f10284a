// Turns a runtime's `{secret}` references into values, in memory, just before a server process or HTTP session
// starts. The result never leaves the process that starts the server.
import type { SecretStore } from "../secrets/port.js";
import type { EnvValue, Runtime } from "./schema.js";

export function secretKeysOf(runtime: Runtime): string[] {
  const keys = new Set<string>();
  for (const value of [...Object.values(runtime.env ?? {}), ...Object.values(runtime.headers ?? {})]) {
    if (typeof value !== "string") keys.add(value.secret);
  }
  return [...keys].sort();
}

export async function materializeRuntime(
  runtime: Runtime,
  server: string,
  secrets: SecretStore,
): Promise<{ runtime: Runtime; secretValues: string[] }> {
  const keys = secretKeysOf(runtime);
  if (keys.length === 0) return { runtime, secretValues: [] };
  const values = await secrets.resolve(server, keys);
  const resolve = (record: Record<string, EnvValue> | undefined) =>
    record
      ? Object.fromEntries(
          Object.entries(record).map(([k, v]) => [k, typeof v === "string" ? v : values[v.secret]!]),
        )
      : undefined;
  const env = resolve(runtime.env);
  const headers = resolve(runtime.headers);
  return {
    runtime: { ...runtime, ...(env ? { env } : {}), ...(headers ? { headers } : {}) },
    secretValues: Object.values(values),
  };
}
