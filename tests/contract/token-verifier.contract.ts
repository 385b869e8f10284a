// The TokenVerifier contract: the local issuer and Cognito resolve callers alike (groups → the strongest role)
// and refuse forged or malformed tokens with UnauthorizedError.
import { describe, expect, it } from "vitest";
import { UnauthorizedError } from "../../shared/errors.js";
import type { TokenVerifier } from "../../shared/identity/tokens.js";

export interface TokenSource {
  verifier: TokenVerifier;
  /** A valid token for `username` in `groups`, as the identity provider issues it. */
  tokenFor(username: string, groups: string[]): Promise<string>;
}

function forge(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

export function tokenVerifierContract(name: string, source: () => TokenSource): void {
  describe(`TokenVerifier contract: ${name}`, () => {
    it("resolves a user in group editor to a user caller with role editor", async () => {
      const { verifier, tokenFor } = source();
      const caller = await verifier.verify(await tokenFor("contract-edith", ["editor"]));
      expect(caller).toMatchObject({ kind: "user", name: "contract-edith", role: "editor" });
      expect(caller.id).toMatch(/^user:/);
    });

    it("takes the strongest of several groups, and gives no role to a user in none of ours", async () => {
      const { verifier, tokenFor } = source();
      expect((await verifier.verify(await tokenFor("contract-vera", ["viewer", "operator"]))).role).toBe(
        "operator",
      );
      expect((await verifier.verify(await tokenFor("contract-none", []))).role).toBeUndefined();
    });

    it("refuses a token whose claims were changed after signing (groups raised to admin)", async () => {
      const { verifier, tokenFor } = source();
      const forged = forge(await tokenFor("contract-mallory", ["viewer"]), (claims) => {
        claims["cognito:groups"] = ["admin"];
      });
      await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnauthorizedError);
    });

    it("answers a token it verified before alike, and still refuses a forged copy of it", async () => {
      const { verifier, tokenFor } = source();
      const token = await tokenFor("contract-kept", ["viewer"]);
      const first = await verifier.verify(token);
      expect(await verifier.verify(token)).toEqual(first);
      const forged = forge(token, (claims) => {
        claims["cognito:groups"] = ["admin"];
      });
      await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(await verifier.verify(token)).toEqual(first);
    });

    it("refuses malformed tokens and unsigned ones", async () => {
      const { verifier, tokenFor } = source();
      await expect(verifier.verify("not-a-jwt")).rejects.toBeInstanceOf(UnauthorizedError);
      const [, payload] = (await tokenFor("contract-none2", ["viewer"])).split(".");
      const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
      await expect(verifier.verify(unsigned)).rejects.toBeInstanceOf(UnauthorizedError);
    });
  });
}
