// Absolute paths the CDK app needs, resolved from this file so synth works from any working directory.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** API areas, each one Lambda function behind `/v1/<route>` resources. */
export const API_AREAS = [
  "registry",
  "registry-sync",
  "workflows",
  "runs",
  "mcds",
  "search",
  "identity",
  "meta",
] as const;
export type ApiArea = (typeof API_AREAS)[number];

export function entryPath(relative: string): string {
  const path = join(repoRoot, relative);
  if (!existsSync(path)) throw new Error(`Lambda entry ${relative} does not exist`);
  return path;
}

/**
 * The runner image is built with the repository root as Docker context (the runner imports `shared/`), from
 * `functions/runner/Dockerfile`. Only these paths are in the context, so synth stages a few hundred KB, not the repo.
 */
export const RUNNER_DOCKERFILE = "functions/runner/Dockerfile";
export const RUNNER_CONTEXT_INCLUDES = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "shared/**",
  "functions/runner/**",
] as const;
