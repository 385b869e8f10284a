// Bearer tokens: verified with aws-jwt-verify on both paths. On AWS the issuer is a Cognito user pool; locally it
// is the platform's own RSA key, held in a key cache that has no way to fetch: an unknown `kid` is a 401, never a
// request to whoever answers for the issuer's domain.

import { JwtVerifier } from "aws-jwt-verify";
import { CognitoJwtVerifier } from "aws-jwt-verify/cognito-verifier";
import { KidNotFoundInJwksError } from "aws-jwt-verify/error";
import { type Jwks, type JwksCache, SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { UnauthorizedError } from "../errors.js";
import { type Caller, roleFromGroups } from "./roles.js";

export interface TokenVerifier {
  /** Resolves the caller behind a bearer token, or throws UnauthorizedError. */
  verify(token: string): Promise<Omit<Caller, "role"> & { role: Caller["role"] | undefined }>;
}

export const LOCAL_ISSUER = "https://local.mcpflow.dev";
export const LOCAL_AUDIENCE = "mcpflow-local";

interface Claims {
  exp?: unknown;
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

type VerifiedCaller = Awaited<ReturnType<TokenVerifier["verify"]>>;

/** Tokens whose verdict is kept; past this the least recently used goes. ~1 KB a token: ~1 MB at most. */
const KEPT_TOKENS = 1000;

/**
 * Verdicts on tokens that verified, each kept until the token's `exp`, so a client's next requests cost a map lookup
 * instead of a signature check and claim parsing (~0.1 ms each). Keeping it changes no answer: a JWT cannot be
 * revoked before it expires on either path (aws-jwt-verify checks the signature and the claims, never a revocation
 * list; Cognito's revocation stops refresh tokens, not issued access tokens), and a token that failed is not kept.
 */
export class VerifiedTokens {
  private readonly kept = new Map<string, { caller: VerifiedCaller; expiresAt: number }>();

  constructor(
    private readonly capacity = KEPT_TOKENS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(token: string): VerifiedCaller | undefined {
    const found = this.kept.get(token);
    if (!found) return undefined;
    this.kept.delete(token);
    if (found.expiresAt <= this.now()) return undefined;
    // Most recently used last: a Map iterates in insertion order, so the first key is the one to drop.
    this.kept.set(token, found);
    return found.caller;
  }

  set(token: string, caller: VerifiedCaller, expiresAt: number): void {
    if (this.kept.size >= this.capacity) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(token, { caller, expiresAt });
  }
}

/** A verifier that keeps the verdict on each token that passed `verify` until its `exp` (VerifiedTokens). */
function keepingVerdicts(verify: (token: string) => Promise<Claims>): TokenVerifier {
  const verdicts = new VerifiedTokens();
  return {
    async verify(token) {
      const kept = verdicts.get(token);
      if (kept) return { ...kept };
      let claims: Claims;
      try {
        claims = await verify(token);
      } catch (error) {
        throw unauthorized(error);
      }
      const caller = callerFromClaims(claims);
      // requireExpiry refused a token without `exp`, so it is a number here.
      verdicts.set(token, caller, Number(claims.exp) * 1000);
      return { ...caller };
    },
  };
}

function unauthorized(cause: unknown): UnauthorizedError {
  // The verifier's message says which check failed (expired, issuer, signature...) and never holds the token.
  const reason = cause instanceof Error ? cause.message : "token rejected";
  return new UnauthorizedError(`The bearer token was rejected: ${reason}`, { cause });
}

/** aws-jwt-verify checks `exp` only when present; a token that never expires is one a leak makes permanent. */
function requireExpiry({ payload }: { payload: JwtPayload }): void {
  if (typeof payload.exp !== "number") throw new Error("the token has no expiry (exp claim)");
}

/** The keys the platform holds, and nothing else: no fetcher, so no outbound connection can ever be made. */
function staticJwksCache(jwks: Jwks): JwksCache {
  const find: JwksCache["getCachedJwk"] = (_uri, jwt) => {
    const jwk = jwks.keys.find((key) => key.kid !== undefined && key.kid === jwt.header.kid);
    if (!jwk) throw new KidNotFoundInJwksError("the token was signed with a key this platform does not hold");
    return jwk as ReturnType<JwksCache["getCachedJwk"]>;
  };
  return {
    getJwk: async (uri, jwt) => find(uri, jwt),
    getCachedJwk: find,
    addJwks: () => undefined,
    getJwks: async () => jwks,
  };
}

export function createLocalTokenVerifier(jwks: Jwks): TokenVerifier {
  const verifier = JwtVerifier.create(
    {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      // Only a cache key: staticJwksCache never requests it.
      jwksUri: `${LOCAL_ISSUER}/.well-known/jwks.json`,
      customJwtCheck: requireExpiry,
    },
    { jwksCache: staticJwksCache(jwks) },
  );
  return keepingVerdicts(async (token) => (await verifier.verify(token)) as Claims);
}

/**
 * Fetches the pool's keys from `jwksUri` instead of Cognito's well-known URL (the issuer check is unchanged). For
 * Cognito emulators (moto_server serves `<endpoint>/<poolId>/.well-known/jwks.json`, over plain HTTP).
 */
function redirectedJwksCache(jwksUri: string): JwksCache {
  const cache = new SimpleJwksCache({
    fetcher: {
      async fetch(uri) {
        const response = await fetch(uri, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`JWKS request to ${uri} answered ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });
  return {
    getJwk: (_uri, jwt) => cache.getJwk(jwksUri, jwt),
    getCachedJwk: (_uri, jwt) => cache.getCachedJwk(jwksUri, jwt),
    addJwks: (_uri, jwks) => cache.addJwks(jwksUri, jwks),
    getJwks: () => cache.getJwks(jwksUri),
  };
}

export function createCognitoTokenVerifier(options: {
  userPoolId: string;
  clientIds: string[];
  /** Where the pool's JWKS is fetched from; Cognito's own URL when absent. */
  jwksUri?: string;
}): TokenVerifier {
  const verifier = CognitoJwtVerifier.create(
    {
      userPoolId: options.userPoolId,
      tokenUse: null, // access tokens (API and machine clients) and id tokens (web sign-in) are both accepted
      clientId: options.clientIds,
      customJwtCheck: requireExpiry,
    },
    options.jwksUri ? { jwksCache: redirectedJwksCache(options.jwksUri) } : undefined,
  );
  return keepingVerdicts(async (token) => (await verifier.verify(token)) as Claims);
}
