// The embedded platform's public surface: health without auth, the OpenAPI 3.1 document covering every route in
// ALL_ROUTES, and a restart that keeps every record, API key and audit entry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROUTES } from "../../shared/api/all-routes.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

describe("GET /v1/health", () => {
  it("answers without credentials", async () => {
    const response = await p.api("GET", "/v1/health", { auth: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok", mode: "local", version: expect.any(String) });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("GET /v1/openapi.json", () => {
  let doc: {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<
      string,
      Record<string, { operationId: string; responses: Record<string, unknown>; security?: unknown[] }>
    >;
    components: { securitySchemes: Record<string, unknown> };
  };

  beforeAll(async () => {
    const response = await p.api("GET", "/v1/openapi.json", { auth: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    doc = response.body;
  });

  it("has the OpenAPI 3.1 shape", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["accessToken", "apiKey", "bearer"]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      expect(path.startsWith("/v1/") || path.startsWith("/v0.1/servers")).toBe(true);
      for (const [method, operation] of Object.entries(operations)) {
        expect(["get", "post", "put", "patch", "delete"]).toContain(method);
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = ((operation as { parameters?: { in: string; name: string }[] }).parameters ?? [])
          .filter((param) => param.in === "path")
          .map((param) => param.name);
        expect(declared.sort(), `${method} ${path}`).toEqual(templated.sort());
      }
    }
  });

  it("documents every route in ALL_ROUTES (path and method), with unique operation ids", () => {
    const ids: string[] = [];
    for (const table of ALL_ROUTES) {
      for (const [id, spec] of Object.entries(table)) {
        const path = spec.path.replace(/\{(\w+)\*\}/g, "{$1}");
        const operation = doc.paths[path]?.[spec.method.toLowerCase()];
        expect(operation, `${spec.method} ${spec.path}`).toBeDefined();
        expect(operation?.operationId).toBe(id);
        expect(operation?.responses[String(spec.success)], `${id} ${spec.success}`).toBeDefined();
        if (spec.role === "public") expect(operation?.security).toEqual([]);
        ids.push(id);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("restart", () => {
  it("keeps every record, API key and audit entry", async () => {
    const server = {
      name: "io.github.persist/one",
      version: "1.0.0",
      description: "persisted",
      tags: ["persist"],
    };
    expect((await p.api("POST", "/v1/servers", { body: server })).status).toBe(201);
    expect((await p.api("POST", "/v1/servers", { body: { ...server, version: "1.1.0" } })).status).toBe(201);
    expect(
      (
        await p.api("PATCH", "/v1/servers/io.github.persist%2Fone/versions/1.1.0", {
          body: { status: "deprecated" },
        })
      ).status,
    ).toBe(200);
    const key = await p.api("POST", "/v1/api-keys", { body: { name: "persisted", role: "editor" } });
    expect(key.status).toBe(201);

    const snapshot = async () => ({
      servers: (await p.api("GET", "/v1/servers?limit=100&include_deleted=true")).body,
      versions: (await p.api("GET", "/v1/servers/io.github.persist%2Fone/versions?include_deleted=true"))
        .body,
      keys: (await p.api("GET", "/v1/api-keys?limit=100")).body,
      audit: (await p.api("GET", "/v1/audit?limit=100")).body,
    });
    const before = await snapshot();
    expect(before.audit.items.length).toBeGreaterThanOrEqual(4);

    await p.restart();

    const after = await snapshot();
    expect(after.servers).toEqual(before.servers);
    expect(after.versions).toEqual(before.versions);
    expect(after.keys).toEqual(before.keys);
    expect(after.audit).toEqual(before.audit);
    const me = await p.api("GET", "/v1/me", { auth: key.body.key });
    expect(me.body).toMatchObject({ role: "editor", kind: "api-key" });
    // The signing key survives too: a token minted before the restart still verifies.
    expect((await p.api("GET", "/v1/me", { role: "viewer" })).status).toBe(200);
  });
});
