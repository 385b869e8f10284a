// Runs on the embedded platform against real MCP servers (server-everything, server-memory, a flaky fixture):
// sequences, a diamond DAG, parallel branches, for_each, `when`, retries, timeouts and `on_error: continue`.
import { rm } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform } from "../../shared/platform.js";
import {
  EVERYTHING,
  FLAKY,
  GATE_SCRIPT,
  publishExampleServers,
  publishFlakyServer,
  publishServer,
  saveExampleWorkflow,
  saveWorkflow,
  startRun,
  stepOf,
  waitForRun,
  waitForRunState,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const memoryFile = join(tmpdir(), `mcpflow-runs-memory-${process.pid}.jsonl`);

beforeAll(async () => {
  p = await startTestPlatform();
  await publishExampleServers(p, memoryFile);
  await publishFlakyServer(p);
});
afterAll(async () => {
  await p?.cleanup();
  await rm(memoryFile, { force: true });
});

const ms = (iso: string) => Date.parse(iso);

describe("examples", () => {
  it("memory-sequence: runs four steps in order and returns the graph with the entity and the relation", async () => {
    await saveExampleWorkflow(p, "memory-sequence.json");
    const id = await startRun(p, "memory-sequence", {
      person: "Ada",
      company: "Analytical Engines",
      fact: "wrote the first program",
    });
    const run = await waitForRun(p, id);

    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    const graph = run.output.graph;
    expect(graph.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "Ada", entityType: "person" }),
        expect.objectContaining({ name: "Analytical Engines", entityType: "organization" }),
      ]),
    );
    const ada = graph.entities.find((e: { name: string }) => e.name === "Ada");
    expect(ada.observations).toEqual(
      expect.arrayContaining(["wrote the first program", "linked to Analytical Engines"]),
    );
    expect(graph.relations).toContainEqual(
      expect.objectContaining({ from: "Ada", to: "Analytical Engines", relationType: "works_at" }),
    );
    expect(run.output.summary).toBe("Ada works at Analytical Engines");

    // The event history reads as Step Functions writes it: typed state events, in order, ending in success.
    const events = (await p.api("GET", `/v1/runs/${id}/events`, { role: "viewer" })).body.events;
    const types = events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe("ExecutionStarted");
    expect(types.at(-1)).toBe("ExecutionSucceeded");
    expect(
      events
        .filter((e: { type: string }) => e.type === "TaskStateEntered")
        .map((e: { stateName: string }) => e.stateName),
    ).toEqual(["Start server 0", "Call create", "Call relate", "Call observe", "Call read"]);
    // The run's server host key: its hash in the execution input (the key stays in the run's record only).
    const started = events[0] as { detail?: { input?: { hostKeySha256?: string } } };
    expect(JSON.stringify(started)).toMatch(/"hostKeySha256":"[0-9a-f]{64}"/);
    expect(JSON.stringify(run)).not.toContain("hostKey");

    const order = ["create", "relate", "observe", "read"].map((s) => stepOf(run, s));
    for (const step of order) expect(step).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    for (let i = 1; i < order.length; i++)
      expect(ms(order[i].startedAt)).toBeGreaterThanOrEqual(ms(order[i - 1].endedAt));
    expect(stepOf(run, "create").arguments.entities[0]).toEqual({
      name: "Ada",
      entityType: "person",
      observations: ["wrote the first program"],
    });
  });

  it("everything-diamond: greet, then sum and shout, then report after both", async () => {
    await saveExampleWorkflow(p, "everything-diamond.yaml");
    const id = await startRun(p, "everything-diamond", { name: "Ada", a: 2, b: 3, words: ["alpha", "beta"] });
    const run = await waitForRun(p, id);

    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    expect(run.output.greeting).toBe("Echo: Hello Ada");
    expect(run.output.sum).toContain("5");
    expect(run.output.words.map((w: { text: string }) => w.text)).toEqual(["Echo: alpha!", "Echo: beta!"]);
    expect(run.output.report.status).toBe("SUCCEEDED");

    const [greet, sum, shout, report] = ["greet", "sum", "shout", "report"].map((s) => stepOf(run, s));
    for (const step of [greet, sum, shout, report]) expect(step.status).toBe("SUCCEEDED");
    expect(ms(sum.startedAt)).toBeGreaterThanOrEqual(ms(greet.endedAt));
    expect(ms(shout.startedAt)).toBeGreaterThanOrEqual(ms(greet.endedAt));
    expect(ms(report.startedAt)).toBeGreaterThanOrEqual(ms(sum.endedAt));
    expect(ms(report.startedAt)).toBeGreaterThanOrEqual(ms(shout.endedAt));
    expect(report.output.text).toBe(
      "Echo: Echo: Hello Ada; sum The sum of 2 and 3 is 5.; first word Echo: alpha!",
    );
    expect(shout.items).toHaveLength(2);
  });
});

describe("shapes", () => {
  it("runs independent branches in parallel: both first steps start before either finishes", async () => {
    const long = {
      tool: "trigger-long-running-operation",
      server: EVERYTHING,
      arguments: { duration: 2, steps: 1 },
    };
    const echo = (message: string) => ({ tool: "echo", server: EVERYTHING, arguments: { message } });
    await saveWorkflow(p, {
      name: "two-branches",
      steps: [
        { id: "left1", ...long },
        { id: "left2", ...echo("left"), depends_on: ["left1"] },
        { id: "right1", ...long },
        { id: "right2", ...echo("right"), depends_on: ["right1"] },
      ],
    });
    const run = await waitForRun(p, await startRun(p, "two-branches"));

    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    const [left1, right1] = [stepOf(run, "left1"), stepOf(run, "right1")];
    expect(ms(left1.startedAt)).toBeLessThan(ms(right1.endedAt));
    expect(ms(right1.startedAt)).toBeLessThan(ms(left1.endedAt));
    expect(run.output.left2.text).toBe("Echo: left");
    expect(run.output.right2.text).toBe("Echo: right");
  });

  it("for_each: one item record per element, output in input order, never more than max_concurrency at once", async () => {
    await saveWorkflow(p, {
      name: "fan-out",
      input: { type: "object", properties: { jobs: { type: "array" } } },
      steps: [
        {
          id: "work",
          server: EVERYTHING,
          tool: "trigger-long-running-operation",
          for_each: { items: "{{ input.jobs }}", max_concurrency: 2 },
          arguments: { duration: "{{ item.duration }}", steps: 1 },
        },
      ],
      output: { results: "{{ steps.work.output }}" },
    });
    // The first item is the slowest, so completion order differs from input order.
    const durations = [1.2, 0.1, 0.6, 0.3];
    const run = await waitForRun(
      p,
      await startRun(p, "fan-out", { jobs: durations.map((duration) => ({ duration })) }),
    );

    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    expect(run.output.results.map((r: { text: string }) => r.text)).toEqual(
      durations.map((d) => `Long running operation completed. Duration: ${d} seconds, Steps: 1.`),
    );
    const work = stepOf(run, "work");
    expect(work.status).toBe("SUCCEEDED");
    expect(work.items.map((i: { index: number }) => i.index)).toEqual([0, 1, 2, 3]);
    for (const [i, item] of work.items.entries()) {
      expect(item).toMatchObject({
        status: "SUCCEEDED",
        attempts: 1,
        arguments: { duration: durations[i], steps: 1 },
      });
    }
    const edges = work.items.flatMap((i: { startedAt: string; endedAt: string }) => [
      { at: ms(i.startedAt), delta: 1 },
      { at: ms(i.endedAt), delta: -1 },
    ]);
    // Ends before starts at the same millisecond: a slot freed and reused at once is not an overlap.
    edges.sort(
      (a: { at: number; delta: number }, b: { at: number; delta: number }) =>
        a.at - b.at || a.delta - b.delta,
    );
    let running = 0;
    let peak = 0;
    for (const edge of edges) {
      running += edge.delta;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
  });

  it("when false: the step is SKIPPED and its dependents still run and see SKIPPED; when true: it runs", async () => {
    await saveWorkflow(p, {
      name: "conditional",
      input: { type: "object", required: ["flag"], properties: { flag: { type: "boolean" } } },
      steps: [
        { id: "first", server: EVERYTHING, tool: "echo", arguments: { message: "first" } },
        {
          id: "maybe",
          server: EVERYTHING,
          tool: "echo",
          depends_on: ["first"],
          when: { path: "{{ input.flag }}", equals: true },
          arguments: { message: "maybe ran" },
        },
        {
          id: "after",
          server: EVERYTHING,
          tool: "echo",
          depends_on: ["maybe"],
          arguments: { message: "maybe was {{ steps.maybe.status }}" },
        },
      ],
      output: { maybe: "{{ steps.maybe.status }}", after: "{{ steps.after.output.text }}" },
    });

    const skipped = await waitForRun(p, await startRun(p, "conditional", { flag: false }));
    expect(skipped.status, JSON.stringify(skipped)).toBe("SUCCEEDED");
    expect(stepOf(skipped, "maybe")).toMatchObject({ status: "SKIPPED", attempts: 0 });
    expect(stepOf(skipped, "after")).toMatchObject({
      status: "SUCCEEDED",
      arguments: { message: "maybe was SKIPPED" },
    });
    expect(skipped.output).toEqual({ maybe: "SKIPPED", after: "Echo: maybe was SKIPPED" });

    const ran = await waitForRun(p, await startRun(p, "conditional", { flag: true }));
    expect(ran.status, JSON.stringify(ran)).toBe("SUCCEEDED");
    expect(stepOf(ran, "maybe")).toMatchObject({
      status: "SUCCEEDED",
      attempts: 1,
      output: { text: "Echo: maybe ran" },
    });
    expect(ran.output).toEqual({ maybe: "SUCCEEDED", after: "Echo: maybe was SUCCEEDED" });
  });
});

describe("servers", () => {
  it("starts a run's servers at its beginning, together: a later step's server is up while the first step is under way", async () => {
    // The first step waits on a 127.0.0.1 gate the test holds until the second step's server has told the gate it
    // started. Were a server started by the first step that reaches it, the run could not go on: the first step would
    // wait for ever (its timeout is far beyond any start, so the test fails by vitest's timeout, never by load).
    const seen: string[] = [];
    const held: ServerResponse[] = [];
    const gate = createServer((req, res) => {
      seen.push(req.url ?? "");
      if (req.url === "/hold") held.push(res);
      else res.end("ok");
      if (seen.includes("/hold") && seen.includes("/started"))
        for (const r of held.splice(0)) r.end("released");
    });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
    try {
      const gateServer = (name: string, args: string[]) => ({
        name,
        version: "1.0.0",
        description: "A gate server",
        runtime: { transport: "stdio", command: process.execPath, args },
      });
      await publishServer(p, gateServer("io.github.mcpflow-tests/gate-first", [GATE_SCRIPT]));
      // The second server tells the gate when it starts, before it serves.
      const announce = "await fetch(process.argv[1]); await import(process.argv[2]);";
      await publishServer(
        p,
        gateServer("io.github.mcpflow-tests/gate-second", [
          "--input-type=module",
          "-e",
          announce,
          `${url}/started`,
          GATE_SCRIPT,
        ]),
      );
      await saveWorkflow(p, {
        name: "servers-at-start",
        steps: [
          {
            id: "hold",
            server: "io.github.mcpflow-tests/gate-first@1.0.0",
            tool: "wait",
            arguments: { url: `${url}/hold` },
            timeout_seconds: 3600,
          },
          {
            id: "after",
            server: "io.github.mcpflow-tests/gate-second@1.0.0",
            tool: "echo",
            arguments: { message: "after" },
            depends_on: ["hold"],
          },
        ],
      });
      seen.length = 0; // the probes' starts
      const run = await waitForRun(p, await startRun(p, "servers-at-start"), { timeoutMs: 3_600_000 });

      expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
      expect(run.output.after.text).toBe("after");
      // Each server started once: the second one's start was the one its step used.
      expect(seen.filter((path) => path === "/started")).toHaveLength(1);
      expect(stepOf(run, "hold")).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    } finally {
      for (const r of held) r.end();
      gate.close();
    }
  }, 3_700_000);

  it("a step still reading its server's secrets when its run is cancelled starts no server after the run's end", async () => {
    // The server's start waits on its secret: the test holds that read until the run is cancelled, so both starts (the
    // run's at its beginning and its step's) resume after the run's servers were closed. A start then made a new pool
    // nobody closed: its server ran until the platform stopped (found in session 7).
    const seen: string[] = [];
    const gate = createServer((req, res) => {
      seen.push(req.url ?? "");
      res.end("ok");
    });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
    const store = await getPlatform();
    const resolve = store.secrets.resolve;
    let reads = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const name = "io.github.mcpflow-tests/late-start";
    try {
      await publishServer(
        p,
        {
          name,
          version: "1.0.0",
          description: "A server that tells the gate when it starts",
          runtime: {
            transport: "stdio",
            command: process.execPath,
            args: [
              "--input-type=module",
              "-e",
              "await fetch(process.argv[1]); await import(process.argv[2]);",
              `${url}/started`,
              GATE_SCRIPT,
            ],
            env: { GATE_TOKEN: { secret: "token" } },
          },
        },
        { probe: false },
      );
      const stored = await p.api("PUT", `/v1/servers/${encodeURIComponent(name)}/secrets/token`, {
        body: { value: "s3cr3t-late-start", versions: "1.0.0" },
      });
      expect(stored.status, stored.text).toBe(200);
      await saveWorkflow(p, {
        name: "late-start",
        steps: [{ id: "only", server: `${name}@1.0.0`, tool: "echo", arguments: { message: "x" } }],
      });
      store.secrets.resolve = async (server, keys) => {
        if (server === name) {
          reads++;
          await released;
        }
        return resolve.call(store.secrets, server, keys);
      };
      const id = await startRun(p, "late-start");
      // Both starts wait on the secret: the run's (startServers) and its step's (which found none started).
      await expect.poll(() => reads, { timeout: 3_600_000, interval: 20 }).toBe(2);
      const cancelling = p.api("POST", `/v1/runs/${id}/cancel`, { role: "operator" });
      // The cancel stops the run's steps and closes its servers at once, then waits for the run's end, which waits for
      // the held start: the held reads go on only once the stop is under way (the engine's own state, read here).
      const engine = store.orchestrator as unknown as {
        executions: Map<string, { steps: AbortController }>;
      };
      await expect
        .poll(() => engine.executions.get(id)?.steps.signal.aborted, { timeout: 3_600_000, interval: 20 })
        .toBe(true);
      release();
      expect((await cancelling).status).toBe(200);
      await waitForRunState(p, id, (run) => run.status === "CANCELLED", { timeoutMs: 3_600_000 });
      // What a start made after the end would show: its server announcing itself. 3 s is ten server starts here.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(seen).not.toContain("/started");
    } finally {
      store.secrets.resolve = resolve;
      release();
      gate.close();
    }
  }, 3_700_000);
});

describe("failures", () => {
  const flakyWorkflow = (name: string, key: string, failures: number, maxAttempts: number) => ({
    name,
    steps: [
      {
        id: "call",
        server: FLAKY,
        tool: "flaky",
        arguments: { key, failures },
        retry: { max_attempts: maxAttempts, interval_seconds: 1, backoff_rate: 1 },
      },
    ],
  });

  it("retries a tool error and succeeds: attempts = failures + 1", async () => {
    await saveWorkflow(p, flakyWorkflow("flaky-recovers", "recovers", 2, 3));
    const run = await waitForRun(p, await startRun(p, "flaky-recovers"));

    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    const call = stepOf(run, "call");
    expect(call).toMatchObject({ status: "SUCCEEDED", attempts: 3, output: { text: "ok after 2" } });
    expect(call.error).toBeUndefined();
  });

  it("fails with Mcp.ToolError when max_attempts < failures + 1", async () => {
    await saveWorkflow(p, flakyWorkflow("flaky-gives-up", "gives-up", 3, 2));
    const run = await waitForRun(p, await startRun(p, "flaky-gives-up"));

    expect(run.status, JSON.stringify(run)).toBe("FAILED");
    expect(run.error.error).toBe("Mcp.ToolError");
    const call = stepOf(run, "call");
    expect(call).toMatchObject({ status: "FAILED", attempts: 2, error: { error: "Mcp.ToolError" } });
    expect(call.error.cause).toContain("failure 2 of 3");
  });

  it("times a long step out: run FAILED with a timeout error within seconds, step FAILED", async () => {
    await saveWorkflow(p, {
      name: "too-slow",
      steps: [
        {
          id: "slow",
          server: EVERYTHING,
          tool: "trigger-long-running-operation",
          arguments: { duration: 600, steps: 1 },
          timeout_seconds: 2,
        },
      ],
    });
    // The tool would take 10 minutes: a run that ended at all, FAILED with a timeout, ended by the step's 2 s timeout,
    // whatever load added to the server's start (no clock of the test is read).
    const run = await waitForRun(p, await startRun(p, "too-slow"), { timeoutMs: 50_000 });
    expect(run.status, JSON.stringify(run)).toBe("FAILED");
    expect(["States.Timeout", "Mcp.Timeout"]).toContain(run.error.error);
    expect(stepOf(run, "slow")).toMatchObject({ status: "FAILED", error: { error: run.error.error } });
  });

  it("on_error: continue records the failure, runs later steps and the run SUCCEEDS", async () => {
    await saveWorkflow(p, {
      name: "keeps-going",
      steps: [
        {
          id: "broken",
          server: FLAKY,
          tool: "flaky",
          arguments: { key: "always", failures: 99 },
          on_error: "continue",
        },
        {
          id: "next",
          server: EVERYTHING,
          tool: "echo",
          depends_on: ["broken"],
          arguments: { message: "broken was {{ steps.broken.status }}" },
        },
      ],
      output: { broken: "{{ steps.broken.status }}", next: "{{ steps.next.output.text }}" },
    });
    const run = await waitForRun(p, await startRun(p, "keeps-going"));

    expect(run.status, JSON.stringify(run)).toBe("SUCCEEDED");
    const broken = stepOf(run, "broken");
    expect(broken).toMatchObject({ status: "FAILED", attempts: 1, error: { error: "Mcp.ToolError" } });
    expect(broken.error.cause).toContain("failure 1 of 99");
    expect(stepOf(run, "next")).toMatchObject({
      status: "SUCCEEDED",
      output: { text: "Echo: broken was FAILED" },
    });
    expect(run.output).toEqual({ broken: "FAILED", next: "Echo: broken was FAILED" });
  });
});
