// The BlobStore contract: what every adapter (local folder, S3) must do alike. Called once per adapter.
import { describe, expect, it } from "vitest";
import type { BlobStore } from "../../shared/blobs/port.js";

export function blobStoreContract(
  name: string,
  factory: () => BlobStore,
  options: { skip?: boolean } = {},
): void {
  describe.skipIf(options.skip === true)(`BlobStore contract: ${name}`, () => {
    const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString("utf8") : undefined);

    it("returns what was put, as bytes, for string and binary bodies", async () => {
      const store = factory();
      await store.put("runs/r1/output.json", '{"ok":true}', "application/json");
      expect(text(await store.get("runs/r1/output.json"))).toBe('{"ok":true}');
      const binary = new Uint8Array([0, 1, 2, 254, 255]);
      await store.put("runs/r1/blob.bin", binary);
      expect(await store.get("runs/r1/blob.bin")).toEqual(binary);
    });

    it("answers undefined for a key that was never put", async () => {
      expect(await factory().get("runs/none/missing.json")).toBeUndefined();
    });

    it("overwrites a key with the newer body", async () => {
      const store = factory();
      await store.put("runs/r2/steps/a.json", "first");
      await store.put("runs/r2/steps/a.json", "second");
      expect(text(await store.get("runs/r2/steps/a.json"))).toBe("second");
    });

    it("deletes a key, and deleting a missing key is not an error", async () => {
      const store = factory();
      await store.put("runs/r3/x.json", "x");
      await store.delete("runs/r3/x.json");
      expect(await store.get("runs/r3/x.json")).toBeUndefined();
      await expect(store.delete("runs/r3/x.json")).resolves.toBeUndefined();
    });

    it("keeps an empty body apart from a missing key", async () => {
      const store = factory();
      await store.put("runs/r4/empty.txt", "");
      expect(await store.get("runs/r4/empty.txt")).toEqual(new Uint8Array());
    });

    it("refuses keys that could escape their folder", async () => {
      const store = factory();
      for (const key of ["../etc/passwd", "runs/../../x", "/abs", "runs//double", ""]) {
        await expect(store.put(key, "x")).rejects.toThrow(/Invalid blob key/);
        await expect(store.get(key)).rejects.toThrow(/Invalid blob key/);
      }
    });
  });
}
