// The console's runtime configuration, read from `/config.json` before anything renders: the embedded platform
// serves it, and on AWS the web stack writes it beside the static files, so one build serves every stage.
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

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return RuntimeConfig.parse(await response.json());
}
