// Bearer tokens: verified with aws-jwt-verify on both paths. On AWS the issuer is a Cognito user pool; locally it
// is the platform's own RSA key, whose JWKS is handed to the same verifier so no network fetch is needed.

import { JwtVerifier } from "aws-jwt-verify";
import { CognitoJwtVerifier } from "aws-jwt-verify/cognito-verifier";
import type { Jwks } from "aws-jwt-verify/jwk";
import { UnauthorizedError } from "../errors.js";
import { type Caller, roleFromGroups } from "./roles.js";

export interface TokenVerifier {
  /** Resolves the caller behind a bearer token, or throws UnauthorizedError. */
  verify(token: string): Promise<Omit<Caller, "role"> & { role: Caller["role"] | undefined }>;
}

export const LOCAL_ISSUER = "https://local.mcpflow.dev";
export const LOCAL_AUDIENCE = "mcpflow-local";

interface Claims {
  sub?: unknown;
  username?: unknown;
  "cognito:username"?: unknown;
  client_id?: unknown;
  "cognito:groups"?: unknown;
}

function callerFromClaims(claims: Claims) {
  const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"].map(String) : [];
  const sub = typeof claims.sub === "string" ? claims.sub : "unknown";
  const name =
    (typeof claims.username === "string" && claims.username) ||
    (typeof claims["cognito:username"] === "string" && claims["cognito:username"]) ||
    (typeof claims.client_id === "string" && claims.client_id) ||
    sub;
  return { id: `user:${sub}`, kind: "user" as const, name, role: roleFromGroups(groups) };
}

function unauthorized(cause: unknown): UnauthorizedError {
  // The verifier's message says which check failed (expired, issuer, signature...) and never holds the token.
  const reason = cause instanceof Error ? cause.message : "token rejected";
  return new UnauthorizedError(`The bearer token was rejected: ${reason}`, { cause });
}

export function createLocalTokenVerifier(jwks: Jwks): TokenVerifier {
  const verifier = JwtVerifier.create({
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwksUri: `${LOCAL_ISSUER}/.well-known/jwks.json`,
  });
  verifier.cacheJwks(jwks);
  return {
    async verify(token) {
      try {
        return callerFromClaims((await verifier.verify(token)) as Claims);
      } catch (error) {
        throw unauthorized(error);
      }
    },
  };
}

export function createCognitoTokenVerifier(options: {
  userPoolId: string;
  clientIds: string[];
}): TokenVerifier {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: options.userPoolId,
    tokenUse: null, // access tokens (API and machine clients) and id tokens (web sign-in) are both accepted
    clientId: options.clientIds,
  });
  return {
    async verify(token) {
      try {
        return callerFromClaims((await verifier.verify(token)) as Claims);
      } catch (error) {
        throw unauthorized(error);
      }
    },
  };
}
