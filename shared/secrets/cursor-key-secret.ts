// The page cursors' signing keys on AWS: one Secrets Manager secret the API stack generates, read once per Lambda
// container (its AWSCURRENT value signs, its AWSPREVIOUS value is still accepted), only by the functions that list.
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { lazyClient } from "../aws/lazy-client.js";
import { type CursorKeyring, cursorKeyring } from "../store/signed-cursor.js";

const sdk = () => import("@aws-sdk/client-secrets-manager");

/** A cursor naming a key this container lacks reads the secret again, but not more often than this. */
const RELOAD_AFTER_MS = 60_000;

export function createSecretCursorKeys(
  secretId: () => string,
  client: Pick<SecretsManagerClient, "send"> = lazyClient(() =>
    sdk().then((m) => new m.SecretsManagerClient({})),
  ),
  now: () => number = Date.now,
): (wanted?: string) => Promise<CursorKeyring> {
  let loading: Promise<CursorKeyring> | undefined;
  let loadedAt = 0;

  const read = async (stage: "AWSCURRENT" | "AWSPREVIOUS"): Promise<string | undefined> => {
    const { GetSecretValueCommand } = await sdk();
    try {
      const answer = await client.send(
        new GetSecretValueCommand({ SecretId: secretId(), VersionStage: stage }),
      );
      return answer.SecretString;
    } catch (error) {
      // A secret never rotated has no AWSPREVIOUS version.
      if (stage === "AWSPREVIOUS" && (error as Error).name === "ResourceNotFoundException") return undefined;
      throw error;
    }
  };
  const load = async (): Promise<CursorKeyring> => {
    const [current, previous] = await Promise.all([read("AWSCURRENT"), read("AWSPREVIOUS")]);
    if (!current) throw new Error("The cursor key secret has no string value.");
    return cursorKeyring(current, previous && previous !== current ? [previous] : []);
  };

  return async (wanted) => {
    if (loading && wanted !== undefined && now() - loadedAt >= RELOAD_AFTER_MS) {
      const keys = await loading.catch(() => undefined);
      const known = keys && [keys.current, ...keys.previous].some((key) => key.id === wanted);
      if (!known) loading = undefined;
    }
    if (!loading) {
      loadedAt = now();
      loading = load().catch((error: unknown) => {
        // Not kept: the next request reads the secret again instead of failing for the container's life.
        loading = undefined;
        throw error;
      });
    }
    return loading;
  };
}
