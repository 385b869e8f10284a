// The page cursors' key on AWS, against Secrets Manager on moto_server: read once per container (AWSCURRENT signs,
// AWSPREVIOUS is still accepted after a rotation), read again only when a cursor names a key the container lacks,
// and a failed read is not kept.
import {
  CreateSecretCommand,
  type GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import { createSecretCursorKeys } from "../../../shared/secrets/cursor-key-secret.js";
import { cursorKey, newCursorSecret, openCursor, sealCursor } from "../../../shared/store/signed-cursor.js";
import { motoAvailable, useMotoServer } from "../../helpers/moto.js";

describe.skipIf(!motoAvailable)("cursor keys from Secrets Manager (moto_server)", () => {
  const moto = useMotoServer();
  let client: SecretsManagerClient;
  /** Counts GetSecretValue calls, to see how often the secret is read. */
  let reads: string[];
  let counting: Pick<SecretsManagerClient, "send">;

  beforeAll(() => {
    client = new SecretsManagerClient(moto.clientConfig);
    reads = [];
    counting = {
      send: ((command: GetSecretValueCommand) => {
        reads.push(command.input.VersionStage ?? "AWSCURRENT");
        return client.send(command);
      }) as SecretsManagerClient["send"],
    };
  });

  async function createSecret(name: string, value: string): Promise<string> {
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return created.ARN!;
  }

  it("reads the secret once per container, a never-rotated secret having no previous key", async () => {
    const first = newCursorSecret();
    const arn = await createSecret("mcpflow-test-cursor-key-once", first);
    reads = [];
    const keys = createSecretCursorKeys(() => arn, counting);
    const ring = await keys();
    expect(ring.current.id).toBe(cursorKey(first).id);
    expect(ring.previous).toEqual([]);
    await keys();
    await keys(ring.current.id);
    expect(reads.sort()).toEqual(["AWSCURRENT", "AWSPREVIOUS"]);
  });

  it("after a rotation (a new value put), signs with the new key and still opens cursors of the old one", async () => {
    const old = newCursorSecret();
    const arn = await createSecret("mcpflow-test-cursor-key-rotated", old);
    const before = await createSecretCursorKeys(() => arn, client)();
    const cursor = sealCursor(before, "listRuns", "eyJvIjozfQ");

    const next = newCursorSecret();
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: next }));
    const after = await createSecretCursorKeys(() => arn, client)();
    expect(after.current.id).toBe(cursorKey(next).id);
    expect(after.previous.map((key) => key.id)).toEqual([cursorKey(old).id]);
    expect(openCursor(after, "listRuns", cursor)).toBe("eyJvIjozfQ");
  });

  it("a warm container reads again when a cursor names a key it lacks, at most once a minute", async () => {
    const arn = await createSecret("mcpflow-test-cursor-key-warm", newCursorSecret());
    let clock = 0;
    reads = [];
    const warm = createSecretCursorKeys(
      () => arn,
      counting,
      () => clock,
    );
    const stale = await warm();
    // Another container saw the rotation first and signed with the new key.
    const next = newCursorSecret();
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: next }));
    const newId = cursorKey(next).id;
    clock = 30_000;
    expect((await warm(newId)).current.id).toBe(stale.current.id);
    clock = 61_000;
    expect((await warm(newId)).current.id).toBe(newId);
    // A made-up key id does not make it read on every request.
    clock = 62_000;
    await warm("forged00");
    await warm("forged01");
    expect(reads).toHaveLength(4);
  });

  it("does not keep a failed read: the next request reads again", async () => {
    let name = "mcpflow-test-cursor-key-missing";
    const keys = createSecretCursorKeys(() => name, client);
    await expect(keys()).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const value = newCursorSecret();
    name = await createSecret("mcpflow-test-cursor-key-late", value);
    expect((await keys()).current.id).toBe(cursorKey(value).id);
  });
});
