// Cognito sign-in on moto_server, verified by the platform's own verify path (createCognitoTokenVerifier, i.e.
// aws-jwt-verify's CognitoJwtVerifier and the same claim handling), with the JWKS fetched from moto.
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { beforeAll, describe, expect, it } from "vitest";
import { UnauthorizedError } from "../../../shared/errors.js";
import { createCognitoTokenVerifier, type TokenVerifier } from "../../../shared/identity/tokens.js";
import { createTestUserPool, type TestUserPool } from "../../helpers/cognito.js";
import { MOTO_REGION, motoAvailable, useMotoServer } from "../../helpers/moto.js";

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

describe.skipIf(!motoAvailable)("Cognito on moto_server", () => {
  const moto = useMotoServer();
  let cognito: CognitoIdentityProviderClient;
  let poolId: string;
  let clientId: string;
  let verifier: TokenVerifier;

  let signIn: TestUserPool["signIn"];

  beforeAll(async () => {
    cognito = new CognitoIdentityProviderClient(moto.clientConfig);
    const pool = await createTestUserPool(cognito, "mcpflow-test");
    ({ poolId, clientId, signIn } = pool);
    verifier = createCognitoTokenVerifier({
      userPoolId: poolId,
      clientIds: [clientId],
      jwksUri: `${moto.endpoint}/${poolId}/.well-known/jwks.json`,
    });
  });

  it("issues tokens with Cognito's issuer, the client id and the user's groups", async () => {
    const tokens = await signIn("claims-user", ["editor"]);
    const access = claimsOf(tokens.AccessToken!);
    // moto signs with its own key but issues Cognito's real issuer; only the JWKS location differs.
    expect(access).toMatchObject({
      iss: `https://cognito-idp.${MOTO_REGION}.amazonaws.com/${poolId}`,
      client_id: clientId,
      token_use: "access",
      username: "claims-user",
      "cognito:groups": ["editor"],
    });
    expect(claimsOf(tokens.IdToken!)).toMatchObject({
      aud: clientId,
      token_use: "id",
      "cognito:username": "claims-user",
    });
  });

  it("resolves a user in group editor to role editor, from the access token and the id token", async () => {
    const tokens = await signIn("edith", ["editor"]);
    const fromAccess = await verifier.verify(tokens.AccessToken!);
    expect(fromAccess).toMatchObject({ kind: "user", name: "edith", role: "editor" });
    expect(fromAccess.id).toMatch(/^user:/);
    expect(await verifier.verify(tokens.IdToken!)).toMatchObject({ name: "edith", role: "editor" });
  });

  it("gives the highest role of several groups, and no role to a user in none", async () => {
    expect((await verifier.verify((await signIn("vera", ["viewer", "operator"])).AccessToken!)).role).toBe(
      "operator",
    );
    expect((await verifier.verify((await signIn("nobody", [])).AccessToken!)).role).toBeUndefined();
  });

  it("rejects a tampered token (claims changed, signature kept) with UnauthorizedError", async () => {
    const [header, , signature] = (await signIn("mallory", ["viewer"])).AccessToken!.split(".");
    const forged = {
      ...claimsOf((await signIn("mallory2", ["viewer"])).AccessToken!),
      "cognito:groups": ["admin"],
    };
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}`;
    const error = await verifier.verify(tampered).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(/bearer token was rejected/);
  });

  it("rejects a token issued to a client the platform does not trust", async () => {
    const strict = createCognitoTokenVerifier({
      userPoolId: poolId,
      clientIds: ["some-other-client"],
      jwksUri: `${moto.endpoint}/${poolId}/.well-known/jwks.json`,
    });
    await expect(strict.verify((await signIn("outsider", ["admin"])).AccessToken!)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });
});
