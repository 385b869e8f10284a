// The CLI as a child process against the embedded platform: publish, probe and try a server; apply a workflow twice
// (the second saves nothing); start runs with --watch and check that the exit code follows the run (succeeded,
// failed, cancelled) and that the watch prints JSON lines of events when not on a terminal.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cli, cliFor } from "../helpers/cli.js";
import {
  EVERYTHING_NAME,
  EVERYTHING_SCRIPT,
  EXAMPLE_VERSION,
  FLAKY_NAME,
  FLAKY_SCRIPT,
  REPO_ROOT,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let cli: Cli;
let dir: string;

const jsonLines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  p = await startTestPlatform();
  cli = await cliFor(p.url);
  dir = cli.configDir;
  const login = await cli.run(["login", "--local", "--home", p.home]);
  expect(login.code, login.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await p?.cleanup();
});

describe("mcpflow server publish | probe | tools | try", () => {
  it("publishes (approved), probes, lists tools and calls one; the call is a run", async () => {
    const file = join(dir, "everything.json");
    await writeFile(
      file,
      JSON.stringify({
        name: EVERYTHING_NAME,
        version: EXAMPLE_VERSION,
        description: "server-everything for the CLI tests",
        runtime: { transport: "stdio", command: process.execPath, args: [EVERYTHING_SCRIPT, "stdio"] },
      }),
    );
    const published = await cli.run(["server", "publish", "-f", file, "--approve", "-o", "json"]);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({
      server: { name: EVERYTHING_NAME },
      execution: { mayRun: true },
    });

    const probed = await cli.run(["server", "probe", EVERYTHING_NAME]);
    expect(probed.code, probed.stderr).toBe(0);
    expect(probed.stdout).toMatch(/^TOOL\s+DESTRUCTIVE/m);
    expect(probed.stdout).toMatch(/^echo\s+no\s+Echoes back/m);

    const tools = await cli.run(["server", "tools", EVERYTHING_NAME, EXAMPLE_VERSION, "-o", "name"]);
    expect(tools.stdout.split("\n")).toContain("get-sum");

    await writeFile(join(dir, "args.json"), JSON.stringify({ message: "from the CLI" }));
    const tried = await cli.run([
      "server",
      "try",
      EVERYTHING_NAME,
      "echo",
      "--args",
      `@${join(dir, "args.json")}`,
    ]);
    expect(tried.code, tried.stderr).toBe(0);
    expect(tried.stdout).toBe("Echo: from the CLI\n");
    expect(tried.stderr).toMatch(/SUCCEEDED run \S+/);

    const runs = await cli.run(["run", "list", "--workflow", "tools.call", "-o", "json"]);
    expect(JSON.parse(runs.stdout)[0]).toMatchObject({ workflow: "tools.call", status: "SUCCEEDED" });
  }, 180_000);

  it("a tool that may be destructive is not called without --yes; a failed call exits 10", async () => {
    const file = join(dir, "flaky.json");
    await writeFile(
      file,
      JSON.stringify({
        name: FLAKY_NAME,
        version: "1.0.0",
        description: "fails on demand",
        runtime: { transport: "stdio", command: process.execPath, args: [FLAKY_SCRIPT] },
      }),
    );
    expect((await cli.run(["server", "publish", "-f", file, "--approve"])).code).toBe(0);
    expect((await cli.run(["server", "probe", FLAKY_NAME])).code).toBe(0);
    const args = JSON.stringify({ key: "k", failures: 1 });
    const unconfirmed = await cli.run(["server", "try", FLAKY_NAME, "flaky", "--args", args]);
    expect(unconfirmed.code).toBe(5);
    expect(unconfirmed.stderr.trim().split("\n")).toHaveLength(1);
    expect(unconfirmed.stderr).toMatch(/^error: Not called: flaky may be destructive\. — add --yes/);
    const failed = await cli.run(["server", "try", FLAKY_NAME, "flaky", "--args", args, "--yes"]);
    expect(failed.code, failed.stderr).toBe(10);
    expect(failed.stderr).toContain("failure 1 of 1 for k");
  }, 180_000);
});

describe("mcpflow workflow apply", () => {
  it("applies a workflow twice: the second saves no version and says so; a change saves the next", async () => {
    const file = join(REPO_ROOT, "examples/workflows/everything-diamond.yaml");
    const first = await cli.run(["workflow", "apply", "-f", file]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("workflow everything-diamond created (version 1)");
    const second = await cli.run(["workflow", "apply", "-f", file]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("workflow everything-diamond unchanged (version 1)");
    const versions = await p.api("GET", "/v1/workflows/everything-diamond/versions");
    expect(versions.body.versions).toHaveLength(1);

    const { readFile } = await import("node:fs/promises");
    const source = await cli.run(["workflow", "get", "everything-diamond", "--source"]);
    expect(source.stdout).toBe(await readFile(file, "utf8"));
    const changed = join(dir, "diamond.yaml");
    await writeFile(
      changed,
      (await readFile(file, "utf8")).replace(/^description: .*$/m, "description: Changed."),
    );
    const diff = await cli.run(["workflow", "diff", "everything-diamond", "-f", changed, "--exit-code"]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain("+description: Changed.");
    const third = await cli.run(["workflow", "apply", "-f", changed, "-o", "json"]);
    expect(third.stderr).toContain("saved (version 2)");
    expect(JSON.parse(third.stdout)).toMatchObject({ name: "everything-diamond", version: 2 });
  }, 180_000);
});

describe("mcpflow run start --watch", () => {
  it("exits 0 when the run succeeds, printing JSON lines of events", async () => {
    const input = JSON.stringify({ name: "Ada", a: 2, b: 3, words: ["alpha", "beta"] });
    const watched = await cli.run(["run", "start", "everything-diamond", "--input", input, "--watch"]);
    expect(watched.code, watched.stderr).toBe(0);
    const events = jsonLines(watched.stdout);
    expect(events[0]).toMatchObject({ type: "run", status: "RUNNING", workflow: "everything-diamond" });
    expect(events.at(-1)).toMatchObject({ type: "run", status: "SUCCEEDED" });
    expect(
      events
        .filter((e) => e.type === "step" && e.status === "SUCCEEDED")
        .map((e) => e.step)
        .sort(),
    ).toEqual(["greet", "report", "shout", "sum"]);
    expect(events.some((e) => e.type === "item" && e.step === "shout")).toBe(true);

    // run get shows what the ended run used and would cost on AWS under its tree.
    const shown = await cli.run(["run", "get", String(events[0]!.run)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /^cost {2}\$\d\.\d+(e-\d+)? {2}what this run would cost on AWS, us-east-1 list prices/m,
    );
    expect(shown.stdout).toMatch(/^usage \d+ transitions, 1 task\(s\) 60 s, /m);
  }, 180_000);

  it("exits 10 when the run fails and 11 when it is cancelled", async () => {
    for (const definition of [
      {
        name: "cli-fails",
        steps: [
          {
            id: "boom",
            server: `${FLAKY_NAME}@1.0.0`,
            tool: "flaky",
            arguments: { key: "x", failures: 5 },
          },
        ],
      },
      {
        name: "cli-slow",
        steps: [
          {
            id: "wait",
            server: `${EVERYTHING_NAME}@${EXAMPLE_VERSION}`,
            tool: "trigger-long-running-operation",
            arguments: { duration: 30, steps: 30 },
          },
        ],
      },
    ]) {
      await writeFile(join(dir, `${definition.name}.json`), JSON.stringify(definition));
      const applied = await cli.run(["workflow", "apply", "-f", join(dir, `${definition.name}.json`)]);
      expect(applied.code, applied.stderr).toBe(0);
    }
    const failed = await cli.run(["run", "start", "cli-fails", "--watch"]);
    expect(failed.code, failed.stderr).toBe(10);
    expect(jsonLines(failed.stdout).at(-1)).toMatchObject({ type: "run", status: "FAILED" });

    const slow = cli.start(["run", "start", "cli-slow", "--watch"]);
    slow.child.stdin!.end();
    // Cancelled from another CLI once the step runs: looked for until then, or until the watching CLI ended without
    // it (not for a fixed 100 polls, which a loaded machine can spend starting the CLI and the server).
    let runId: string | undefined;
    let watchEnded = false;
    void slow.done.then(() => {
      watchEnded = true;
    });
    while (!runId && !watchEnded) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const running = await p.api("GET", "/v1/runs?workflow=cli-slow&status=RUNNING");
      const run = running.body.runs[0];
      if (run) {
        const full = await p.api("GET", `/v1/runs/${run.id}`);
        if (full.body.steps?.some((s: { status: string }) => s.status === "RUNNING")) runId = run.id;
      }
    }
    if (!runId) expect.fail(`the watching CLI ended before its step ran: ${(await slow.done).stderr}`);
    const cancelled = await cli.run(["run", "cancel", runId!, "-o", "json"]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout).status).toBe("CANCELLED");
    const watched = await slow.done;
    expect(watched.code, watched.stderr).toBe(11);
    expect(jsonLines(watched.stdout).at(-1)).toMatchObject({ type: "run", status: "CANCELLED" });
  }, 90_000);
});
