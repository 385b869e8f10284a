// A Cognito user pool on moto_server with mcpflow's four groups, and sign-in of users in chosen groups.
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";

const PASSWORD = "Correct-Horse-9-battery";

export interface TestUserPool {
  poolId: string;
  clientId: string;
  signIn(username: string, groups: string[]): Promise<AuthenticationResultType>;
}

export async function createTestUserPool(
  cognito: CognitoIdentityProviderClient,
  name: string,
): Promise<TestUserPool> {
  const poolId = (await cognito.send(new CreateUserPoolCommand({ PoolName: name }))).UserPool!.Id!;
  const clientId = (
    await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: `${name}-web`,
        ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      }),
    )
  ).UserPoolClient!.ClientId!;
  for (const group of ["admin", "editor", "operator", "viewer"]) {
    await cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
  }
  return {
    poolId,
    clientId,
    async signIn(username, groups) {
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
      return auth.AuthenticationResult!;
    },
  };
}
