// Matches a request path against route templates. API Gateway may hand us `%2F` still encoded or already
// decoded into two segments, so a `{name*}` parameter (an MCP server name, `namespace/name`) accepts both.
import type { HttpMethod, RouteSpec } from "./route.js";

export interface RouteMatch<S> {
  spec: S;
  params: Record<string, string>;
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchTemplate(template: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const part of template) {
    const segment = actual[i];
    if (segment === undefined) return undefined;
    const decoded = safeDecode(segment);
    if (decoded === undefined) return undefined;
    if (part.startsWith("{") && part.endsWith("*}")) {
      if (decoded.includes("/")) {
        params[part.slice(1, -2)] = decoded;
        i += 1;
      } else {
        const next = actual[i + 1];
        const nextDecoded = next === undefined ? undefined : safeDecode(next);
        if (nextDecoded === undefined) return undefined;
        params[part.slice(1, -2)] = `${decoded}/${nextDecoded}`;
        i += 2;
      }
    } else if (part.startsWith("{") && part.endsWith("}")) {
      params[part.slice(1, -1)] = decoded;
      i += 1;
    } else {
      if (decoded !== part) return undefined;
      i += 1;
    }
  }
  return i === actual.length ? params : undefined;
}

export type RouteLookup<S> =
  | { kind: "found"; match: RouteMatch<S> }
  | { kind: "method-not-allowed"; allowed: HttpMethod[] }
  | { kind: "malformed-path" }
  | { kind: "not-found" };

export function createRouter<S extends Pick<RouteSpec, "method" | "path">>(specs: S[]) {
  // Literal segments beat parameters: `/servers/import` must not be taken for a server called `import`.
  const compiled = specs
    .map((spec) => ({ spec, template: splitPath(spec.path) }))
    .sort((a, b) => specificity(b.template) - specificity(a.template));

  return function lookup(method: string, path: string): RouteLookup<S> {
    const actual = splitPath(path);
    // A broken escape (`%ZZ`, a truncated UTF-8 sequence) is the caller's mistake, not a route that is missing.
    if (actual.some((segment) => safeDecode(segment) === undefined)) return { kind: "malformed-path" };
    const allowed: HttpMethod[] = [];
    for (const { spec, template } of compiled) {
      const params = matchTemplate(template, actual);
      if (!params) continue;
      if (spec.method === method) return { kind: "found", match: { spec, params } };
      if (!allowed.includes(spec.method)) allowed.push(spec.method);
    }
    return allowed.length > 0 ? { kind: "method-not-allowed", allowed } : { kind: "not-found" };
  };
}

function specificity(template: string[]): number {
  return template.reduce((score, part) => score + (part.startsWith("{") ? 1 : 3), 0) * 10 + template.length;
}
