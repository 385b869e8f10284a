// The router: `{name*}` takes a server name sent as `%2F` or as two segments; literal segments beat parameters.
import { describe, expect, it } from "vitest";
import { registryRoutes } from "../../../shared/api/registry.routes.js";
import { createRouter } from "../../../shared/http/router.js";

const lookup = createRouter(
  Object.entries(registryRoutes).map(([operation, spec]) => ({ ...spec, operation })),
);

function found(method: string, path: string) {
  const result = lookup(method, path);
  if (result.kind !== "found") throw new Error(`${method} ${path}: ${result.kind}`);
  return { operation: result.match.spec.operation, params: result.match.params };
}

describe("createRouter", () => {
  it.each([
    ["/v1/servers/io.github.acme%2Fweather", "getServer"],
    ["/v1/servers/io.github.acme/weather", "getServer"],
    ["/v1/servers/io.github.acme%2fweather", "getServer"],
    ["/v1/servers/io.github.acme%2Fweather/versions", "listServerVersions"],
    ["/v1/servers/io.github.acme/weather/versions", "listServerVersions"],
  ])("matches %s to %s with the whole name", (path, operation) => {
    expect(found("GET", path)).toEqual({ operation, params: { name: "io.github.acme/weather" } });
  });

  it("matches a version route with the name in both forms", () => {
    for (const path of [
      "/v1/servers/io.github.acme%2Fweather/versions/1.2.3",
      "/v1/servers/io.github.acme/weather/versions/1.2.3",
    ]) {
      expect(found("GET", path)).toEqual({
        operation: "getServerVersion",
        params: { name: "io.github.acme/weather", version: "1.2.3" },
      });
      expect(found("GET", `${path}/server.json`).operation).toBe("exportServerVersion");
      expect(found("PATCH", path).operation).toBe("patchServerVersion");
    }
  });

  it("lets the literal /v1/servers/import beat a server called import", () => {
    expect(found("POST", "/v1/servers/import")).toEqual({ operation: "importServers", params: {} });
  });

  it("reports the allowed methods when only the method is wrong", () => {
    expect(lookup("DELETE", "/v1/servers")).toEqual({ kind: "method-not-allowed", allowed: ["POST", "GET"] });
    expect(lookup("PUT", "/v1/servers/a%2Fb/versions/1.0.0")).toEqual({
      kind: "method-not-allowed",
      allowed: ["GET", "PATCH"],
    });
  });

  it("finds nothing for unknown paths, too many segments or a trailing extra segment", () => {
    expect(lookup("GET", "/v1/nothing").kind).toBe("not-found");
    expect(lookup("GET", "/v1/servers/a/b/c").kind).toBe("not-found");
    expect(lookup("GET", "/v1/servers/a/b/versions/1.0.0/server.json/x").kind).toBe("not-found");
  });

  it("refuses a path whose percent-encoding is broken instead of matching it", () => {
    expect(lookup("GET", "/v1/servers/a%2Fb%ZZ")).toEqual({ kind: "malformed-path" });
    expect(lookup("GET", "/v1/servers/a%E0%A4%A/b")).toEqual({ kind: "malformed-path" });
    expect(lookup("POST", "/v1/servers/import%")).toEqual({ kind: "malformed-path" });
  });
});
