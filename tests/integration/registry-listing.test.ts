// The registry's listing index and heads on the embedded store (dynalite): each write keeps the head and the
// listing partitions in line (create, new version, status change, delete, approval, grant), a write that stopped
// between its commit and its projection is repaired by the next read, pages follow the API's order, filters and
// cursor over many pages, and a get or a page costs one store call whatever the registry's size.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Caller } from "../../shared/identity/roles.js";
import { approveRuntime } from "../../shared/registry/approval.js";
import { PENDING_GRACE_MS, readHead } from "../../shared/registry/head-projection.js";
import { CHECK_MS, ListingSnapshot, listingSnapshot } from "../../shared/registry/listing-snapshot.js";
import { runtimeDigest, runtimeSubject } from "../../shared/registry/runtime-digest.js";
import { POLICY_KEY } from "../../shared/registry/runtime-policy.js";
import type { ServerDocument, ServerListQuery } from "../../shared/registry/schema.js";
import { grantSecret } from "../../shared/registry/secret-grants.js";
import { RegistryReads } from "../../shared/registry/server-reads.js";
import { Registry } from "../../shared/registry/service.js";
import { createTable, ensureTable, type Table } from "../../shared/store/table.js";
import { useDynalite } from "../helpers/dynalite.js";

const caller: Caller = { id: "user:listing", kind: "user", name: "listing", role: "admin" };
const store = useDynalite();

/** A table of its own per test: the listing snapshot and the policy cache are per Table object, as per process. */
async function freshTable(name: string): Promise<Table> {
  const table = createTable({ name, endpoint: store.endpoint });
  await ensureTable(table);
  return table;
}

/** The same table through another client: what another process (another Lambda container) sees. */
function otherProcess(table: Table): Table {
  return createTable({ name: table.name, endpoint: store.endpoint });
}

/**
 * Counts the store calls made through a table, by command name; reads of the runtime policy aside (gets and pages
 * show it from a copy renewed every DISPLAYED_POLICY_MS, runtime-policy.ts).
 */
function counting(table: Table): { table: Table; calls: string[] } {
  const counted = createTable({ name: table.name, endpoint: store.endpoint });
  const calls: string[] = [];
  counted.doc.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: Record<string, unknown> }).Key;
      if (key?.pk !== POLICY_KEY.pk || key?.sk !== POLICY_KEY.sk) calls.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "countCalls" },
  );
  return { table: counted, calls };
}

function doc(name: string, version: string, extra: Partial<ServerDocument> = {}): ServerDocument {
  return {
    name,
    version,
    description: `${name} ${version}`,
    runtime: {
      transport: "stdio",
      command: "node",
      args: ["server.js"],
      env: { TOKEN: { secret: "TOKEN" } },
    },
    ...extra,
  } as ServerDocument;
}

async function partition(table: Table, key: string): Promise<{ sk: string; revision: number }[]> {
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `SERVER_LIST#${key}` },
    }),
  );
  return (result.Items ?? []) as { sk: string; revision: number }[];
}

async function partitionsOf(table: Table, name: string, keys: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of keys) if ((await partition(table, key)).some((item) => item.sk === name)) found.push(key);
  return found;
}

async function rawHead(table: Table, name: string): Promise<Record<string, unknown> | undefined> {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: { pk: `SERVER#${name}`, sk: "HEAD" } }),
  );
  return result.Item;
}

const query = (q: Partial<ServerListQuery> = {}): ServerListQuery => ({ limit: 30, ...q });

describe("index maintenance", () => {
  const KEYS = [
    "ALL",
    "LIVE",
    "STATUS#active",
    "STATUS#deprecated",
    "STATUS#deleted",
    "TAG#a",
    "TAG#b",
    "CATEGORY#one",
    "CATEGORY#two",
  ];

  it("create, new version, status change and delete move the server between partitions", async () => {
    const table = await freshTable("maintenance");
    const registry = new Registry(table);
    const name = "io.test/moving";

    await registry.publish(doc(name, "1.0.0", { tags: ["a"], category: "one" }), caller);
    expect(await partitionsOf(table, name, KEYS)).toEqual([
      "ALL",
      "LIVE",
      "STATUS#active",
      "TAG#a",
      "CATEGORY#one",
    ]);

    await registry.publish(doc(name, "1.1.0", { tags: ["b"], category: "two" }), caller);
    expect(await partitionsOf(table, name, KEYS)).toEqual([
      "ALL",
      "LIVE",
      "STATUS#active",
      "TAG#b",
      "CATEGORY#two",
    ]);
    const [item] = (await partition(table, "TAG#b")) as unknown as {
      record: { server: { version: string } };
    }[];
    expect(item?.record.server.version).toBe("1.1.0");

    // A version that is not the new latest leaves the head and its items as they are.
    const before = await rawHead(table, name);
    await registry.publish(doc(name, "0.9.0", { tags: ["a"] }), caller);
    expect((await rawHead(table, name))?.revision).toBe(before?.revision);

    await registry.setStatus(name, "1.1.0", { status: "deprecated" });
    expect(await partitionsOf(table, name, KEYS)).toEqual([
      "ALL",
      "LIVE",
      "STATUS#deprecated",
      "TAG#b",
      "CATEGORY#two",
    ]);

    // Deleting the latest moves latest back to 1.0.0; with every version deleted, the latest of them all (1.1.0)
    // stands for the server in ALL, STATUS#deleted and its own tag and category, not in LIVE.
    await registry.setStatus(name, "1.1.0", { status: "deleted" });
    expect(await partitionsOf(table, name, KEYS)).toEqual([
      "ALL",
      "LIVE",
      "STATUS#active",
      "TAG#a",
      "CATEGORY#one",
    ]);
    await registry.setStatus(name, "1.0.0", { status: "deleted" });
    await registry.setStatus(name, "0.9.0", { status: "deleted" });
    expect(await partitionsOf(table, name, KEYS)).toEqual(["ALL", "STATUS#deleted", "TAG#b", "CATEGORY#two"]);
    expect((await new RegistryReads(table).list(query())).servers.map((s) => s.server.name)).not.toContain(
      name,
    );
    expect(
      (await new RegistryReads(table).list(query({ include_deleted: "true" }))).servers.map(
        (s) => s.server.name,
      ),
    ).toEqual([name]);

    const head = await rawHead(table, name);
    expect(head?.listedRevision).toBe(head?.revision);
    expect(head?.pending).toBeUndefined();
  });

  it("an approval of the latest version and a grant show in get and list at once, from the head", async () => {
    const table = await freshTable("runfacts");
    const registry = new Registry(table);
    const name = "io.test/approved";
    const record = await registry.publish(doc(name, "1.0.0"), caller);
    expect((await new RegistryReads(table).describeLatest(name)).execution?.reason).toBe("not-approved");

    await approveRuntime(table, record, runtimeDigest(runtimeSubject(record.server)!), caller);
    const approved = await new RegistryReads(table).describeLatest(name);
    expect(approved.execution).toMatchObject({
      mayRun: true,
      reason: "approved",
      secrets: { notGranted: ["TOKEN"] },
    });

    await grantSecret(table, name, "TOKEN", "1.0.0", caller);
    const listed = (await new RegistryReads(table).list(query())).servers[0];
    expect(listed?.execution).toMatchObject({
      mayRun: true,
      secrets: { granted: ["TOKEN"], notGranted: [] },
    });
    expect((await new RegistryReads(table).describeVersion(name, "1.0.0")).execution).toEqual(
      listed?.execution,
    );
  });

  it("a write that stopped after its commit is repaired by the next read, its stale token removed", async () => {
    const table = await freshTable("stopped");
    const registry = new Registry(table);
    const name = "io.test/stopped";
    await registry.publish(doc(name, "1.0.0", { tags: ["a"] }), caller);
    await new RegistryReads(table).list(query());

    // What a publish that crashed between its version put and the projection leaves: an old token, a version.
    const stale = `${new Date(Date.now() - PENDING_GRACE_MS - 1000).toISOString()}#crashed`;
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { pk: `SERVER#${name}`, sk: "HEAD" },
        UpdateExpression: "ADD pending :token",
        ExpressionAttributeValues: { ":token": new Set([stale]) },
      }),
    );
    const at = new Date().toISOString();
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: `SERVER#${name}`,
          sk: "V#2.0.0",
          name,
          version: "2.0.0",
          document: doc(name, "2.0.0", { tags: ["b"] }),
          status: "active",
          publishedAt: at,
          updatedAt: at,
          publishedBy: caller.id,
        },
      }),
    );
    expect((await partition(table, "TAG#b")).map((i) => i.sk)).toEqual([]);

    expect((await registry.getLatest(name)).server.version).toBe("2.0.0");
    expect((await partition(table, "TAG#b")).map((i) => i.sk)).toEqual([name]);
    expect((await partition(table, "TAG#a")).map((i) => i.sk)).toEqual([]);
    expect((await rawHead(table, name))?.pending).toBeUndefined();
  });

  it("a head whose listing lags its revision is repaired; a first publish that stopped before its version is no server", async () => {
    const table = await freshTable("lagging");
    const registry = new Registry(table);
    const name = "io.test/lagging";
    await registry.publish(doc(name, "1.0.0", { tags: ["a"] }), caller);
    // A projector that moved the head (new tags) and stopped before the listing items.
    const head = await rawHead(table, name);
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...head,
          revision: (head?.revision as number) + 1,
          latest: { ...(head?.latest as object), document: doc(name, "1.0.0", { tags: ["b"] }) },
        },
      }),
    );
    // A first publish of another server that stopped after marking its head: a placeholder.
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: "SERVER#io.test/never",
          sk: "HEAD",
          gsi1pk: "SERVERS",
          gsi1sk: "io.test/never",
          name: "io.test/never",
          pending: new Set([`${new Date(0).toISOString()}#crashed`]),
        },
      }),
    );
    // A new process: its first list loads the snapshot, which projects every head that needs it.
    const other = otherProcess(table);
    const listed = await new RegistryReads(other).list(query());
    expect(listed.servers.map((s) => s.server.name)).toEqual([name]);
    expect(listed.total).toBe(1);
    expect((await rawHead(table, name))?.listedRevision).toBe((await rawHead(table, name))?.revision);
    expect((await rawHead(table, "io.test/never"))?.pending).toBeUndefined();
    await expect(new Registry(other).getLatest("io.test/never")).rejects.toThrow(/No server named/);
  });

  it("a head from the layout before the listing index is projected on the first list (migration)", async () => {
    const table = await freshTable("migration");
    const name = "io.test/old";
    const at = new Date().toISOString();
    const version = {
      pk: `SERVER#${name}`,
      sk: "V#1.0.0",
      name,
      version: "1.0.0",
      document: doc(name, "1.0.0", { tags: ["a"], category: "one" }),
      status: "active",
      publishedAt: at,
      updatedAt: at,
      publishedBy: caller.id,
    };
    await table.doc.send(new PutCommand({ TableName: table.name, Item: version }));
    // The head as the previous registry wrote it: no layout, no run facts, no listing.
    const { pk: _pk, sk: _sk, ...latest } = version;
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: `SERVER#${name}`,
          sk: "HEAD",
          gsi1pk: "SERVERS",
          gsi1sk: name,
          name,
          latestVersion: "1.0.0",
          latest,
          allDeleted: false,
          revision: 3,
        },
      }),
    );
    const _registry = new Registry(table);
    const listed = await new RegistryReads(table).list(query({ tag: "a" }));
    expect(listed.servers.map((s) => s.server.name)).toEqual([name]);
    expect(listed.facets).toEqual({ tags: { a: 1 }, categories: { one: 1 } });
    expect((await rawHead(table, name))?.layout).toBe(2);
  });
});

describe("pages", () => {
  let table: Table;
  let registry: Registry;
  const names = Array.from({ length: 23 }, (_, i) => `io.pages/srv-${String(i).padStart(2, "0")}`);
  const tagsOf = (i: number) => [i % 2 === 0 ? "even" : "odd", ...(i % 3 === 0 ? ["three"] : [])];
  const categoryOf = (i: number) => (i % 4 === 0 ? "four" : "other");

  beforeAll(async () => {
    table = await freshTable("pages");
    registry = new Registry(table);
    // Published out of order: the listing sorts by name, not by arrival.
    for (const i of [...names.keys()].reverse()) {
      await registry.publish(doc(names[i]!, "1.0.0", { tags: tagsOf(i), category: categoryOf(i) }), caller);
    }
    await registry.setStatus(names[5]!, "1.0.0", { status: "deprecated" });
    await registry.setStatus(names[6]!, "1.0.0", { status: "deprecated" });
    await registry.setStatus(names[8]!, "1.0.0", { status: "deleted" });
  });

  async function walk(q: Partial<ServerListQuery>, limit: number) {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let first: Awaited<ReturnType<RegistryReads["list"]>> | undefined;
    do {
      const page = await new RegistryReads(table).list(query({ ...q, limit, ...(cursor ? { cursor } : {}) }));
      first ??= page;
      expect(page.servers.length).toBeLessThanOrEqual(limit);
      seen.push(...page.servers.map((s) => s.server.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    return { seen, pages, first: first! };
  }

  const cases: [string, Partial<ServerListQuery>, (i: number) => boolean][] = [
    ["no filter", {}, (i) => i !== 8],
    ["include_deleted", { include_deleted: "true" }, () => true],
    ["tag", { tag: "even" }, (i) => i % 2 === 0 && i !== 8],
    ["tag and category", { tag: "three", category: "four" }, (i) => i % 3 === 0 && i % 4 === 0],
    ["category", { category: "other" }, (i) => i % 4 !== 0],
    ["status deprecated", { status: "deprecated" }, (i) => i === 5 || i === 6],
    ["status deleted", { status: "deleted" }, (i) => i === 8],
    ["tag and status", { tag: "odd", status: "active" }, (i) => i % 2 === 1 && i !== 5],
    ["tag with deleted", { tag: "even", include_deleted: "true" }, (i) => i % 2 === 0],
  ];

  it.each(cases)(
    "%s: every page in name order, each server once, facets and total over the match",
    async (_, q, keep) => {
      const expected = names.filter((_, i) => keep(i));
      const { seen, pages, first } = await walk(q, 4);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 4)));
      expect(first.total).toBe(expected.length);
      const tags: Record<string, number> = {};
      const categories: Record<string, number> = {};
      for (const [i, name] of names.entries()) {
        if (!expected.includes(name)) continue;
        for (const tag of tagsOf(i)) tags[tag] = (tags[tag] ?? 0) + 1;
        categories[categoryOf(i)] = (categories[categoryOf(i)] ?? 0) + 1;
      }
      expect(first.facets).toEqual({ tags, categories });
    },
  );

  it("a search walks its matches in pages too", async () => {
    const { seen } = await walk({ search: "srv-1" }, 3);
    expect(seen).toEqual(names.filter((name) => name.includes("srv-1")));
  });

  it("a page and a get cost no store call while the snapshot is current, one each once it is not", async () => {
    const { table: countedTable, calls } = counting(table);
    const counted = new RegistryReads(countedTable);
    const names = (list: { servers: { server: { name: string } }[] }) =>
      list.servers.map((s) => s.server.name);
    await counted.list(query({ limit: 5 }));
    calls.length = 0;
    const page = await counted.list(query({ limit: 5, tag: "odd" }));
    expect(page.servers).toHaveLength(5);
    expect((await counted.describeLatest(names3())).execution?.reason).toBe("not-approved");
    expect(calls).toEqual([]);
    expect((await counted.describeVersion(names3(), "1.0.0")).isLatest).toBe(true);
    expect(calls).toEqual(["BatchGetItemCommand"]);

    // CHECK_MS later with no check answered since: both go to the store (and a check of the generation starts).
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + CHECK_MS });
    try {
      calls.length = 0;
      const [again, got] = await Promise.all([
        counted.list(query({ limit: 5, tag: "odd" })),
        counted.describeLatest(names3()),
      ]);
      expect(names(again)).toEqual(names(page));
      expect(got.server.name).toBe(names3());
      expect(calls.sort()).toEqual(["GetItemCommand", "GetItemCommand", "QueryCommand"]);
      // The check found the generation unmoved: the snapshot is current again.
      await vi.waitFor(() => expect(listingSnapshot(countedTable).isCurrent()).toBe(true));
      calls.length = 0;
      expect(names(await counted.list(query({ limit: 5, tag: "odd" })))).toEqual(names(page));
      await counted.describeLatest(names3());
      expect(calls).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  function names3(): string {
    return names[3]!;
  }
});

describe("facets of other processes' writes", () => {
  it("show within CHECK_MS: the snapshot reloads when the listing's generation moved", async () => {
    const table = await freshTable("staleness");
    let clock = 1_000_000;
    const snapshot = new ListingSnapshot(table, () => clock);
    const filter = { includeDeleted: false };
    await snapshot.ready();
    expect(snapshot.count(filter).total).toBe(0);

    await new Registry(otherProcess(table)).publish(
      doc("io.test/elsewhere", "1.0.0", { tags: ["x"] }),
      caller,
    );
    await snapshot.ready();
    expect(snapshot.count(filter).total).toBe(0);

    clock += CHECK_MS;
    await snapshot.ready();
    await vi.waitFor(() =>
      expect(snapshot.count(filter)).toEqual({ total: 1, facets: { tags: { x: 1 }, categories: {} } }),
    );
  });

  it("a get shows another process's deprecation within CHECK_MS, and this process's own at once", async () => {
    const table = await freshTable("getstaleness");
    const registry = new Registry(table);
    const reads = new RegistryReads(table);
    await registry.publish(doc("io.test/shared", "1.0.0"), caller);
    await registry.publish(doc("io.test/mine-too", "1.0.0"), caller);
    await reads.list(query());
    expect(listingSnapshot(table).isCurrent()).toBe(true);

    await new Registry(otherProcess(table)).setStatus("io.test/shared", "1.0.0", { status: "deprecated" });
    await registry.setStatus("io.test/mine-too", "1.0.0", { status: "deprecated" });
    expect((await reads.describeLatest("io.test/mine-too")).status).toBe("deprecated");
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + CHECK_MS });
    try {
      expect((await reads.describeLatest("io.test/shared")).status).toBe("deprecated");
      expect((await reads.list(query({ status: "deprecated" }))).servers).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("this process's own writes show at once", async () => {
    const table = await freshTable("ownwrites");
    const registry = new Registry(table);
    expect((await new RegistryReads(table).list(query())).total).toBe(0);
    await registry.publish(doc("io.test/mine", "1.0.0", { category: "c" }), caller);
    expect((await new RegistryReads(table).list(query())).facets.categories).toEqual({ c: 1 });
    expect(await readHead(table, "io.test/mine")).toMatchObject({ latestVersion: "1.0.0" });
  });
});
