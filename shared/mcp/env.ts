// What a server process may see: a small safe slice of our own environment plus its declared env, and nothing
// else, so platform credentials (AWS_*, task tokens, API keys) never reach a third-party server.
import type { EnvValue, Runtime } from "../registry/schema.js";
import { McpStartError } from "./errors.js";

/** Inherited from the parent so that ordinary programs run (find binaries, write temp files, pick a locale). */
export const SAFE_BASE_ENV_KEYS = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "TMP",
  "TEMP",
  // Windows needs these to start almost anything.
  "SYSTEMROOT",
  "SYSTEMDRIVE",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "APPDATA",
  "LOCALAPPDATA",
  "USERPROFILE",
  "PROGRAMFILES",
] as const;

export interface ResolveInput {
  /** Values by environment variable name, secrets already resolved; they override the runtime's literals. */
  env?: Record<string, string>;
  /** Secret values by secret name, for `{secret}` references in `runtime.env` and `runtime.headers`. */
  secrets?: Record<string, string>;
}

export function safeBaseEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of SAFE_BASE_ENV_KEYS) {
    const value = parent[key];
    // A value starting with "()" is an exported shell function (the Shellshock vector); never pass one on.
    if (value !== undefined && !value.startsWith("()")) base[key] = value;
  }
  return base;
}

function resolveValue(
  where: string,
  key: string,
  value: EnvValue,
  input: ResolveInput,
  server: string,
): string | undefined {
  if (typeof value === "string") return value;
  const resolved = input.secrets?.[value.secret] ?? input.env?.[key];
  if (resolved === undefined) {
    throw new McpStartError(
      server,
      `${where} ${key} refers to secret "${value.secret}", which was not provided`,
    );
  }
  return resolved;
}

/** The environment a stdio server is started with: safe base, then runtime literals and secrets, then `input.env`. */
export function buildServerEnv(
  runtime: Runtime,
  input: ResolveInput,
  server: string,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env = safeBaseEnv(parent);
  for (const [key, value] of Object.entries(runtime.env ?? {})) {
    const resolved = resolveValue("env", key, value, input, server);
    if (resolved !== undefined) env[key] = resolved;
  }
  return { ...env, ...input.env };
}

export function buildHeaders(runtime: Runtime, input: ResolveInput, server: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(runtime.headers ?? {})) {
    const resolved = resolveValue("header", key, value, { secrets: input.secrets }, server);
    if (resolved !== undefined) headers[key] = resolved;
  }
  return headers;
}

/** Values that must never appear in an error, a log or a Step Functions payload. Short values would mangle text. */
export function secretValues(runtime: Runtime, input: ResolveInput, extra: readonly string[] = []): string[] {
  const values = new Set<string>(extra);
  for (const v of Object.values(input.secrets ?? {})) values.add(v);
  for (const [key, value] of Object.entries(runtime.env ?? {})) {
    if (typeof value !== "string" && input.env?.[key] !== undefined) values.add(input.env[key]);
  }
  for (const v of Object.values(input.env ?? {})) values.add(v);
  return [...values].filter((v) => v.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
}

const MIN_REDACTED_LENGTH = 4;

export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) out = out.split(value).join("***");
  return out;
}
