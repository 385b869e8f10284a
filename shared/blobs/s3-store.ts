// The AWS blob store: one object per key in the payload bucket (encrypted, TLS-only, lifecycle-managed by CDK).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { assertBlobKey, type BlobStore } from "./port.js";

export function createS3BlobStore(bucket: string, client = new S3Client({})): BlobStore {
  return {
    async put(key, body, contentType) {
      assertBlobKey(key);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async get(key) {
      assertBlobKey(key);
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (error instanceof NoSuchKey || (error as Error).name === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async delete(key) {
      assertBlobKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
