// SecretStore: the local 0600 file adapter and the Secrets Manager adapter (on moto_server) pass the same contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe } from "vitest";
import { createFileSecretStore } from "../../shared/secrets/file-store.js";
import { createSecretsManagerStore } from "../../shared/secrets/secrets-manager-store.js";
import { motoAvailable, useMotoServer } from "../helpers/moto.js";
import { secretStoreContract } from "./secret-store.contract.js";

let folder = "";
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "mcpflow-secrets-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});
secretStoreContract("file store", () => createFileSecretStore(join(folder, "secrets.json")));

describe.skipIf(!motoAvailable)("Secrets Manager on moto_server", () => {
  const moto = useMotoServer();
  let client: SecretsManagerClient;
  beforeAll(() => {
    client = new SecretsManagerClient(moto.clientConfig);
  });
  secretStoreContract("Secrets Manager", () => createSecretsManagerStore("mcpflow/test/", client));
});
