// mcpflow run start | list | get | events | cancel | watch
import { Command } from "@commander-js/extra-typings";
import { type Act, positiveInt, type Row } from "../command.js";
import { listQuery, ok } from "../context.js";
import { jsonArgument } from "../input.js";
import { colours, duration, print, printValue, type View } from "../output.js";
import { exitOfRun, renderCost, renderTree, watchRun } from "./run-view.js";

const RUN: View<Row> = {
  columns: [
    { header: "id", value: (r) => r.id },
    { header: "workflow", value: (r) => `${r.workflow} v${r.version}` },
    { header: "status", value: (r) => r.status },
    { header: "started", value: (r) => r.startedAt },
    { header: "duration", value: (r) => duration(r.startedAt as string, r.endedAt as string | undefined) },
    { header: "by", value: (r) => r.startedBy },
  ],
  name: (r) => String(r.id),
};

const EVENT: View<Row> = {
  columns: [
    { header: "id", value: (r) => r.id },
    { header: "time", value: (r) => r.timestamp },
    { header: "type", value: (r) => r.type },
    { header: "state", value: (r) => r.stateName },
  ],
  name: (r) => String(r.id),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function runCommands(act: Act): Command {
  const run = new Command("run").description("runs of workflows: start, follow, inspect, cancel");

  run
    .command("start <workflow>")
    .description(
      "start a run; with --watch follow it and exit as it ends (0, 10 failed, 11 cancelled, 12 timed out)",
    )
    .option("-i, --input <json>", "the run input: JSON, @file.json or @- for stdin")
    .option("--version <n>", "a workflow version (default: the latest)", positiveInt("--version"))
    .option("--idempotency-key <key>", "the same key answers the same run")
    .option("-w, --watch", "follow the run: a live tree on a terminal, JSON lines of events otherwise")
    .action((workflow, opts, command) =>
      act(command, async (ctx) => {
        const input = opts.input === undefined ? undefined : await jsonArgument(opts.input, "--input");
        const client = await ctx.client();
        const started = (await ok(
          "POST runs",
          client.POST("/v1/workflows/{name}/runs", {
            params: {
              path: { name: workflow },
              ...(opts.idempotencyKey ? { header: { "idempotency-key": opts.idempotencyKey } } : {}),
            } as never,
            body: {
              ...(input !== undefined ? { input } : {}),
              ...(opts.version ? { version: opts.version } : {}),
            },
          }),
        )) as Row;
        if (!opts.watch) {
          print(ctx.io, ctx.format, started, RUN);
          return;
        }
        ctx.note(`run ${started.id} started`);
        return watchRun(ctx, String(started.id));
      }),
    );

  run
    .command("watch <id>")
    .description("follow a run to its end; the exit code follows it")
    .action((id, _opts, command) => act(command, (ctx) => watchRun(ctx, id)));

  run
    .command("list")
    .description("runs, newest first")
    .option("--workflow <name>", "runs of one workflow (tools.call: tool calls)")
    .option("--status <status>", "RUNNING, SUCCEEDED, FAILED, CANCELLED or TIMED_OUT")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const query = listQuery(opts, ["workflow", "status", "limit", "cursor"]);
        const answer = await ok("GET /v1/runs", client.GET("/v1/runs", { params: { query } }));
        ctx.page(answer.runs as Row[], RUN, answer.nextCursor);
      }),
    );

  run
    .command("get <id>")
    .description("a run with every step: status, attempts, times (its output and errors with -o json)")
    .action((id, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const record = (await ok(
          "GET run",
          client.GET("/v1/runs/{id}", { params: { path: { id } } }),
        )) as Row;
        if (ctx.format === "table") {
          const c = colours(ctx.io.stdout, ctx.env);
          const cost = renderCost(record, c);
          ctx.io.stdout.write(`${renderTree(record, [], c)}\n${cost ? `${cost}\n` : ""}`);
        } else print(ctx.io, ctx.format, record, RUN);
      }),
    );

  run
    .command("events <id>")
    .description("the execution's event history; --follow prints new events until the run ends")
    .option("-f, --follow", "keep printing events until the run has ended")
    .action((id, opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        let seen = 0;
        for (let wait = 250; ; wait = Math.min(2000, wait * 1.5)) {
          const [record, answer] = await Promise.all([
            ok("GET run", client.GET("/v1/runs/{id}", { params: { path: { id } } })),
            ok("GET events", client.GET("/v1/runs/{id}/events", { params: { path: { id } } })),
          ]);
          const fresh = (answer.events as Row[]).slice(seen);
          seen += fresh.length;
          if (!opts.follow) {
            print(ctx.io, ctx.format, fresh, EVENT);
            return;
          }
          // Followed events are a stream: one JSON line each unless a table was asked for on a terminal.
          if (ctx.format === "table" && ctx.io.stdout.isTTY) {
            for (const event of fresh)
              ctx.io.stdout.write(
                `${event.id}\t${event.timestamp}\t${event.type}\t${event.stateName ?? ""}\n`,
              );
          } else for (const event of fresh) printValue(ctx.io, "jsonl", event);
          if (record.status !== "RUNNING") return exitOfRun(record.status);
          if (fresh.length > 0) wait = 250;
          await sleep(wait);
        }
      }),
    );

  run
    .command("cancel <id>")
    .description("stop a run and whatever it runs")
    .action((id, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const record = (await ok(
          "POST cancel",
          client.POST("/v1/runs/{id}/cancel", { params: { path: { id } } }),
        )) as Row;
        print(ctx.io, ctx.format, record, RUN);
      }),
    );
  return run;
}
