// TokenVerifier: the embedded platform's own issuer and a Cognito user pool (on moto_server) pass one contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe } from "vitest";
import {
  jwksOf,
  type LocalSigningKey,
  loadOrCreateSigningKey,
  mintLocalToken,
} from "../../shared/identity/local-keys.js";
import { createCognitoTokenVerifier, createLocalTokenVerifier } from "../../shared/identity/tokens.js";
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
  const PASSWORD = "Correct-Horse-9-battery";
  let source: TokenSource;
  beforeAll(async () => {
    const cognito = new CognitoIdentityProviderClient(moto.clientConfig);
    const poolId = (await cognito.send(new CreateUserPoolCommand({ PoolName: "contract" }))).UserPool!.Id!;
    const clientId = (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: "contract",
          ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        }),
      )
    ).UserPoolClient!.ClientId!;
    for (const group of ["admin", "editor", "operator", "viewer"]) {
      await cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
    }
    source = {
      verifier: createCognitoTokenVerifier({
        userPoolId: poolId,
        clientIds: [clientId],
        jwksUri: `${moto.endpoint}/${poolId}/.well-known/jwks.json`,
      }),
      async tokenFor(username, groups) {
        await cognito.send(
          new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: "SUPPRESS" }),
        );
        await cognito.send(
          new AdminSetUserPasswordCommand({
            UserPoolId: poolId,
            Username: username,
            Password: PASSWORD,
            Permanent: true,
          }),
        );
        for (const group of groups) {
          await cognito.send(
            new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: group }),
          );
        }
        const auth = await cognito.send(
          new AdminInitiateAuthCommand({
            UserPoolId: poolId,
            ClientId: clientId,
            AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
            AuthParameters: { USERNAME: username, PASSWORD },
          }),
        );
        return auth.AuthenticationResult!.AccessToken!;
      },
    };
  });
  tokenVerifierContract("Cognito (moto)", () => source);
});
