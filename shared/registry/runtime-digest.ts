// What an approval is bound to: the SHA-256 of a canonical JSON of everything that decides which code runs for a
// version (the derived runtime, and the package identity it starts). Same content, same digest, on any machine.
import { createHash } from "node:crypto";
import { derivedPackage, deriveRuntime } from "./runtime.js";
import type { Runtime, ServerDocument } from "./schema.js";

/** The part of a version that executes: a change to any of it is new code that needs its own approval. */
export interface RuntimeSubject {
  runtime: Runtime;
  /** Set when the runtime is derived from a package: its registry, identifier, version and file hash. */
  package?: {
    registryType: string;
    identifier: string;
    version?: string;
    registryBaseUrl?: string;
    fileSha256?: string;
  };
}

export function runtimeSubject(doc: ServerDocument): RuntimeSubject | undefined {
  const { runtime } = deriveRuntime(doc);
  if (!runtime) return undefined;
  const pkg = derivedPackage(doc);
  if (!pkg) return { runtime };
  return {
    runtime,
    package: {
      registryType: pkg.registryType,
      identifier: pkg.identifier,
      ...(pkg.version !== undefined ? { version: pkg.version } : {}),
      ...(pkg.registryBaseUrl !== undefined ? { registryBaseUrl: pkg.registryBaseUrl } : {}),
      ...(pkg.fileSha256 !== undefined ? { fileSha256: pkg.fileSha256 } : {}),
    },
  };
}

/**
 * JSON with object keys in code-unit order at every level and no whitespace (RFC 8785's key order; the values here
 * are strings, integers and booleans, whose JSON.stringify form is already canonical). `undefined` members are left
 * out, as JSON.stringify leaves them out.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function runtimeDigest(subject: RuntimeSubject): string {
  return `sha256:${createHash("sha256").update(canonicalJson(subject)).digest("hex")}`;
}
