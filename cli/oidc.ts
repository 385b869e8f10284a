// Signing in against an OAuth 2.0 / OpenID Connect provider (Cognito on AWS) with openid-client: authorization code
// with PKCE through a loopback redirect for people (RFC 8252), client credentials for machines, and refreshing what
// either stored. Plain http is accepted for a loopback issuer only (a local test provider).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as client from "openid-client";
import type { Credentials } from "./config.js";
import { CliError, EXIT } from "./errors.js";

type OidcCredentials = Extract<Credentials, { type: "oidc" }>;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const isLoopbackHttp = (url: URL) => url.protocol === "http:" && LOOPBACK.has(url.hostname);

function checkIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new CliError(`--issuer ${issuer} is not a URL.`, { exit: EXIT.usage });
  }
  if (url.protocol !== "https:" && !isLoopbackHttp(url)) {
    throw new CliError(`--issuer must be an https URL (http only on 127.0.0.1 or localhost).`, {
      exit: EXIT.usage,
    });
  }
  return url;
}

async function discover(issuer: string, clientId: string, clientSecret?: string) {
  const url = checkIssuer(issuer);
  try {
    return await client.discovery(
      url,
      clientId,
      undefined,
      clientSecret ? client.ClientSecretPost(clientSecret) : client.None(),
      isLoopbackHttp(url) ? { execute: [client.allowInsecureRequests] } : {},
    );
  } catch (error) {
    throw new CliError(`Could not discover the sign-in provider at ${issuer}: ${messageOf(error)}`, {
      exit: EXIT.auth,
      hint: "check --issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<user pool id>)",
    });
  }
}

function configOf(credentials: OidcCredentials): client.Configuration {
  const config = new client.Configuration(
    credentials.server as unknown as client.ServerMetadata,
    credentials.clientId,
    undefined,
    credentials.clientSecret ? client.ClientSecretPost(credentials.clientSecret) : client.None(),
  );
  const tokenEndpoint = credentials.server.token_endpoint;
  if (typeof tokenEndpoint === "string" && isLoopbackHttp(new URL(tokenEndpoint)))
    client.allowInsecureRequests(config);
  return config;
}

function stored(
  config: client.Configuration,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  base: Pick<OidcCredentials, "clientId" | "clientSecret" | "grant">,
  previousRefresh?: string,
): OidcCredentials {
  const expiresIn = tokens.expiresIn();
  const refreshToken = tokens.refresh_token ?? previousRefresh;
  return {
    type: "oidc",
    server: { ...config.serverMetadata() } as Record<string, unknown>,
    ...base,
    accessToken: tokens.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresIn !== undefined ? { expiresAt: Math.floor(Date.now() / 1000) + expiresIn } : {}),
  };
}

/**
 * Authorization code + PKCE: listens on a loopback port, sends the person to the provider (the URL on stderr, and a
 * browser unless told not to), and exchanges the code the redirect brings back.
 */
export async function signInWithBrowser(options: {
  issuer: string;
  clientId: string;
  scope: string;
  port: number;
  redirectHost: string;
  openBrowser: boolean;
  tell: (line: string) => void;
  timeoutMs?: number;
}): Promise<OidcCredentials> {
  const config = await discover(options.issuer, options.clientId);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const callback = await new Promise<{
    redirectUri: string;
    result: Promise<URL>;
    close: () => void;
  }>((resolve, reject) => {
    let settle: (url: URL) => void;
    let fail: (error: Error) => void;
    const result = new Promise<URL>((res, rej) => {
      settle = res;
      fail = rej;
    });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", `http://${options.redirectHost}:${port()}`);
      if (url.pathname !== "/callback") {
        res.writeHead(404).end();
        return;
      }
      const denied = url.searchParams.get("error");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        denied
          ? "<p>Sign-in failed; see the terminal.</p>"
          : "<p>Signed in to mcpflow. You can close this tab.</p>",
      );
      if (denied) fail(new CliError(`The provider refused the sign-in: ${denied}.`, { exit: EXIT.auth }));
      else settle(url);
    });
    const port = () => (server.address() as AddressInfo).port;
    server.once("error", (error) =>
      reject(
        new CliError(`Cannot listen on 127.0.0.1:${options.port}: ${error.message}`, { exit: EXIT.error }),
      ),
    );
    server.listen(options.port, "127.0.0.1", () =>
      resolve({
        redirectUri: `http://${options.redirectHost}:${port()}/callback`,
        result,
        close: () => server.close(),
      }),
    );
  });
  try {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callback.redirectUri,
      scope: options.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    options.tell(`Open this address to sign in: ${url.href}`);
    if (options.openBrowser) openInBrowser(url.href);
    const timeoutMs = options.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const redirected = await Promise.race([
      callback.result,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CliError("No sign-in arrived within 5 minutes.", { exit: EXIT.auth })),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const tokens = await client
      .authorizationCodeGrant(config, redirected, { pkceCodeVerifier: verifier, expectedState: state })
      .catch((error: unknown) => {
        throw new CliError(`The provider did not exchange the code: ${messageOf(error)}`, {
          exit: EXIT.auth,
        });
      });
    return stored(config, tokens, { clientId: options.clientId, grant: "authorization_code" });
  } finally {
    callback.close();
  }
}

/** Client credentials (a machine client with a secret): a token now, and a new one whenever it expires. */
export async function signInAsMachine(options: {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}): Promise<OidcCredentials> {
  const config = await discover(options.issuer, options.clientId, options.clientSecret);
  const tokens = await client
    .clientCredentialsGrant(config, options.scope ? { scope: options.scope } : {})
    .catch((error: unknown) => {
      throw new CliError(`The provider refused the client credentials: ${messageOf(error)}`, {
        exit: EXIT.auth,
      });
    });
  return stored(config, tokens, {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    grant: "client_credentials",
  });
}

/** A token that is still good for a minute: the stored one, or a refreshed one (then `renewed` is what to store). */
export async function currentAccessToken(
  credentials: OidcCredentials,
): Promise<{ token: string; renewed?: OidcCredentials }> {
  if (credentials.expiresAt === undefined || credentials.expiresAt - 60 > Date.now() / 1000) {
    return { token: credentials.accessToken };
  }
  const config = configOf(credentials);
  try {
    if (credentials.grant === "client_credentials") {
      const tokens = await client.clientCredentialsGrant(config);
      const renewed = stored(config, tokens, credentials);
      return { token: renewed.accessToken, renewed };
    }
    if (!credentials.refreshToken) throw new Error("no refresh token was issued");
    const tokens = await client.refreshTokenGrant(config, credentials.refreshToken);
    const renewed = stored(config, tokens, credentials, credentials.refreshToken);
    return { token: renewed.accessToken, renewed };
  } catch (error) {
    throw new CliError(`The sign-in has expired and could not be renewed: ${messageOf(error)}`, {
      exit: EXIT.auth,
      hint: "run `mcpflow login` again",
    });
  }
}

function openInBrowser(url: string): void {
  const command =
    process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer.exe" : "xdg-open";
  import("node:child_process")
    .then(({ spawn }) => {
      const child = spawn(command, [url], { stdio: "ignore", detached: true });
      child.on("error", () => undefined);
      child.unref();
    })
    .catch(() => undefined);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
