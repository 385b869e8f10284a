// TokenVerifier: the embedded platform's own issuer and a Cognito user pool (on moto_server) pass one contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe } from "vitest";
import {
  jwksOf,
  type LocalSigningKey,
  loadOrCreateSigningKey,
  mintLocalToken,
} from "../../shared/identity/local-keys.js";
import { createCognitoTokenVerifier, createLocalTokenVerifier } from "../../shared/identity/tokens.js";
import { createTestUserPool } from "../helpers/cognito.js";
import { motoAvailable, useMotoServer } from "../helpers/moto.js";
import { type TokenSource, tokenVerifierContract } from "./token-verifier.contract.js";

describe("local issuer", () => {
  let home = "";
  let key: LocalSigningKey;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "mcpflow-keys-"));
    key = await loadOrCreateSigningKey(home);
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  tokenVerifierContract("local signing key", () => ({
    verifier: createLocalTokenVerifier(jwksOf(key)),
    tokenFor: (username, groups) => mintLocalToken(key, { sub: username, username, groups }),
  }));
});

describe.skipIf(!motoAvailable)("Cognito user pool on moto_server", () => {
  const moto = useMotoServer();
  let source: TokenSource;
  beforeAll(async () => {
    const pool = await createTestUserPool(new CognitoIdentityProviderClient(moto.clientConfig), "contract");
    source = {
      verifier: createCognitoTokenVerifier({
        userPoolId: pool.poolId,
        clientIds: [pool.clientId],
        jwksUri: `${moto.endpoint}/${pool.poolId}/.well-known/jwks.json`,
      }),
      tokenFor: async (username, groups) => (await pool.signIn(username, groups)).AccessToken!,
    };
  });
  tokenVerifierContract("Cognito (moto)", () => source);
});
