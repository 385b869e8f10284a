// How fast a revoked API key stops working when callers are answered from the keys a process checked lately
// (api-keys.ts): at once in the process that revoked it, within API_KEY_RECHECK_MS in another, at its expiry.
import { describe, expect, it } from "vitest";
import { UnauthorizedError } from "../../shared/errors.js";
import {
  API_KEY_RECHECK_MS,
  authenticateApiKey,
  createApiKey,
  revokeApiKey,
} from "../../shared/identity/api-keys.js";
import type { Caller } from "../../shared/identity/roles.js";
import { createTable, ensureTable, type Table } from "../../shared/store/table.js";
import { useDynalite } from "../helpers/dynalite.js";

const admin: Caller = { id: "user:admin", kind: "user", name: "admin", role: "admin" };
const store = useDynalite();

/** A table of its own per test; a second Table on the same name is what another process sees. */
async function freshTable(name: string): Promise<Table> {
  const table = createTable({ name, endpoint: store.endpoint });
  await ensureTable(table);
  return table;
}

describe("API keys checked lately", () => {
  it("a key revoked in this process is refused at its next request", async () => {
    const table = await freshTable("keys-here");
    const { id, key } = await createApiKey(table, { name: "ci", role: "viewer" }, admin);
    expect((await authenticateApiKey(table, key)).role).toBe("viewer");
    await revokeApiKey(table, id);
    await expect(authenticateApiKey(table, key)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("a key revoked in another process is refused within API_KEY_RECHECK_MS", async () => {
    const table = await freshTable("keys-elsewhere");
    const other = createTable({ name: table.name, endpoint: store.endpoint });
    const { id, key } = await createApiKey(table, { name: "ci", role: "editor" }, admin);
    const checkedAt = new Date();
    expect((await authenticateApiKey(table, key, checkedAt)).role).toBe("editor");
    await revokeApiKey(other, id);
    const within = new Date(checkedAt.getTime() + API_KEY_RECHECK_MS - 1);
    expect((await authenticateApiKey(table, key, within)).role).toBe("editor");
    const after = new Date(checkedAt.getTime() + API_KEY_RECHECK_MS);
    await expect(authenticateApiKey(table, key, after)).rejects.toThrow(/unknown or revoked/);
  });

  it("a kept key is refused from its expiry on, and another key with the same id never passes", async () => {
    const table = await freshTable("keys-expiry");
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 2_000).toISOString();
    const { key } = await createApiKey(table, { name: "short", role: "viewer", expiresAt }, admin);
    expect((await authenticateApiKey(table, key, now)).role).toBe("viewer");
    await expect(authenticateApiKey(table, key, new Date(Date.parse(expiresAt)))).rejects.toThrow(/expired/);
    const forged = `${key.slice(0, -4)}AAAA`;
    await expect(authenticateApiKey(table, forged, now)).rejects.toThrow(/unknown or revoked/);
  });
});
