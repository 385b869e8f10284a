// Authentication and authorisation over HTTP: the full route x role matrix for every route in ALL_ROUTES, bearer
// tokens that must be refused, API keys (shown once, stored hashed, revoked at once), /v1/me and the audit log.
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { exportSPKI, importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROUTES } from "../../shared/api/all-routes.js";
import type { RouteSpec } from "../../shared/http/route.js";
import type { LocalSigningKey } from "../../shared/identity/local-keys.js";
import { hasRole, type Role } from "../../shared/identity/roles.js";
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from "../../shared/identity/tokens.js";
import { getPlatform } from "../../shared/platform.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const ROLES: Role[] = ["viewer", "operator", "editor", "admin"];
const FIXTURE = {
  name: "io.github.matrix/fixture",
  version: "1.0.0",
  id: "0123456789abcdef0123456789abcdef",
};

/** A concrete path for a route template; unknown parameters get a harmless fixture value. */
function concretePath(template: string): string {
  return template.replace(/\{(\w+)(\*?)\}/g, (_all, param: string, star: string) => {
    if (star) return encodeURIComponent(FIXTURE.name);
    if (param === "version") return FIXTURE.version;
    if (param === "id") return FIXTURE.id;
    if (param === "key") return "FIXTURE_KEY";
    return `fixture-${param}`;
  });
}

const ROUTES = ALL_ROUTES.flatMap((table) => Object.entries(table)).map(([operation, spec]) => ({
  operation,
  spec: spec as RouteSpec,
  path: concretePath(spec.path),
}));

let p: TestPlatform;
const keys = {} as Record<Role | "revoked" | "expired", string>;

async function createKey(role: Role, expiresAt?: string) {
  const response = await p.api("POST", "/v1/api-keys", {
    body: {
      name: `key-${role}-${randomBytes(3).toString("hex")}`,
      role,
      ...(expiresAt ? { expiresAt } : {}),
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; key: string; prefix: string; role: Role };
}

beforeAll(async () => {
  p = await startTestPlatform();
  const published = await p.api("POST", "/v1/servers", {
    body: { name: FIXTURE.name, version: FIXTURE.version, description: "The matrix fixture" },
  });
  expect(published.status).toBe(201);
  for (const role of ROLES) keys[role] = (await createKey(role)).key;
  const revoked = await createKey("admin");
  expect((await p.api("DELETE", `/v1/api-keys/${revoked.id}`)).status).toBe(204);
  keys.revoked = revoked.key;
  // A key made with an expiry, then an hour older: its stored expiry moves into the past, as time would move it. Made
  // to expire 1.5 s after the request instead, a request that load held for 1.5 s was refused ("must be in the future").
  const expiring = await createKey("admin", new Date(Date.now() + 3_600_000).toISOString());
  const { table } = await getPlatform();
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: `APIKEY#${expiring.id}`, sk: "META" },
      UpdateExpression: "SET expiresAt = :past",
      ExpressionAttributeValues: { ":past": new Date(Date.now() - 1000).toISOString() },
      ConditionExpression: "attribute_exists(pk)",
    }),
  );
  keys.expired = expiring.key;
});
afterAll(async () => {
  await p?.cleanup();
});

/** A body the route would refuse (or an empty one): the matrix proves who gets past the gate, not what happens. */
function probe(spec: RouteSpec) {
  if (!spec.body) return {};
  const kind = spec.bodyTypes?.[0] ?? "json";
  if (kind === "json") return { rawBody: "{}", contentType: "application/json" };
  if (kind === "yaml") return { rawBody: "{}", contentType: "application/yaml" };
  return { rawBody: "", contentType: "text/markdown" };
}

describe("route x role matrix", () => {
  it("covers at least the registry (approvals, runtime policy, secret grants), identity and meta routes", () => {
    const operations = ROUTES.map((r) => r.operation);
    for (const op of [
      "publishServer",
      "patchServerVersion",
      "approveServerVersion",
      "revokeServerVersionApproval",
      "getRuntimePolicy",
      "putRuntimePolicy",
      "grantServerSecret",
      "revokeServerSecretGrant",
      "createApiKey",
      "listAudit",
      "health",
      "openapi",
    ]) {
      expect(operations).toContain(op);
    }
  });

  it.each(ROUTES)("$spec.method $spec.path (needs $spec.role)", async ({ spec, path }) => {
    const call = (auth: string | null) => p.api(spec.method, path, { auth, ...probe(spec) });
    const describeCall = (who: string, r: { status: number; text: string }) =>
      `${who}: ${r.status} ${r.text.slice(0, 200)}`;

    const anonymous = await call(null);
    if (spec.role === "public")
      expect([401, 403], describeCall("anonymous", anonymous)).not.toContain(anonymous.status);
    else expect(anonymous.status, describeCall("anonymous", anonymous)).toBe(401);
    if (anonymous.status >= 400) {
      // The MCP registry read API answers errors as the official registry does (application/json, {error}).
      expect(anonymous.headers.get("content-type")).toContain(
        spec.problemFormat === "official-registry" ? "application/json" : "application/problem+json",
      );
    }

    for (const who of ["revoked", "expired"] as const) {
      const response = await call(keys[who]);
      if (spec.role === "public") expect([401, 403]).not.toContain(response.status);
      else expect(response.status, describeCall(who, response)).toBe(401);
    }

    for (const role of ROLES) {
      for (const [kind, auth] of [
        ["token", `Bearer ${p.tokens[role]}`],
        ["api key", keys[role]],
      ] as const) {
        const response = await call(auth);
        const who = `${role} ${kind}`;
        expect(response.status, describeCall(who, response)).toBeLessThan(500);
        if (spec.role !== "public" && !hasRole(role, spec.role)) {
          expect(response.status, describeCall(who, response)).toBe(403);
        } else {
          expect([401, 403], describeCall(who, response)).not.toContain(response.status);
        }
      }
    }
  });
});

describe("bearer tokens that must be refused", () => {
  let signingKey: LocalSigningKey;

  beforeAll(async () => {
    signingKey = JSON.parse(await readFile(join(p.home, "signing-key.json"), "utf8")) as LocalSigningKey;
  });

  const claims = { username: "mallory", "cognito:groups": ["admin"], token_use: "access" };

  async function sign(options: { issuer?: string; audience?: string; exp?: number; key?: "other" }) {
    const jwk =
      options.key === "other"
        ? await (async () => {
            const { generateKeyPair, exportJWK } = await import("jose");
            const pair = await generateKeyPair("RS256", { extractable: true });
            return exportJWK(pair.privateKey);
          })()
        : signingKey.privateJwk;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: signingKey.kid, typ: "JWT" })
      .setIssuer(options.issuer ?? LOCAL_ISSUER)
      .setAudience(options.audience ?? LOCAL_AUDIENCE)
      .setSubject("mallory")
      .setIssuedAt();
    jwt.setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600);
    return jwt.sign(await importJWK(jwk, "RS256"));
  }

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const payload = () => ({
    ...claims,
    iss: LOCAL_ISSUER,
    aud: LOCAL_AUDIENCE,
    sub: "mallory",
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
  });

  it("accepts a well-formed control token (so the refusals below mean something)", async () => {
    const response = await p.api("GET", "/v1/me", { auth: `Bearer ${await sign({})}` });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: "mallory", role: "admin", kind: "user" });
  });

  it.each([
    ["a wrong issuer", () => sign({ issuer: "https://evil.example.com" })],
    ["a wrong audience", () => sign({ audience: "someone-else" })],
    ["an expired token", () => sign({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ["a signature by another key", () => sign({ key: "other" })],
    [
      "a tampered payload",
      async () => {
        const [header, , signature] = (await sign({})).split(".");
        return `${header}.${b64({ ...payload(), username: "root" })}.${signature}`;
      },
    ],
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT", kid: signingKey.kid })}.${b64(payload())}.`],
    [
      "HS256 signed with the public key",
      async () => {
        const publicKey = await importJWK(signingKey.publicJwk, "RS256");
        const pem = await exportSPKI(publicKey as Parameters<typeof exportSPKI>[0]);
        return new SignJWT(claims)
          .setProtectedHeader({ alg: "HS256", kid: signingKey.kid, typ: "JWT" })
          .setIssuer(LOCAL_ISSUER)
          .setAudience(LOCAL_AUDIENCE)
          .setSubject("mallory")
          .setIssuedAt()
          .setExpirationTime("10m")
          .sign(new TextEncoder().encode(pem));
      },
    ],
    ["garbage", async () => "not.a.jwt"],
  ])("refuses %s with 401", async (_case, mint) => {
    const response = await p.api("GET", "/v1/me", { auth: `Bearer ${await mint()}` });
    expect(response.status, response.text).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const write = await p.api("POST", "/v1/servers", {
      auth: `Bearer ${await mint()}`,
      body: { name: "io.github.evil/x", version: "1.0.0", description: "should never be stored" },
    });
    expect(write.status).toBe(401);
    expect((await p.api("GET", "/v1/servers/io.github.evil%2Fx")).status).toBe(404);
  });

  it("refuses an Authorization header that is not Bearer and a malformed API key with 401", async () => {
    const basic = await p.api("GET", "/v1/me", {
      auth: null,
      headers: { authorization: "Basic YWRtaW46YWRtaW4=" },
    });
    expect(basic.status).toBe(401);
    const key = await p.api("GET", "/v1/me", { auth: "not-a-key" });
    expect(key.status).toBe(401);
    const forged = await p.api("GET", "/v1/me", { auth: `mcpf_${FIXTURE.id}_${"A".repeat(43)}` });
    expect(forged.status).toBe(401);
  });

  it("answers 403 (not 401) for a valid token in none of the groups", async () => {
    const token = await p.mintToken({ groups: ["marketing"], username: "outsider" });
    const response = await p.api("GET", "/v1/me", { auth: `Bearer ${token}` });
    expect(response.status).toBe(403);
  });
});

describe("API keys", () => {
  it("returns the key once, lists metadata only, stores only the hash", async () => {
    const created = await createKey("editor");
    expect(created.key).toMatch(/^mcpf_[a-f0-9]{32}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const listed = await p.api("GET", "/v1/api-keys?limit=100");
    expect(listed.status).toBe(200);
    const item = listed.body.items.find((k: { id: string }) => k.id === created.id);
    expect(item).toMatchObject({
      id: created.id,
      role: "editor",
      prefix: created.prefix,
      createdBy: "user:local-admin",
    });
    for (const entry of listed.body.items) {
      expect(entry).not.toHaveProperty("key");
      expect(entry).not.toHaveProperty("hash");
    }
    expect(listed.text).not.toContain(created.key);

    const { table } = await getPlatform();
    const stored = (
      await table.doc.send(
        new GetCommand({ TableName: table.name, Key: { pk: `APIKEY#${created.id}`, sk: "META" } }),
      )
    ).Item;
    expect(stored).toBeDefined();
    expect(stored).not.toHaveProperty("key");
    expect(stored?.hash).toBe(createHash("sha256").update(created.key).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(13));
  });

  it("authenticates as its role, and revoking works at once", async () => {
    const created = await createKey("operator");
    const me = await p.api("GET", "/v1/me", { auth: created.key });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: `api-key:${created.id}`,
      kind: "api-key",
      name: expect.any(String),
      role: "operator",
    });
    expect((await p.api("DELETE", `/v1/api-keys/${created.id}`)).status).toBe(204);
    expect((await p.api("GET", "/v1/me", { auth: created.key })).status).toBe(401);
    expect((await p.api("DELETE", `/v1/api-keys/${created.id}`)).status).toBe(404);
  });

  it("refuses an expiry in the past and an unknown role", async () => {
    const past = await p.api("POST", "/v1/api-keys", {
      body: { name: "past", role: "viewer", expiresAt: "2000-01-01T00:00:00Z" },
    });
    expect(past.status).toBe(400);
    expect(past.body.errors[0].field).toBe("body.expiresAt");
    const role = await p.api("POST", "/v1/api-keys", { body: { name: "x", role: "root" } });
    expect(role.status).toBe(400);
    expect(role.body.errors[0].field).toBe("body.role");
  });

  it("pages through keys with limit and nextCursor", async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await p.api("GET", `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.items.map((k: { id: string }) => k.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(ids).size).toBe(ids.length);
    const whole = await p.api("GET", "/v1/api-keys?limit=100");
    expect(ids).toEqual(whole.body.items.map((k: { id: string }) => k.id));
    expect(ids.length).toBeGreaterThanOrEqual(5);
  });
});

describe("GET /v1/me", () => {
  it.each(ROLES)("reports a %s token's caller and role", async (role) => {
    const response = await p.api("GET", "/v1/me", { role });
    expect(response.body).toEqual({ id: `user:local-${role}`, kind: "user", name: `local-${role}`, role });
  });
});

describe("audit log", () => {
  interface Entry {
    id: string;
    at: string;
    actor: { id: string; name: string; role?: string };
    action: string;
    method: string;
    path: string;
    outcome: string;
    status: number;
    target?: string;
  }

  async function allEntries(limit = 100): Promise<Entry[]> {
    const entries: Entry[] = [];
    let cursor: string | undefined;
    do {
      const page = await p.api("GET", `/v1/audit?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status, page.text).toBe(200);
      entries.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return entries;
  }

  it("records every write, success and failure, with who, what, when and outcome", async () => {
    const name = `io.github.audit/s${randomBytes(3).toString("hex")}`;
    const started = new Date().toISOString();
    const ok = await p.api("POST", "/v1/servers", {
      role: "editor",
      body: { name, version: "1.0.0", description: "audited" },
    });
    expect(ok.status).toBe(201);
    expect(
      (
        await p.api("POST", "/v1/servers", {
          role: "editor",
          body: { name, version: "1.0.0", description: "x" },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await p.api("POST", "/v1/servers", {
          role: "viewer",
          body: { name, version: "2.0.0", description: "x" },
        })
      ).status,
    ).toBe(403);
    expect(
      (await p.api("POST", "/v1/servers", { auth: null, body: { name, version: "3.0.0", description: "x" } }))
        .status,
    ).toBe(401);
    expect((await p.api("POST", "/v1/servers", { role: "editor", rawBody: "{" })).status).toBe(400);
    expect(
      (
        await p.api("PATCH", `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0`, {
          role: "editor",
          body: { status: "deleted" },
        })
      ).status,
    ).toBe(403);

    const mine = (await allEntries()).filter((e) => e.at >= started && e.path.startsWith("/v1/servers"));
    const summary = mine.map((e) => [e.action, e.actor.id, e.outcome, e.status]).reverse();
    expect(summary).toEqual([
      ["servers.publish", "user:local-editor", "success", 201],
      ["servers.publish", "user:local-editor", "failure", 409],
      ["servers.publish", "user:local-viewer", "failure", 403],
      ["servers.publish", "anonymous", "failure", 401],
      ["servers.publish", "user:local-editor", "failure", 400],
      ["servers.status", "user:local-editor", "failure", 403],
    ]);
    for (const entry of mine) {
      expect(entry.method).toMatch(/^(POST|PATCH)$/);
      expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(Date.parse(started));
      expect(entry.id).toEqual(expect.any(String));
    }
    expect(mine.at(-1)?.actor).toEqual({ id: "user:local-editor", name: "local-editor", role: "editor" });
    expect(mine[0]?.target).toBe(`${name}@1.0.0`);
  });

  it("does not record reads", async () => {
    await p.api("GET", "/v1/servers?search=audit-read-marker");
    const entries = await allEntries();
    expect(entries.some((e) => e.method === "GET")).toBe(false);
  });

  it.each(["viewer", "operator", "editor"] as const)("is closed to %s (403)", async (role) => {
    expect((await p.api("GET", "/v1/audit", { role })).status).toBe(403);
  });

  it("pages newest first, each entry exactly once", async () => {
    const whole = await allEntries();
    const paged = await allEntries(3);
    expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(new Set(paged.map((e) => e.id)).size).toBe(paged.length);
    const times = paged.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(whole.length).toBeGreaterThan(3);
  });

  describe("filters, applied by the API", () => {
    const marker = `io.github.auditfilter/s${randomBytes(3).toString("hex")}`;
    let between: string;
    let before: string;

    /** Every entry the filters select, page by page (a filtered page may be short and still go on). */
    async function filtered(query: string, limit = 2): Promise<Entry[]> {
      const entries: Entry[] = [];
      let cursor: string | undefined;
      do {
        const page = await p.api(
          "GET",
          `/v1/audit?limit=${limit}&${query}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status, page.text).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        entries.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return entries;
    }

    beforeAll(async () => {
      before = new Date().toISOString();
      await new Promise((done) => setTimeout(done, 5));
      const published = await p.api("POST", "/v1/servers", {
        role: "editor",
        body: { name: marker, version: "1.0.0", description: "filtered" },
      });
      expect(published.status).toBe(201);
      // A write to the version itself, so its entry has a target (marker@1.0.0); an editor may not change status.
      const patched = await p.api("PATCH", `/v1/servers/${encodeURIComponent(marker)}/versions/1.0.0`, {
        role: "editor",
        body: { status: "deleted" },
      });
      expect(patched.status).toBe(403);
      await new Promise((done) => setTimeout(done, 5));
      between = new Date().toISOString();
      await new Promise((done) => setTimeout(done, 5));
      for (const version of ["2.0.0", "3.0.0"]) {
        const refused = await p.api("POST", "/v1/servers", {
          role: "viewer",
          body: { name: marker, version, description: "x" },
        });
        expect(refused.status).toBe(403);
      }
      const key = await p.api("POST", "/v1/api-keys", { body: { name: "audit-filter", role: "viewer" } });
      expect(key.status, key.text).toBe(201);
    });

    it("by actor (id or name), action (or its beginning), resource (target or path, or its beginning) and outcome", async () => {
      const byViewer = await filtered(`actor=local-viewer&resource=${encodeURIComponent("/v1/servers")}`);
      expect(byViewer.length).toBeGreaterThanOrEqual(2);
      expect(byViewer.every((e) => e.actor.name === "local-viewer" && e.path.startsWith("/v1/servers"))).toBe(
        true,
      );
      expect(await filtered("actor=user:local-viewer&resource=%2Fv1%2Fservers")).toEqual(byViewer);

      const mine = await filtered(`resource=${encodeURIComponent(marker)}`);
      expect(mine.map((e) => [e.actor.name, e.action, e.target])).toEqual([
        ["local-editor", "servers.status", `${marker}@1.0.0`],
      ]);
      const failures = await filtered(`action=servers.&outcome=failure&from=${encodeURIComponent(before)}`);
      expect(failures.map((e) => [e.action, e.actor.name, e.status])).toEqual([
        ["servers.publish", "local-viewer", 403],
        ["servers.publish", "local-viewer", 403],
        ["servers.status", "local-editor", 403],
      ]);
      const successes = await filtered(`action=servers.&outcome=success&from=${encodeURIComponent(before)}`);
      expect(successes.map((e) => [e.action, e.status])).toEqual([["servers.publish", 201]]);
      const keys = await filtered(`action=api-keys.create&from=${encodeURIComponent(before)}`);
      expect(keys.map((e) => e.action)).toEqual(["api-keys.create"]);
      expect(await filtered("action=servers.publis&actor=nobody")).toEqual([]);
    });

    it("by time range: from (at or after) and to (before)", async () => {
      const early = await filtered(`from=${encodeURIComponent(before)}&to=${encodeURIComponent(between)}`);
      expect(early.map((e) => [e.action, e.status])).toEqual([
        ["servers.status", 403],
        ["servers.publish", 201],
      ]);
      const late = await filtered(`from=${encodeURIComponent(between)}`, 100);
      expect(
        late
          .map((e) => e.action)
          .reverse()
          .slice(0, 3),
      ).toEqual(["servers.publish", "servers.publish", "api-keys.create"]);
      expect(late.every((e) => e.at >= between)).toBe(true);
      const older = await filtered(`to=${encodeURIComponent(before)}`, 100);
      expect(older.every((e) => e.at < before)).toBe(true);
      expect(older.length).toBeGreaterThan(0);
    });

    it.each([
      ["since=2026-01-01T00:00:00Z", "query", "unknown query parameter(s): since"],
      ["from=yesterday", "query.from", "must be an RFC 3339 date-time such as 2026-11-27T08:00:00Z"],
      ["from=2026-11-27T09:00:00Z&to=2026-11-27T08:00:00Z", "query.to", "must not be before from"],
      ["outcome=maybe", "query.outcome", undefined],
      [`actor=${"a".repeat(201)}`, "query.actor", undefined],
      ["action=", "query.action", undefined],
    ])("refuses %s with a 400 naming %s", async (query, field, rule) => {
      const response = await p.api("GET", `/v1/audit?${query}`);
      expect(response.status, response.text).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      const issue = response.body.errors.find((e: { field: string }) => e.field === field);
      expect(issue, response.text).toBeDefined();
      if (rule) expect(issue.rule).toBe(rule);
    });

    it("refuses a cursor from outside the time range asked for (400 on query.cursor, not a store error)", async () => {
      const first = await p.api("GET", "/v1/audit?limit=1");
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const response = await p.api(
        "GET",
        `/v1/audit?limit=1&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&cursor=${first.body.nextCursor}`,
      );
      expect(response.status, response.text).toBe(400);
      expect(response.body.errors[0].field).toBe("query.cursor");
    });
  });
});

describe("persistence of identity data", () => {
  it("keeps API keys and audit entries across a restart", async () => {
    const key = await createKey("viewer");
    const audit = await p.api("GET", "/v1/audit?limit=100");
    const listed = await p.api("GET", "/v1/api-keys?limit=100");
    await p.restart();
    p.tokens.admin = await p.mintToken({ role: "admin" });
    const me = await p.api("GET", "/v1/me", { auth: key.key });
    expect(me.status).toBe(200);
    expect(me.body.role).toBe("viewer");
    const keysAfter = await p.api("GET", "/v1/api-keys?limit=100");
    // lastUsedAt moves with use; everything else about every key is unchanged.
    const strip = (items: { lastUsedAt?: string }[]) => items.map(({ lastUsedAt: _used, ...rest }) => rest);
    expect(strip(keysAfter.body.items)).toEqual(strip(listed.body.items));
    const after = await p.api("GET", "/v1/audit?limit=100");
    const ids = new Set(after.body.items.map((e: { id: string }) => e.id));
    for (const entry of audit.body.items) expect(ids.has(entry.id)).toBe(true);
  });
});
