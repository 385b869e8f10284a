// Issue 10, findings 4 and 5: the local verifier holds its keys and fetches none (a token with an unknown `kid` is a
// 401 and no outbound connection), and a signed token without `exp` is a 401 on the local and the Cognito path.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UnauthorizedError } from "../../../shared/errors.js";
import { jwksOf, type LocalSigningKey, loadOrCreateSigningKey } from "../../../shared/identity/local-keys.js";
import {
  createCognitoTokenVerifier,
  createLocalTokenVerifier,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
} from "../../../shared/identity/tokens.js";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.js";

const claims = { username: "mallory", "cognito:groups": ["admin"], token_use: "access" };

async function signWith(
  privateJwk: Record<string, unknown>,
  kid: string,
  options: { exp?: boolean; issuer?: string; extra?: Record<string, unknown> } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...claims, ...options.extra })
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setIssuer(options.issuer ?? LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject("mallory")
    .setIssuedAt();
  if (options.exp !== false) jwt.setExpirationTime("10m");
  return jwt.sign(await importJWK(privateJwk, "RS256"));
}

/** Every TCP connection this process opens (fetch, https.request and undici all end in Socket#connect). */
function countOutbound() {
  const targets: string[] = [];
  const original = net.Socket.prototype.connect;
  const spy = vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (
    this: net.Socket,
    ...args: unknown[]
  ) {
    const first = args[0] as { host?: string; port?: number; path?: string } | number | undefined;
    const host = typeof first === "object" ? (first.host ?? first.path ?? "localhost") : String(args[1]);
    if (!/^(127\.0\.0\.1|localhost|::1)$/.test(host)) targets.push(host);
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as never);
  const fetchSpy = vi.spyOn(globalThis, "fetch");
  return {
    targets,
    fetches: () => fetchSpy.mock.calls.filter(([url]) => !String(url).startsWith("http://127.0.0.1")),
    restore() {
      spy.mockRestore();
      fetchSpy.mockRestore();
    },
  };
}

describe("finding 4: the local verifier never fetches keys", () => {
  let p: TestPlatform;
  let key: LocalSigningKey;
  beforeAll(async () => {
    p = await startTestPlatform();
    key = await loadOrCreateSigningKey(p.home);
  });
  afterAll(async () => {
    await p.cleanup();
  });

  it("answers 401 to a token with an unknown kid and opens no outbound connection", async () => {
    const attacker = await generateKeyPair("RS256", { extractable: true });
    const token = await signWith(
      (await exportJWK(attacker.privateKey)) as Record<string, unknown>,
      "attacker-kid",
    );
    const outbound = countOutbound();
    try {
      const response = await p.api("GET", "/v1/me", { auth: `Bearer ${token}` });
      expect(response.status, response.text).toBe(401);
      // Directly too, with a second kid (a verifier that fetched would try again for a new kid).
      const verifier = createLocalTokenVerifier(jwksOf(key));
      const again = await signWith(
        (await exportJWK(attacker.privateKey)) as Record<string, unknown>,
        "another-kid",
      );
      await expect(verifier.verify(again)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(outbound.targets).toEqual([]);
      expect(outbound.fetches()).toEqual([]);
    } finally {
      outbound.restore();
    }
  });

  it("finding 5: answers 401 to a correctly signed token with no exp claim", async () => {
    const control = await signWith(key.privateJwk as Record<string, unknown>, key.kid);
    expect((await p.api("GET", "/v1/me", { auth: `Bearer ${control}` })).status).toBe(200);
    const forever = await signWith(key.privateJwk as Record<string, unknown>, key.kid, { exp: false });
    const response = await p.api("GET", "/v1/me", { auth: `Bearer ${forever}` });
    expect(response.status, response.text).toBe(401);
  });
});

describe("finding 5 on the Cognito path: a pool-signed token with no exp is refused", () => {
  const poolId = "eu-west-1_NoExpTest";
  const clientId = "no-exp-client";
  let server: Server;
  let jwksUri = "";
  let privateJwk: Record<string, unknown>;
  const kid = "pool-key";

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    privateJwk = { ...(await exportJWK(pair.privateKey)), kid };
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
    // The pool's JWKS on loopback, as moto_server serves it to the emulator path.
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it("accepts the pool's token with exp and refuses the same token without", async () => {
    const verifier = createCognitoTokenVerifier({ userPoolId: poolId, clientIds: [clientId], jwksUri });
    const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${poolId}`;
    const extra = { client_id: clientId };
    const control = await signWith(privateJwk, kid, { issuer, extra });
    expect((await verifier.verify(control)).role).toBe("admin");
    const forever = await signWith(privateJwk, kid, { issuer, extra, exp: false });
    await expect(verifier.verify(forever)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
