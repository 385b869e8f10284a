// The store contract: the services' DynamoDB calls (conditional puts, optimistic heads, GSI pages, item
// collections) behave alike on dynalite (the embedded platform) and on a DynamoDB implementation other than
// dynalite (moto_server), so neither hides a call the other would refuse.

import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createFileBlobStore } from "../../shared/blobs/file-store.js";
import { ConflictError } from "../../shared/errors.js";
import {
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../../shared/identity/api-keys.js";
import type { Caller } from "../../shared/identity/roles.js";
import type { Platform } from "../../shared/platform.js";
import { RegistryReads } from "../../shared/registry/server-reads.js";
import { Registry } from "../../shared/registry/service.js";
import { Runs } from "../../shared/runs/store.js";
import { groupedPut } from "../../shared/store/group-commit.js";
import { putMany, type Table } from "../../shared/store/table.js";
import { scratchDir } from "../helpers/scratch.js";

const caller: Caller = { id: "user:contract", kind: "user", name: "contract", role: "admin" };

function server(name: string, version: string, tags: string[] = []) {
  return { name, version, description: `${name} for the store contract`, tags };
}

/** Runs over `table`, with the real file blob store: large inputs and outputs go there, as locally. */
function runsOn(table: Table): Runs {
  const blobs = createFileBlobStore(scratchDir("mcpflow-store-contract-"));
  return new Runs({ table, blobs } as unknown as Platform);
}

export function storeContract(name: string, table: () => Table): void {
  describe(`Store contract: ${name}`, () => {
    it("publishes once per name+version: the second publish is a ConflictError and changes nothing", async () => {
      const registry = new Registry(table());
      await registry.publish(server("io.contract/one", "1.0.0"), caller);
      await expect(
        registry.publish(server("io.contract/one", "1.0.0", ["changed"]), caller),
      ).rejects.toBeInstanceOf(ConflictError);
      const stored = await registry.getVersion("io.contract/one", "1.0.0");
      expect(stored.server.tags).toEqual([]);
    });

    it("keeps latest by semver across concurrent publishes of different versions", async () => {
      const registry = new Registry(table());
      const versions = ["1.0.0", "1.10.0", "1.9.0", "2.0.0-beta.1", "1.2.3"];
      await Promise.all(versions.map((v) => registry.publish(server("io.contract/race", v), caller)));
      expect((await registry.getLatest("io.contract/race")).server.version).toBe("1.10.0");
      expect((await registry.listVersions("io.contract/race", false)).map((v) => v.server.version)).toEqual([
        "2.0.0-beta.1",
        "1.10.0",
        "1.9.0",
        "1.2.3",
        "1.0.0",
      ]);
    });

    it("moves latest off a deleted version and lists heads through the GSI with facets", async () => {
      const registry = new Registry(table());
      await registry.publish(server("io.contract/facet", "1.0.0", ["x"]), caller);
      await registry.publish(server("io.contract/facet", "1.1.0", ["x", "y"]), caller);
      await registry.setStatus("io.contract/facet", "1.1.0", { status: "deleted" });
      expect((await registry.getLatest("io.contract/facet")).server.version).toBe("1.0.0");
      const list = await new RegistryReads(table()).list({ limit: 100, search: "io.contract/facet" });
      expect(list.servers.map((s) => s.server.version)).toEqual(["1.0.0"]);
      expect(list.facets.tags).toEqual({ x: 1 });
    });

    it("stores only the API key's hash, authenticates it, and refuses it once revoked", async () => {
      const created = await createApiKey(table(), { name: "contract", role: "operator" }, caller);
      const who = await authenticateApiKey(table(), created.key);
      expect(who.role).toBe("operator");
      const page = await listApiKeys(table(), { limit: 100 });
      expect(JSON.stringify(page)).not.toContain(created.key);
      await revokeApiKey(table(), created.id);
      await expect(authenticateApiKey(table(), created.key)).rejects.toThrow(/unknown or revoked/);
    });

    it("records runs and steps in one item collection; a run ends once, whoever ends it first", async () => {
      const runs = runsOn(table());
      const id = `contract-${Date.now().toString(36)}-00000000-0000-0000-0000-000000000000`;
      await runs.create({
        id,
        workflow: "contract",
        version: 1,
        input: { big: "x".repeat(70_000) },
        startedBy: caller.id,
      });
      await runs.stepStarted(id, { stepId: "a", tool: "echo", server: "s@1", arguments: { message: "hi" } });
      await runs.stepEnded(
        id,
        { stepId: "a" },
        { status: "SUCCEEDED", output: { text: "hi", json: null, content: [] } },
      );
      await runs.stepStarted(id, { stepId: "b", index: 0, tool: "echo", server: "s@1", arguments: {} });
      await runs.stepStarted(id, { stepId: "b", index: 0, tool: "echo", server: "s@1", arguments: {} });
      await runs.stepEnded(id, { stepId: "b", index: 0 }, { status: "SUCCEEDED", output: { text: "0" } });
      expect(await runs.finish(id, { status: "SUCCEEDED", output: { ok: true } })).toBe(true);
      expect(await runs.finish(id, { status: "CANCELLED" })).toBe(false);
      const run = await runs.get(id, { steps: true, resolveInput: true });
      expect(run.status).toBe("SUCCEEDED");
      expect(run.output).toEqual({ ok: true });
      expect((run.input as { big: string }).big).toHaveLength(70_000);
      expect(run.steps?.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
        ["a", "SUCCEEDED", 1],
        ["b", "SUCCEEDED", 2],
      ]);
      expect(await runs.stepResults(id, ["a"])).toEqual({
        a: { status: "SUCCEEDED", output: { text: "hi", json: null, content: [] } },
      });
      const claim = { runId: id, version: 1, input: { big: "x".repeat(70_000) }, startedBy: caller.id };
      expect(await runs.claimIdempotencyKey("contract", "k1", claim)).toEqual(claim);
      // A later claim gets the first one back, with what it needs to create the run if it is missing.
      expect(
        await runs.claimIdempotencyKey("contract", "k1", { ...claim, runId: "other", input: {} }),
      ).toEqual(claim);
    });

    it("lets only the latest attempt end a step: a replaced attempt that finishes late writes nothing", async () => {
      const runs = runsOn(table());
      const id = `late-${Date.now().toString(36)}-00000000-0000-0000-0000-000000000000`;
      await runs.create({ id, workflow: "contract", version: 1, input: {}, startedBy: caller.id });
      const call = { stepId: "t", tool: "slow", server: "s@1", arguments: {} };
      const first = await runs.stepStarted(id, call);
      const second = await runs.stepStarted(id, call);
      expect([first, second]).toEqual([1, 2]);
      const late = await runs.stepEnded(
        id,
        { stepId: "t" },
        { status: "FAILED", error: { error: "States.Timeout" } },
        { attempt: first },
      );
      expect(late.superseded).toBe(true);
      await runs.stepEnded(
        id,
        { stepId: "t" },
        { status: "SUCCEEDED", output: { text: "ok" } },
        { attempt: second },
      );
      const step = (await runs.get(id, { steps: true })).steps?.find((s) => s.stepId === "t");
      expect(step).toMatchObject({ status: "SUCCEEDED", attempts: 2, output: { text: "ok" } });
      expect(step?.error).toBeUndefined();
    });

    it("keeps a run's history in order, each event's detail as written, events stored with a detail map too", async () => {
      const runs = runsOn(table());
      const run = "contract-history";
      const detail = { state: { name: "Call a", type: "Task", input: { nested: [1, { deep: "x" }] } } };
      const events = Array.from({ length: 30 }, (_, i) => ({
        id: i + 2,
        timestamp: "2026-11-27T12:00:00.000Z",
        type: "TaskStateEntered",
        stateName: "Call a",
        detailJson: JSON.stringify({ ...detail, index: i }),
      }));
      await runs.appendEvents(run, events);
      // As the embedded engine wrote an event before its detail was kept as JSON text.
      await putMany(table(), [
        {
          pk: `RUN#${run}`,
          sk: "EVENT#00000001",
          id: 1,
          timestamp: "2026-11-27T11:59:59.000Z",
          type: "ExecutionStarted",
          detail: { input: { a: 1 } },
        },
      ]);
      const read = await runs.events(run);
      expect(read.map((event) => event.id)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
      expect(read[0]).toEqual({
        id: 1,
        timestamp: "2026-11-27T11:59:59.000Z",
        type: "ExecutionStarted",
        detail: { input: { a: 1 } },
      });
      expect(read[5]).toEqual({
        id: 6,
        timestamp: "2026-11-27T12:00:00.000Z",
        type: "TaskStateEntered",
        stateName: "Call a",
        detail: { ...detail, index: 4 },
      });
    });

    it("puts 60 items with putMany (three BatchWriteItems) and every one is stored", async () => {
      const items = Array.from({ length: 60 }, (_, i) => ({ pk: "CONTRACT#many", sk: `I#${i}`, n: i }));
      await putMany(table(), items);
      const stored = await Promise.all(
        items.map((item) =>
          table().doc.send(new GetCommand({ TableName: table().name, Key: { pk: item.pk, sk: item.sk } })),
        ),
      );
      expect(stored.map((answer) => answer.Item?.n)).toEqual(items.map((item) => item.n));
    });

    it("groups concurrent puts into fewer requests, and each resolves only once its item is stored", async () => {
      const requests: string[] = [];
      const counted = { name: table().name, doc: Object.create(table().doc) } as Table;
      counted.doc.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
        requests.push(command.constructor.name);
        return (table().doc.send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as Table["doc"]["send"];
      const items = Array.from({ length: 40 }, (_, i) => ({ pk: "CONTRACT#grouped", sk: `I#${i}`, n: i }));
      await Promise.all(
        items.map(async (item) => {
          await groupedPut(counted, item);
          const answer = await table().doc.send(
            new GetCommand({
              TableName: table().name,
              Key: { pk: item.pk, sk: item.sk },
              ConsistentRead: true,
            }),
          );
          expect(answer.Item?.n).toBe(item.n);
        }),
      );
      // The first goes alone at once; the 39 that arrive while it is on its way go together (two BatchWriteItems).
      expect(requests[0]).toBe("PutCommand");
      expect(requests.length).toBeLessThanOrEqual(3);
    });
  });
}
