// The console's runtime configuration, as `/config.json` carries it: the embedded platform serves it, and on AWS the
// web-content stack writes it at deploy time (its infra test parses what it writes with this schema).
import * as z from "zod/mini";

export const RuntimeConfig = z.object({
  /** The API's base URL without `/v1`; empty when the API is on the console's own origin. */
  apiUrl: z._default(z.string(), ""),
  auth: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("local") }),
    z.object({
      kind: z.literal("cognito"),
      /** The user pool's issuer, https://cognito-idp.<region>.amazonaws.com/<poolId>. */
      authority: z.string(),
      clientId: z.string(),
      /** The hosted UI's domain, for sign-out. */
      domain: z.string(),
    }),
  ]),
  /** The AWS region, for links into the AWS consoles; absent locally. */
  region: z.optional(z.string()),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;
