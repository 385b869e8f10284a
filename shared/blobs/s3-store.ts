// The AWS blob store: one object per key in the payload bucket (encrypted, TLS-only, lifecycle-managed by CDK).
import type { S3Client } from "@aws-sdk/client-s3";
import { lazyClient } from "../aws/lazy-client.js";
import { assertBlobKey, type BlobStore } from "./port.js";

/** The SDK package, imported at the first call (shared/aws/lazy-client.ts). */
const sdk = () => import("@aws-sdk/client-s3");

export function createS3BlobStore(
  bucket: string,
  client: Pick<S3Client, "send"> = lazyClient(() => sdk().then((m) => new m.S3Client({}))),
): BlobStore {
  return {
    async put(key, body, contentType) {
      assertBlobKey(key);
      const { PutObjectCommand } = await sdk();
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async get(key) {
      assertBlobKey(key);
      const { GetObjectCommand } = await sdk();
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if ((error as Error).name === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async delete(key) {
      assertBlobKey(key);
      const { DeleteObjectCommand } = await sdk();
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
