// A small OAuth 2.0 / OpenID Connect provider on 127.0.0.1 for the CLI's sign-in tests (Cognito cannot run here):
// discovery, authorization code with PKCE (S256 only; the authorize endpoint approves at once, as a person who
// signs in would), client credentials (client_secret_post or basic), refresh tokens, and a JWKS for its id tokens.
// The access tokens it hands out are whatever the test gives it (tokens the embedded platform accepts).
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export interface OidcProviderOptions {
  publicClient: string;
  machineClient: { id: string; secret: string };
  /** The access token each grant answers (called per request). */
  accessToken(grant: "authorization_code" | "client_credentials" | "refresh_token"): Promise<string>;
  expiresIn?: number;
}

export interface OidcProvider {
  issuer: string;
  /** What the token endpoint saw: grant types, in order, and the failures it answered. */
  grants: string[];
  refused: string[];
  stop(): Promise<void>;
}

const base64url = (bytes: Buffer) => bytes.toString("base64url");

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test", alg: "RS256", use: "sig" };
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  const refreshTokens = new Set<string>();
  const grants: string[] = [];
  const refused: string[] = [];
  let issuer = "";

  const idToken = (clientId: string) =>
    new SignJWT({ email: "ada@example.com" })
      .setProtectedHeader({ alg: "RS256", kid: "test" })
      .setIssuer(issuer)
      .setAudience(clientId)
      .setSubject("user-ada")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(value));
    };
    const refuse = (error: string, why: string) => {
      refused.push(why);
      json(400, { error, error_description: why });
    };
    try {
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ["code"],
          grant_types_supported: ["authorization_code", "client_credentials", "refresh_token"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["none", "client_secret_post", "client_secret_basic"],
          id_token_signing_alg_values_supported: ["RS256"],
          subject_types_supported: ["public"],
          scopes_supported: ["openid", "email"],
        });
      }
      if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
      if (url.pathname === "/authorize") {
        const q = url.searchParams;
        const redirectUri = q.get("redirect_uri") ?? "";
        if (q.get("client_id") !== options.publicClient)
          return refuse("unauthorized_client", "unknown client");
        if (q.get("response_type") !== "code") return refuse("unsupported_response_type", "code only");
        if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge"))
          return refuse("invalid_request", "PKCE S256 is required");
        if (!/^http:\/\/(localhost|127\.0\.0\.1):\d+\/callback$/.test(redirectUri))
          return refuse("invalid_request", "redirect_uri must be a loopback callback");
        const code = randomUUID();
        codes.set(code, { challenge: q.get("code_challenge")!, redirectUri, clientId: options.publicClient });
        const to = new URL(redirectUri);
        to.searchParams.set("code", code);
        to.searchParams.set("state", q.get("state") ?? "");
        res.writeHead(302, { location: to.href });
        return res.end();
      }
      if (url.pathname === "/token" && req.method === "POST") {
        const form = await body(req);
        const grant = form.get("grant_type") ?? "";
        let clientId = form.get("client_id");
        let secret = form.get("client_secret");
        const basic = req.headers.authorization?.match(/^Basic (.+)$/)?.[1];
        if (basic) {
          const [id, pass] = Buffer.from(basic, "base64").toString().split(":");
          clientId = decodeURIComponent(id ?? "");
          secret = decodeURIComponent(pass ?? "");
        }
        grants.push(grant);
        const expires_in = options.expiresIn ?? 3600;
        if (grant === "authorization_code") {
          const code = codes.get(form.get("code") ?? "");
          codes.delete(form.get("code") ?? "");
          if (!code) return refuse("invalid_grant", "unknown or used code");
          if (form.get("redirect_uri") !== code.redirectUri)
            return refuse("invalid_grant", "redirect_uri differs");
          if (clientId !== code.clientId) return refuse("invalid_client", "client differs");
          const verifier = form.get("code_verifier") ?? "";
          if (base64url(createHash("sha256").update(verifier).digest()) !== code.challenge)
            return refuse("invalid_grant", "PKCE verifier does not match the challenge");
          const refresh = randomUUID();
          refreshTokens.add(refresh);
          return json(200, {
            access_token: await options.accessToken("authorization_code"),
            token_type: "Bearer",
            expires_in,
            refresh_token: refresh,
            id_token: await idToken(code.clientId),
          });
        }
        if (grant === "client_credentials") {
          if (clientId !== options.machineClient.id || secret !== options.machineClient.secret)
            return json(401, { error: "invalid_client" });
          return json(200, {
            access_token: await options.accessToken("client_credentials"),
            token_type: "Bearer",
            expires_in,
          });
        }
        if (grant === "refresh_token") {
          if (!refreshTokens.has(form.get("refresh_token") ?? ""))
            return refuse("invalid_grant", "unknown refresh token");
          return json(200, {
            access_token: await options.accessToken("refresh_token"),
            token_type: "Bearer",
            expires_in,
          });
        }
        return refuse("unsupported_grant_type", grant);
      }
      res.writeHead(404).end();
    } catch (error) {
      json(500, { error: "server_error", error_description: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    grants,
    refused,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
