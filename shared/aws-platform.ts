// The AWS adapters, wired from the environment variables the CDK API stack gives every function.
import { createS3BlobStore } from "./blobs/s3-store.js";
import { createCognitoTokenVerifier } from "./identity/tokens.js";
import type { Platform } from "./platform.js";
import { createTable } from "./store/table.js";

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing environment variable ${name}; the CDK stack sets it.`);
  return value;
}

export function createAwsPlatform(env: NodeJS.ProcessEnv): Platform {
  return {
    mode: "aws",
    table: createTable({ name: required(env, "MCPFLOW_TABLE") }),
    blobs: createS3BlobStore(required(env, "MCPFLOW_BUCKET")),
    verifier: createCognitoTokenVerifier({
      userPoolId: required(env, "MCPFLOW_USER_POOL_ID"),
      clientIds: required(env, "MCPFLOW_USER_POOL_CLIENT_IDS").split(",").filter(Boolean),
    }),
  };
}
