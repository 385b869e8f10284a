// A sign-in that arrives with the page load — the local one-time link (/sign-in#code=…) or Cognito's redirect
// back (/auth/callback?code=…&state=…) — is completed before the console renders, exactly once per load: the
// code is taken out of the address bar first, then exchanged, and the session saved.
import { clientFor } from "../api/client.js";
import type { RuntimeConfig } from "../config.js";
import { saveSession } from "./session.js";
import { exchangeSignInCode, takeSignInCode } from "./sign-in-code.js";

/** Completes a pending sign-in; answers a message when it failed (shown on the sign-in page). */
export async function completePendingSignIn(config: RuntimeConfig): Promise<string | undefined> {
  try {
    if (config.auth.kind === "cognito" && window.location.pathname === "/auth/callback") {
      const { completeCognitoSignIn } = await import("./cognito.js");
      const { session, returnTo } = await completeCognitoSignIn(config.auth);
      saveSession(session);
      window.history.replaceState(null, "", returnTo);
      return undefined;
    }
    const code = takeSignInCode();
    if (!code) return undefined;
    saveSession(await exchangeSignInCode(clientFor(config.apiUrl, undefined), code));
    return undefined;
  } catch (error) {
    if (window.location.pathname === "/auth/callback") window.history.replaceState(null, "", "/");
    return `The sign-in link did not work: ${error instanceof Error ? error.message : String(error)}`;
  }
}
