// The embedded platform's own keys, each created once under MCPFLOW_HOME, mode 0600: the signing key that mints dev
// tokens, and the keys that sign page cursors (shared/store/signed-cursor.ts).
import { randomUUID } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Jwks } from "aws-jwt-verify/jwk";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { type CursorKeyring, cursorKeyring, newCursorSecret } from "../store/signed-cursor.js";
import * as z from "../zod.js";
import type { Role } from "./roles.js";
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from "./tokens.js";

export interface LocalSigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * A key file of the home: read if it is there, else created by `create` and written readable by this user only. The
 * platform calls these once the port is bound and the home is locked, so nothing is written for a start that fails.
 */
async function loadOrCreateKeyFile<T>(path: string, create: () => Promise<T>): Promise<T> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    const key = await create();
    await writeFile(path, JSON.stringify(key), { mode: 0o600 });
    await chmod(path, 0o600);
    return key;
  }
}

export function loadOrCreateSigningKey(home: string): Promise<LocalSigningKey> {
  return loadOrCreateKeyFile(join(home, "signing-key.json"), async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = randomUUID();
    return {
      kid,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
    };
  });
}

/**
 * `cursor-keys.json`: `current` signs, `previous` are still accepted. To rotate, move `current` into `previous`,
 * put a new secret (32 random bytes, base64url) in `current` and restart; drop a previous key once its cursors have
 * expired (CURSOR_LIFETIME_SECONDS).
 */
const CursorKeyFile = z.object({
  current: z.string().check(z.minLength(32)),
  previous: z.optional(z.array(z.string().check(z.minLength(32)))),
});

export async function loadOrCreateCursorKeys(home: string): Promise<CursorKeyring> {
  const path = join(home, "cursor-keys.json");
  const file = z.safeParse(
    CursorKeyFile,
    await loadOrCreateKeyFile(path, async () => ({ current: newCursorSecret(), previous: [] })),
  );
  if (!file.success) {
    throw new Error(
      `${path} is not a cursor key file: it needs "current" (and "previous") secrets of 32 characters or more`,
    );
  }
  return cursorKeyring(file.data.current, file.data.previous);
}

export function jwksOf(key: LocalSigningKey): Jwks {
  return { keys: [key.publicJwk] } as unknown as Jwks;
}

/** Mints a token shaped like a Cognito access token, so the same claim handling serves both issuers. */
export async function mintLocalToken(
  key: LocalSigningKey,
  claims: { sub: string; username: string; groups: Role[] | string[]; expiresInSeconds?: number },
): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, "RS256");
  return new SignJWT({ username: claims.username, "cognito:groups": claims.groups, token_use: "access" })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${claims.expiresInSeconds ?? 30 * 24 * 3600}s`)
    .sign(privateKey);
}
