// Secrets Manager under one prefix per stage: `<prefix><server name>/<key>`. ECS tasks get them as container
// `secrets`, so the values never pass through Step Functions or the API.
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { lazyClient } from "../aws/lazy-client.js";
import { MissingSecretError, type SecretMetadata, type SecretStore } from "./port.js";

/** The SDK package, imported at the first call (shared/aws/lazy-client.ts). */
const sdk = () => import("@aws-sdk/client-secrets-manager");

export function createSecretsManagerStore(
  prefix: string,
  client: Pick<SecretsManagerClient, "send"> = lazyClient(() =>
    sdk().then((m) => new m.SecretsManagerClient({})),
  ),
): SecretStore {
  const nameOf = (server: string, key: string) => `${prefix}${server}/${key}`;
  return {
    async put(server, key, value) {
      const name = nameOf(server, key);
      const { CreateSecretCommand, PutSecretValueCommand } = await sdk();
      try {
        await client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: value,
            Tags: [{ Key: "mcpflow:server", Value: server }],
          }),
        );
      } catch (error) {
        if ((error as Error).name !== "ResourceExistsException") throw error;
        await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      }
      const now = new Date().toISOString();
      const listed = (await this.list(server)).find((entry) => entry.key === key);
      return listed ?? { key, createdAt: now, updatedAt: now };
    },
    async list(server) {
      const scope = `${prefix}${server}/`;
      const { ListSecretsCommand } = await sdk();
      const found: SecretMetadata[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListSecretsCommand({
            Filters: [{ Key: "name", Values: [scope] }],
            NextToken: token,
            MaxResults: 100,
          }),
        );
        for (const secret of page.SecretList ?? []) {
          if (!secret.Name?.startsWith(scope) || secret.DeletedDate) continue;
          const created = secret.CreatedDate?.toISOString() ?? new Date(0).toISOString();
          found.push({
            key: secret.Name.slice(scope.length),
            createdAt: created,
            updatedAt: secret.LastChangedDate?.toISOString() ?? created,
          });
        }
        token = page.NextToken;
      } while (token);
      return found.sort((a, b) => a.key.localeCompare(b.key));
    },
    async delete(server, key) {
      const { DeleteSecretCommand, DescribeSecretCommand } = await sdk();
      try {
        // With ForceDeleteWithoutRecovery, DeleteSecret succeeds for a secret that does not exist; ask first.
        await client.send(new DescribeSecretCommand({ SecretId: nameOf(server, key) }));
        await client.send(
          new DeleteSecretCommand({ SecretId: nameOf(server, key), ForceDeleteWithoutRecovery: true }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === "ResourceNotFoundException") return false;
        throw error;
      }
    },
    async resolve(server, keys) {
      const values: Record<string, string> = {};
      const missing: string[] = [];
      const { GetSecretValueCommand } = await sdk();
      for (const key of keys) {
        try {
          const result = await client.send(new GetSecretValueCommand({ SecretId: nameOf(server, key) }));
          if (result.SecretString === undefined) missing.push(key);
          else values[key] = result.SecretString;
        } catch (error) {
          if ((error as Error).name === "ResourceNotFoundException") missing.push(key);
          else throw error;
        }
      }
      if (missing.length > 0) throw new MissingSecretError(server, missing);
      return values;
    },
  };
}
