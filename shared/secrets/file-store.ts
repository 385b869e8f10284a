// The local secret store: one JSON file, mode 0600, rewritten atomically; writes are serialised in-process.
import { randomUUID } from "node:crypto";
import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { MissingSecretError, type SecretMetadata, type SecretStore } from "./port.js";

interface Entry {
  value: string;
  createdAt: string;
  updatedAt: string;
}
type FileShape = Record<string, Record<string, Entry>>;

export function createFileSecretStore(path: string): SecretStore {
  let queue: Promise<unknown> = Promise.resolve();
  const serialise = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const load = async (): Promise<FileShape> => {
    try {
      return JSON.parse(await readFile(path, "utf8")) as FileShape;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
  };
  const save = async (data: FileShape) => {
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeFile(temp, JSON.stringify(data), { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  };
  // Own keys only: a secret named `constructor` or `toString` that was never set must not be found on the prototype.
  const scopeOf = (data: FileShape, server: string): Record<string, Entry> =>
    Object.hasOwn(data, server) ? data[server]! : {};
  const entryOf = (scope: Record<string, Entry>, key: string): Entry | undefined =>
    Object.hasOwn(scope, key) ? scope[key] : undefined;
  const meta = (key: string, entry: Entry): SecretMetadata => ({
    key,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  });

  return {
    put: (server, key, value) =>
      serialise(async () => {
        const data = await load();
        const now = new Date().toISOString();
        const scope = scopeOf(data, server);
        const entry = { value, createdAt: entryOf(scope, key)?.createdAt ?? now, updatedAt: now };
        Object.defineProperty(data, server, {
          value: { ...scope, [key]: entry },
          enumerable: true,
          writable: true,
          configurable: true,
        });
        await save(data);
        return meta(key, entry);
      }),
    list: async (server) => {
      const scope = scopeOf(await load(), server);
      return Object.entries(scope)
        .map(([key, entry]) => meta(key, entry))
        .sort((a, b) => a.key.localeCompare(b.key));
    },
    delete: (server, key) =>
      serialise(async () => {
        const data = await load();
        const scope = scopeOf(data, server);
        if (!entryOf(scope, key)) return false;
        delete scope[key];
        await save(data);
        return true;
      }),
    resolve: async (server, keys) => {
      const scope = scopeOf(await load(), server);
      const missing = keys.filter((key) => !entryOf(scope, key));
      if (missing.length > 0) throw new MissingSecretError(server, missing);
      return Object.fromEntries(keys.map((key) => [key, entryOf(scope, key)!.value]));
    },
  };
}
