// Cognito's hosted UI with the authorization code flow and PKCE (oidc-client-ts): the console is a public client
// with no secret; the code comes back to /auth/callback and is exchanged in the browser. The id token carries the
// groups (roles) and is what the API verifies. Loaded only on AWS, when someone signs in.
import { UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { RuntimeConfig } from "../config.js";
import type { Session } from "./session.js";

export const CALLBACK_PATH = "/auth/callback";

type CognitoConfig = Extract<RuntimeConfig["auth"], { kind: "cognito" }>;

function manager(auth: CognitoConfig): UserManager {
  return new UserManager({
    authority: auth.authority,
    client_id: auth.clientId,
    redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
    post_logout_redirect_uri: window.location.origin,
    response_type: "code",
    scope: "openid email profile",
    // The PKCE verifier and state live for the redirect only.
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** Leaves for the hosted UI; the page the user was on comes back in the state. */
export async function startCognitoSignIn(auth: CognitoConfig): Promise<void> {
  await manager(auth).signinRedirect({
    state: { returnTo: window.location.pathname + window.location.search },
  });
}

/** On /auth/callback: exchanges the code (with the PKCE verifier) and answers the session and where to go. */
export async function completeCognitoSignIn(
  auth: CognitoConfig,
): Promise<{ session: Session; returnTo: string }> {
  const user = await manager(auth).signinRedirectCallback();
  const state = user.state as { returnTo?: string } | undefined;
  const returnTo =
    state?.returnTo?.startsWith("/") && !state.returnTo.startsWith("//") ? state.returnTo : "/";
  return {
    session: {
      kind: "token",
      value: user.id_token ?? user.access_token,
      ...(user.expires_at ? { expiresAt: user.expires_at * 1000 } : {}),
      source: "cognito",
    },
    returnTo,
  };
}

/** Cognito's logout endpoint ends the hosted UI's own session too. */
export function cognitoSignOutUrl(auth: CognitoConfig): string {
  const url = new URL("/logout", auth.domain);
  url.searchParams.set("client_id", auth.clientId);
  url.searchParams.set("logout_uri", window.location.origin);
  return url.toString();
}
