// The embedded platform's own signing key: created once under MCPFLOW_HOME, mode 0600, used to mint dev tokens.
import { randomUUID } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Jwks } from "aws-jwt-verify/jwk";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import type { Role } from "./roles.js";
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from "./tokens.js";

export interface LocalSigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function loadOrCreateSigningKey(home: string): Promise<LocalSigningKey> {
  const path = join(home, "signing-key.json");
  try {
    return JSON.parse(await readFile(path, "utf8")) as LocalSigningKey;
  } catch {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = randomUUID();
    const key: LocalSigningKey = {
      kid,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
    };
    await writeFile(path, JSON.stringify(key), { mode: 0o600 });
    await chmod(path, 0o600);
    return key;
  }
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
