// The signed-in session: a bearer token (a local session token from a sign-in code, a pasted token, or Cognito's
// id token) or an API key, kept in this browser's localStorage so a shared link opens signed in in another tab.
import * as z from "zod/mini";

const KEY = "mcpflow.session";

export const Session = z.object({
  kind: z.enum(["token", "apiKey"]),
  value: z.string(),
  /** Epoch milliseconds; a token's `exp`. API keys have none. */
  expiresAt: z.optional(z.number()),
  /** Where the session came from, shown on the sign-out menu. */
  source: z.enum(["sign-in-code", "pasted", "cognito"]),
});
export type Session = z.infer<typeof Session>;

/** A JWT's `exp` in epoch ms, or undefined when the value is not a readable JWT (it may be an API key). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function readSession(now = Date.now()): Session | undefined {
  const raw = localStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    const session = Session.parse(JSON.parse(raw));
    if (session.expiresAt !== undefined && session.expiresAt <= now) {
      localStorage.removeItem(KEY);
      return undefined;
    }
    return session;
  } catch {
    localStorage.removeItem(KEY);
    return undefined;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

/** A pasted credential: a JWT (three dot-separated parts) is a token, anything else an API key. */
export function sessionFromPasted(value: string): Session {
  const trimmed = value.trim();
  const isJwt = trimmed.split(".").length === 3;
  const expiresAt = isJwt ? jwtExpiry(trimmed) : undefined;
  return {
    kind: isJwt ? "token" : "apiKey",
    value: trimmed,
    source: "pasted",
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}
