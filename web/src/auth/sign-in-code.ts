// The local sign-in link: `npm start` prints /sign-in#code=…; the fragment never reaches a server or a Referer.
// The console takes the code out of the address bar at once (so a copied URL or the history never holds it) and
// exchanges it for a session.
import type { ApiClient } from "../../../shared/api/client/index.js";
import { unwrap } from "../api/client.js";
import type { Session } from "./session.js";

/** The code in the current URL's fragment, removed from the address bar as it is read. */
export function takeSignInCode(): string | undefined {
  const match = /(?:^#|&)code=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (!match) return undefined;
  const path = window.location.pathname === "/sign-in" ? "/" : window.location.pathname;
  window.history.replaceState(null, "", path + window.location.search);
  return match[1];
}

export async function exchangeSignInCode(client: ApiClient, code: string): Promise<Session> {
  const answer = unwrap(await client.POST("/v1/sign-in", { body: { code } }));
  return {
    kind: "token",
    value: answer.token,
    expiresAt: Date.parse(answer.expiresAt),
    source: "sign-in-code",
  };
}
