// A run's host key (decision 0008): drawn at the run's start, kept in the run's record for the step executor, and
// given to the run's server tasks only as its SHA-256, so that the history, the events API and DescribeTasks show
// the hash and never the key.
import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: what the step executor sends as `Authorization: Bearer <key>`. */
export function newHostKey(): string {
  return randomBytes(32).toString("base64url");
}

/** The digest a host compares a presented key with (functions/runner/host.ts). */
export function hostKeyDigest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

/** MCPFLOW_HOST_KEY_SHA256: the digest as 64 lowercase hex digits. */
export function hostKeySha256(key: string): string {
  return hostKeyDigest(key).toString("hex");
}
