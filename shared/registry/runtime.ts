// Derives how mcpflow runs a server when its document gives no `runtime`: from the first package mcpflow
// knows how to start (npm via npx, PyPI via uvx, OCI images), else from the first Streamable HTTP remote.
import type { EnvValue, Runtime, ServerDocument } from "./schema.js";

export type Package = NonNullable<ServerDocument["packages"]>[number];
type KeyValue = NonNullable<Package["environmentVariables"]>[number];

function envFrom(variables: KeyValue[] | undefined): Record<string, EnvValue> | undefined {
  if (!variables?.length) return undefined;
  const env: Record<string, EnvValue> = {};
  for (const variable of variables) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable.name)) continue;
    if (variable.isSecret) env[variable.name] = { secret: variable.name };
    else if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.default !== undefined) env[variable.name] = variable.default;
  }
  return Object.keys(env).length > 0 ? env : undefined;
}

function packageArgs(pkg: Package): string[] {
  const args: string[] = [];
  for (const argument of pkg.packageArguments ?? []) {
    const value = argument.value ?? argument.default;
    if (argument.type === "named") {
      args.push(argument.name);
      if (value !== undefined) args.push(value);
    } else if (value !== undefined) {
      args.push(value);
    }
  }
  return args;
}

function fromPackage(pkg: Package): Runtime | undefined {
  const env = envFrom(pkg.environmentVariables);
  const withEnv = (runtime: Runtime): Runtime => (env ? { ...runtime, env } : runtime);
  const pinned = (separator: string) =>
    pkg.version ? `${pkg.identifier}${separator}${pkg.version}` : pkg.identifier;
  if (pkg.registryType === "npm" && (pkg.runtimeHint === undefined || pkg.runtimeHint === "npx")) {
    return withEnv({ transport: "stdio", command: "npx", args: ["-y", pinned("@"), ...packageArgs(pkg)] });
  }
  if (pkg.registryType === "pypi" && (pkg.runtimeHint === undefined || pkg.runtimeHint === "uvx")) {
    return withEnv({ transport: "stdio", command: "uvx", args: [pinned("=="), ...packageArgs(pkg)] });
  }
  if (pkg.registryType === "oci") {
    const hasTag = /[:@][^/]+$/.test(pkg.identifier);
    const image = hasTag || !pkg.version ? pkg.identifier : `${pkg.identifier}:${pkg.version}`;
    if (pkg.transport.type === "streamable-http") {
      const port = Number(/:(\d+)(\/|$)/.exec(pkg.transport.url)?.[1] ?? 8080);
      return withEnv({ transport: "streamable-http", image, port, url: `http://localhost:${port}/mcp` });
    }
    return withEnv({ transport: "stdio", image, args: packageArgs(pkg) });
  }
  return undefined;
}

export function deriveRuntime(doc: ServerDocument): {
  runtime?: Runtime;
  source: "declared" | "derived" | "none";
} {
  if (doc.runtime) return { runtime: doc.runtime, source: "declared" };
  for (const pkg of doc.packages ?? []) {
    const runtime = fromPackage(pkg);
    if (runtime) return { runtime, source: "derived" };
  }
  const remote = doc.remotes?.find((r) => r.type === "streamable-http");
  if (remote) {
    const headers: Record<string, EnvValue> = {};
    for (const header of remote.headers ?? []) {
      if (header.isSecret) headers[header.name] = { secret: header.name.replace(/[^A-Za-z0-9_.-]/g, "_") };
      else if (header.value !== undefined) headers[header.name] = header.value;
    }
    // Template variables take their defaults; one without a default leaves the URL unusable, so no runtime.
    let unresolved = false;
    const url = remote.url.replace(/\{([A-Za-z0-9_.-]+)\}/g, (_match, name: string) => {
      const value = remote.variables?.[name]?.value ?? remote.variables?.[name]?.default;
      if (value === undefined) unresolved = true;
      return value ?? "";
    });
    if (unresolved) return { source: "none" };
    const runtime: Runtime = { transport: "streamable-http", url };
    if (Object.keys(headers).length > 0) runtime.headers = headers;
    return { runtime, source: "derived" };
  }
  return { source: "none" };
}

/** The package a derived runtime starts (undefined for a declared runtime or a remote): part of what is approved. */
export function derivedPackage(doc: ServerDocument): Package | undefined {
  if (doc.runtime) return undefined;
  return doc.packages?.find((pkg) => fromPackage(pkg) !== undefined);
}
