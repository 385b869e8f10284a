// Concurrent writes: a 409 means nothing was stored, contention is retried inside, and a delete and a pin of the
// same server version never both win. Before these protocols, 30 concurrent publishes of distinct versions gave
// 10 × 201 and 20 × 409 with all 30 stored, and a version delete racing a workflow save won both in 7-8 of 8 tries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform } from "../../shared/platform.js";
import { putIfAbsent } from "../../shared/store/table.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const enc = encodeURIComponent;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

const server = (name: string, version: string) => ({
  name,
  version,
  description: "a server that is never started",
  runtime: { transport: "stdio", command: "node", args: ["server.js"] },
});

describe("concurrent writes", () => {
  it("30 concurrent publishes of distinct versions: all 201, all stored, the head names the highest", async () => {
    const name = "io.github.races/many-versions";
    const versions = Array.from({ length: 30 }, (_, i) => `1.0.${i}`);
    const answers = await Promise.all(
      versions.map((v) => p.api("POST", "/v1/servers", { body: server(name, v) })),
    );
    expect(answers.map((a) => a.status)).toEqual(versions.map(() => 201));
    const stored = await p.api("GET", `/v1/servers/${enc(name)}/versions`);
    expect(stored.body.versions).toHaveLength(30);
    expect((await p.api("GET", `/v1/servers/${enc(name)}`)).body.server.version).toBe("1.0.29");
  }, 120_000);

  it("10 concurrent saves of one workflow: every save lands as its own version, numbered without gaps", async () => {
    const name = "io.github.races/tool";
    expect((await p.api("POST", "/v1/servers", { body: server(name, "1.0.0") })).status).toBe(201);
    const definition = (n: number) => ({
      name: "raced-flow",
      description: `save ${n}`,
      steps: [{ id: "say", server: `${name}@1.0.0`, tool: "echo", arguments: { message: `m${n}` } }],
    });
    expect((await p.api("POST", "/v1/workflows", { body: definition(0) })).status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        p.api("PUT", "/v1/workflows/raced-flow", { body: definition(i + 1) }),
      ),
    );
    expect(
      answers.map((a) => a.status),
      answers.map((a) => a.text).join("\n"),
    ).toEqual(answers.map(() => 200));
    const numbers = answers.map((a) => Number(a.body.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    const versions = await p.api("GET", "/v1/workflows/raced-flow/versions");
    expect(versions.body.versions).toHaveLength(11);
  }, 120_000);

  it("a version delete racing a workflow save that pins it: never both succeed (24 tries)", async () => {
    const name = "io.github.races/pinned";
    let bothWon = 0;
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 24; i++) {
      const version = `2.0.${i}`;
      expect((await p.api("POST", "/v1/servers", { body: server(name, version) })).status).toBe(201);
      const [saved, deleted] = await Promise.all([
        p.api("POST", "/v1/workflows", {
          body: {
            name: `pin-race-${i}`,
            steps: [{ id: "say", server: `${name}@${version}`, tool: "echo", arguments: { message: "x" } }],
          },
        }),
        // Staggered, so that either request may come first.
        new Promise((r) => setTimeout(r, Math.random() * 250)).then(() =>
          p.api("PATCH", `/v1/servers/${enc(name)}/versions/${version}`, { body: { status: "deleted" } }),
        ),
      ]);
      const key = `save ${saved.status} / delete ${deleted.status}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      expect([201, 422]).toContain(saved.status);
      expect([200, 409]).toContain(deleted.status);
      if (saved.status === 201 && deleted.status === 200) bothWon++;
      // What the answers say is what is stored.
      const record = await p.api("GET", `/v1/servers/${enc(name)}/versions/${version}`);
      expect(record.body.status).toBe(deleted.status === 200 ? "deleted" : "active");
      expect((await p.api("GET", `/v1/workflows/pin-race-${i}`)).status).toBe(
        saved.status === 201 ? 200 : 404,
      );
    }
    console.log(`delete vs pin: ${JSON.stringify(outcomes)}`);
    expect(bothWon).toBe(0);
  }, 120_000);

  it("a deleted, then re-created MCD starts again at version 1, and a save based on the deleted one fails", async () => {
    const mcd = (title: string) => ({ slug: "reborn", title, body: `# ${title}\n` });
    expect((await p.api("POST", "/v1/mcds", { body: mcd("first") })).status).toBe(201);
    expect(
      (await p.api("PUT", "/v1/mcds/reborn", { body: mcd("second"), headers: { "if-match": "1" } })).status,
    ).toBe(200);
    expect((await p.api("DELETE", "/v1/mcds/reborn")).status).toBe(204);
    const stale = await p.api("PUT", "/v1/mcds/reborn", { body: mcd("late"), headers: { "if-match": "2" } });
    expect(stale.status).toBe(404);
    const again = await p.api("POST", "/v1/mcds", { body: mcd("again") });
    expect(again.status).toBe(201);
    expect(again.body.version).toBe(1);
    const versions = await p.api("GET", "/v1/mcds/reborn/versions");
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    const updated = await p.api("PUT", "/v1/mcds/reborn", {
      body: mcd("again 2"),
      headers: { "if-match": "1" },
    });
    expect(updated.status).toBe(200);
    expect((await p.api("GET", "/v1/mcds/reborn/versions/1")).body.title).toBe("again");
    expect((await p.api("GET", "/v1/mcds/reborn/versions/2")).body.title).toBe("again 2");
  }, 120_000);

  it("an Idempotency-Key whose request stopped before creating its run: the next request creates that run", async () => {
    const name = "io.github.races/keyed";
    const published = await p.api("POST", "/v1/servers?approve=true", { body: server(name, "1.0.0") });
    expect(published.status, published.text).toBe(201);
    const saved = await p.api("POST", "/v1/workflows", {
      body: {
        name: "keyed-flow",
        steps: [{ id: "say", server: `${name}@1.0.0`, tool: "echo", arguments: { message: "x" } }],
      },
    });
    expect(saved.status, saved.text).toBe(201);
    // What a request that crashed between claiming the key and creating its run leaves behind.
    const platform = await getPlatform();
    const runId = `${Date.now().toString(36)}-00000000-0000-4000-8000-000000000001`;
    await putIfAbsent(platform.table, {
      pk: "IDEMPOTENCY#keyed-flow#crashed-key",
      sk: "KEY",
      runId,
      version: 1,
      input: { from: "the crashed request" },
      startedBy: "user:local-operator",
      createdAt: new Date().toISOString(),
    });
    // Created from what the key holds, not waited for: a key without its run's version is waited on (5 s) and then
    // answered 404, so the 202 naming the key's run with the crashed request's input is the proof, not a clock.
    const again = await p.api("POST", "/v1/workflows/keyed-flow/runs", {
      body: { input: { from: "the retry" } },
      role: "operator",
      headers: { "idempotency-key": "crashed-key" },
    });
    expect(again.status, again.text).toBe(202);
    expect(again.body.id).toBe(runId);
    const run = await p.api("GET", `/v1/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.input).toEqual({ from: "the crashed request" });
    const third = await p.api("POST", "/v1/workflows/keyed-flow/runs", {
      body: { input: {} },
      role: "operator",
      headers: { "idempotency-key": "crashed-key" },
    });
    expect(third.status).toBe(200);
    expect(third.body.id).toBe(runId);
  }, 120_000);
});
