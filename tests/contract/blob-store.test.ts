// BlobStore: the local folder adapter and the S3 adapter (on moto_server) pass the same contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe } from "vitest";
import { createFileBlobStore } from "../../shared/blobs/file-store.js";
import { createS3BlobStore } from "../../shared/blobs/s3-store.js";
import { motoAvailable, useMotoServer } from "../helpers/moto.js";
import { blobStoreContract } from "./blob-store.contract.js";

let folder = "";
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "mcpflow-blobs-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});
blobStoreContract("file store", () => createFileBlobStore(folder));

describe.skipIf(!motoAvailable)("S3 on moto_server", () => {
  const moto = useMotoServer();
  const bucket = "mcpflow-test-payloads";
  let client: S3Client;
  beforeAll(async () => {
    client = new S3Client(moto.clientConfig);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  blobStoreContract("S3", () => createS3BlobStore(bucket, client));
});
