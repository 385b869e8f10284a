// The SecretStore contract: what every adapter (local 0600 file, Secrets Manager) must do alike.
import { describe, expect, it } from "vitest";
import { MissingSecretError, SecretMetadata, type SecretStore } from "../../shared/secrets/port.js";

export function secretStoreContract(
  name: string,
  factory: () => SecretStore,
  options: { skip?: boolean } = {},
): void {
  describe.skipIf(options.skip === true)(`SecretStore contract: ${name}`, () => {
    it("resolves the value that was put, and put answers metadata without the value", async () => {
      const store = factory();
      const meta = await store.put("io.github.acme/a", "API_TOKEN", "s3cr3t-value-a");
      expect(meta).toEqual({
        key: "API_TOKEN",
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(JSON.stringify(meta)).not.toContain("s3cr3t-value-a");
      expect(await store.resolve("io.github.acme/a", ["API_TOKEN"])).toEqual({ API_TOKEN: "s3cr3t-value-a" });
    });

    it("fails to resolve a missing key with MissingSecretError naming the key, never a value", async () => {
      const store = factory();
      await store.put("io.github.acme/b", "PRESENT", "present-value");
      const error = await store.resolve("io.github.acme/b", ["PRESENT", "ABSENT"]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingSecretError);
      expect((error as MissingSecretError).keys).toEqual(["ABSENT"]);
      expect((error as Error).message).toContain("ABSENT");
      expect((error as Error).message).not.toContain("present-value");
    });

    it("lists the server's keys sorted, with names and dates only, and no other server's keys", async () => {
      const store = factory();
      await store.put("io.github.acme/c", "ZETA", "z-value");
      await store.put("io.github.acme/c", "ALPHA", "a-value");
      await store.put("io.github.acme/c", "MID", "m-value");
      await store.put("io.github.acme/c-other", "OTHER", "o-value");
      const listed = await store.list("io.github.acme/c");
      expect(listed.map((s) => s.key)).toEqual(["ALPHA", "MID", "ZETA"]);
      for (const entry of listed) {
        expect(Object.keys(entry).sort()).toEqual(["createdAt", "key", "updatedAt"]);
        expect(SecretMetadata.parse(entry)).toEqual(entry);
        expect(Number.isNaN(Date.parse(entry.createdAt))).toBe(false);
      }
      expect(JSON.stringify(listed)).not.toMatch(/[zam]-value/);
      expect(await store.list("io.github.acme/nobody")).toEqual([]);
    });

    it("keeps createdAt when a key is overwritten, and resolves the new value", async () => {
      const store = factory();
      const first = await store.put("io.github.acme/d", "TOKEN", "old-value");
      await new Promise((resolve) => setTimeout(resolve, 1100)); // Secrets Manager dates have second precision
      const second = await store.put("io.github.acme/d", "TOKEN", "new-value");
      expect(second.createdAt).toBe(first.createdAt);
      expect(Date.parse(second.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.updatedAt));
      expect(await store.resolve("io.github.acme/d", ["TOKEN"])).toEqual({ TOKEN: "new-value" });
      expect((await store.list("io.github.acme/d")).map((s) => s.createdAt)).toEqual([first.createdAt]);
    });

    it("deletes a key (true), and answers false when there was nothing to delete", async () => {
      const store = factory();
      await store.put("io.github.acme/e", "GONE", "gone-value");
      expect(await store.delete("io.github.acme/e", "GONE")).toBe(true);
      expect(await store.list("io.github.acme/e")).toEqual([]);
      await expect(store.resolve("io.github.acme/e", ["GONE"])).rejects.toBeInstanceOf(MissingSecretError);
      expect(await store.delete("io.github.acme/e", "GONE")).toBe(false);
      expect(await store.delete("io.github.acme/never", "NEVER")).toBe(false);
    });

    it("knows no secret it was not given, whatever its name: constructor, toString, __proto__ (issue 11, point 9)", async () => {
      const store = factory();
      await store.put("io.github.acme/f", "PRESENT", "present-value");
      for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        for (const server of ["io.github.acme/f", "io.github.acme/empty"]) {
          const error = await store.resolve(server, [key]).catch((e: unknown) => e);
          expect(error, `${server} ${key}`).toBeInstanceOf(MissingSecretError);
          expect((error as MissingSecretError).keys).toEqual([key]);
          expect(await store.delete(server, key), `${server} ${key}`).toBe(false);
        }
      }
      expect((await store.list("io.github.acme/f")).map((s) => s.key)).toEqual(["PRESENT"]);
      await store.put("io.github.acme/f", "constructor", "named-constructor");
      expect(await store.resolve("io.github.acme/f", ["constructor"])).toEqual({
        constructor: "named-constructor",
      });
    });
  });
}
