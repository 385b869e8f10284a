// Where the runner puts tool outputs too large for a Step Functions payload (256 KiB): S3 on AWS, a folder locally.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

export interface BlobWriter {
  put(key: string, bytes: Uint8Array, options?: { contentType?: string }): Promise<void>;
}

export function s3BlobWriter(s3: Pick<S3Client, "send">, bucket: string): BlobWriter {
  return {
    async put(key, bytes, options = {}) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          // Encryption at rest is the bucket's default setting, not the runner's choice.
          ContentType: options.contentType,
        }),
      );
    },
  };
}

export function folderBlobWriter(root: string): BlobWriter {
  const base = resolve(root);
  return {
    async put(key, bytes) {
      const path = resolve(join(base, key));
      if (!path.startsWith(base + sep)) throw new Error(`blob key escapes the blob folder: ${key}`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    },
  };
}
