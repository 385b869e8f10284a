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
        const scope = data[server] ?? {};
        const entry = { value, createdAt: scope[key]?.createdAt ?? now, updatedAt: now };
        data[server] = { ...scope, [key]: entry };
        await save(data);
        return meta(key, entry);
      }),
    list: async (server) => {
      const scope = (await load())[server] ?? {};
      return Object.entries(scope)
        .map(([key, entry]) => meta(key, entry))
        .sort((a, b) => a.key.localeCompare(b.key));
    },
    delete: (server, key) =>
      serialise(async () => {
        const data = await load();
        if (!data[server]?.[key]) return false;
        delete data[server][key];
        await save(data);
        return true;
      }),
    resolve: async (server, keys) => {
      const scope = (await load())[server] ?? {};
      const missing = keys.filter((key) => !scope[key]);
      if (missing.length > 0) throw new MissingSecretError(server, missing);
      return Object.fromEntries(keys.map((key) => [key, scope[key]!.value]));
    },
  };
}
