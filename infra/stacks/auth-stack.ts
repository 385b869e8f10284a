// Auth stack: the Cognito user pool people sign in to, its role groups, the OAuth resource server with the
// mcpflow scopes, a public PKCE client for the web UI and a confidential client-credentials client for machines.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  UserPoolResourceServer,
} from "aws-cdk-lib/aws-cognito";
import type { Construct } from "constructs";
import type { McpflowConfig } from "../config.js";
import { acknowledge } from "../nag.js";
import { authDomainPrefix, stageNames } from "../naming.js";

/** The loopback port `mcpflow login` listens on for Cognito's redirect (cli/commands/auth.ts uses the same). */
export const CLI_LOGIN_PORT = 8765;

/** Role groups, most privileged first; the API maps them to permissions. */
export const ROLE_GROUPS = ["admin", "editor", "operator", "viewer"] as const;

/** OAuth scopes on the `mcpflow` resource server, granted to machine clients. */
export const API_SCOPES = {
  read: "Read servers, MCDs, workflows and runs",
  write: "Create and change servers, MCDs and workflows",
  run: "Start, stop and inspect workflow runs",
  admin: "Manage API keys, secrets and users",
} as const;

export const RESOURCE_SERVER_ID = "mcpflow";

/** Where Cognito sends the console back with the code (web/src/auth/cognito.ts handles it there). */
export const CALLBACK_PATH = "/auth/callback";

export interface AuthStackProps extends StackProps {
  readonly config: McpflowConfig;
  /** The console's CloudFront address (the web stack's), signed in to besides `config.webOrigin`. */
  readonly consoleUrl: string;
}

export class AuthStack extends Stack {
  readonly userPool: UserPool;
  readonly webClient: UserPoolClient;
  readonly machineClient: UserPoolClient;
  readonly cliClient: UserPoolClient;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = stageNames(config.stage);

    this.userPool = new UserPool(this, "UserPool", {
      userPoolName: names.prefix,
      // People are invited by an admin; a public sign-up would let anyone become a viewer.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: config.deletionProtection,
      removalPolicy: config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.userPool,
      "AwsSolutions-COG2",
      "MFA is OPTIONAL (TOTP only) by product decision: machine access uses client credentials or API keys, " +
        "and Plus-tier threat protection (ENFORCED) adds adaptive MFA challenges for risky sign-ins.",
    );

    ROLE_GROUPS.forEach((group, precedence) => {
      this.userPool.addGroup(`Group-${group}`, {
        groupName: group,
        description: `mcpflow ${group} role`,
        precedence,
      });
    });

    const scopes = Object.entries(API_SCOPES).map(
      ([name, description]) => new ResourceServerScope({ scopeName: name, scopeDescription: description }),
    );
    const resourceServer = new UserPoolResourceServer(this, "ResourceServer", {
      userPool: this.userPool,
      identifier: RESOURCE_SERVER_ID,
      userPoolResourceServerName: "mcpflow API",
      scopes,
    });
    const apiScopes = scopes.map((s) => OAuthScope.resourceServer(resourceServer, s));

    // Client credentials and the hosted sign-in page both need a domain.
    this.domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: authDomainPrefix(config) },
    });

    this.webClient = this.userPool.addClient("WebClient", {
      userPoolClientName: `${names.prefix}-web`,
      // A browser cannot keep a secret: authorization code with PKCE, no client secret.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE, ...apiScopes],
        // The console on CloudFront, and webOrigin (a custom domain, or Vite's dev server against this stage).
        callbackUrls: [props.consoleUrl, config.webOrigin].map((origin) => `${origin}${CALLBACK_PATH}`),
        logoutUrls: [props.consoleUrl, config.webOrigin].map((origin) => `${origin}/`),
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.machineClient = this.userPool.addClient("MachineClient", {
      userPoolClientName: `${names.prefix}-machine`,
      generateSecret: true,
      authFlows: {},
      oAuth: { flows: { clientCredentials: true }, scopes: apiScopes },
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
    });
    // The command line signs people in as the web client does, through its loopback redirect (docs/cli.md).
    // Cognito matches the callback's port, and allows plain http only for localhost: `mcpflow login` listens on
    // CLI_LOGIN_PORT unless told otherwise.
    this.cliClient = this.userPool.addClient("CliClient", {
      userPoolClientName: `${names.prefix}-cli`,
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE, ...apiScopes],
        callbackUrls: [`http://localhost:${CLI_LOGIN_PORT}/callback`],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    this.cliClient.node.addDependency(resourceServer);
    this.machineClient.node.addDependency(resourceServer);
    this.webClient.node.addDependency(resourceServer);

    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "WebClientId", { value: this.webClient.userPoolClientId });
    new CfnOutput(this, "CliClientId", {
      description: `mcpflow login --issuer <the user pool's issuer> --client-id <this> (port ${CLI_LOGIN_PORT})`,
      value: this.cliClient.userPoolClientId,
    });
    new CfnOutput(this, "MachineClientId", {
      description:
        "Client-credentials client; its secret is readable in the Cognito console or DescribeUserPoolClient",
      value: this.machineClient.userPoolClientId,
    });
    new CfnOutput(this, "AuthDomain", { value: this.domain.baseUrl() });
  }
}
