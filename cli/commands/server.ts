// mcpflow server list | get | versions | publish | import | probe | tools | try | approve | status | impact | export
import { Command } from "@commander-js/extra-typings";
import { type Act, at, positiveInt, type Row } from "../command.js";
import { type Context, listQuery, ok } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { asObject, documentFile, jsonArgument } from "../input.js";
import { colours, print, printValue, type View } from "../output.js";
import { exitOfRun } from "./run-view.js";

export const SERVER: View<Row> = {
  columns: [
    { header: "name", value: (r) => at(r, "server.name") },
    { header: "version", value: (r) => at(r, "server.version") },
    { header: "status", value: (r) => r.status },
    {
      header: "may run",
      value: (r) =>
        r.execution === undefined
          ? ""
          : at(r, "execution.mayRun")
            ? "yes"
            : (at(r, "execution.reason") ?? "no"),
    },
    { header: "description", value: (r) => at(r, "server.description") },
  ],
  name: (r) => `${at(r, "server.name")}@${at(r, "server.version")}`,
};

const TOOL: View<Row> = {
  columns: [
    { header: "tool", value: (r) => r.name },
    { header: "destructive", value: (r) => (isDestructive(r) ? "yes" : "no") },
    { header: "description", value: (r) => String(r.description ?? "").split("\n")[0] },
  ],
  name: (r) => String(r.name),
};

const IMPORTED: View<Row> = {
  columns: [
    { header: "name", value: (r) => r.name },
    { header: "version", value: (r) => r.version },
    { header: "outcome", value: (r) => r.outcome },
    {
      header: "errors",
      value: (r) => ((r.errors as Row[] | undefined) ?? []).map((e) => `${e.field}: ${e.rule}`).join("; "),
    },
  ],
  name: (r) => `${r.name}@${r.version}`,
};

/** A workflow version a change would break (GET /v1/dependencies/impact), one row each. */
const IMPACTED: View<Row> = {
  columns: [
    { header: "workflow", value: (r) => r.name },
    { header: "version", value: (r) => r.version },
    { header: "latest", value: (r) => (r.isLatest ? "yes" : "no") },
    { header: "pins", value: (r) => r.pins },
    {
      header: "steps",
      value: (r) =>
        ((r.steps as Row[] | undefined) ?? [])
          .map((step) => {
            const issues = (step.issues as Row[] | undefined) ?? [];
            return issues.length === 0
              ? String(step.id)
              : `${step.id} (${issues.map((i) => `${i.field}: ${i.rule}`).join("; ")})`;
          })
          .join(", "),
    },
  ],
  name: (r) => `${r.name} v${r.version}`,
};

type ImpactChange = "delete" | "deprecate" | "tools";

async function impactOf(ctx: Context, server: string, version: string, change: ImpactChange): Promise<Row> {
  const client = await ctx.client();
  return (await ok(
    "GET impact",
    client.GET("/v1/dependencies/impact", { params: { query: { server, version, change } } }),
  )) as Row;
}

/** On stderr, what the impact says beside its rows: the MCDs, the changed tools, whether a delete is refused. */
function noteImpact(ctx: Context, impact: Row): void {
  const workflows = (impact.workflows as Row[]).length;
  ctx.note(`${workflows} workflow version${workflows === 1 ? "" : "s"} affected`);
  const mcds = impact.mcds as Row[];
  if (mcds.length > 0) {
    ctx.note(
      `MCDs: ${mcds.map((m) => `${m.slug}${m.mentions ? ` (names ${(m.mentions as string[]).join(", ")})` : ""}`).join(", ")}`,
    );
  }
  const changed = impact.changedTools as string[] | undefined;
  if (changed && changed.length > 0) ctx.note(`changed tools: ${changed.join(", ")}`);
  if (impact.blocked) ctx.note("a delete is refused while workflows pin the version");
}

/** MCP's defaults, as the API applies them (shared/runs/tool-call.ts). */
function isDestructive(tool: Row): boolean {
  const a = (tool.annotations ?? {}) as Row;
  return a.readOnlyHint !== true && a.destructiveHint !== false;
}

/** The version given, or the server's latest. */
async function versionOf(ctx: Context, name: string, version: string | undefined): Promise<string> {
  if (version) return version;
  const client = await ctx.client();
  const latest = await ok(
    `GET server ${name}`,
    client.GET("/v1/servers/{name}", { params: { path: { name } } }),
  );
  return latest.server.version;
}

export function serverCommands(act: Act): Command {
  const server = new Command("server").description("the registry: MCP server versions and their tools");

  server
    .command("list")
    .description("servers (their latest versions), filtered")
    .option("-s, --search <words>", "words in names, descriptions and tools")
    .option("--tag <tag>")
    .option("--category <category>")
    .option("--status <status>", "active, deprecated or deleted")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>", "the next page, as a previous answer named it")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const query = listQuery(opts, ["search", "tag", "category", "status", "limit", "cursor"]);
        const answer = await ok("GET /v1/servers", client.GET("/v1/servers", { params: { query } }));
        ctx.page(answer.servers as Row[], SERVER, answer.nextCursor);
      }),
    );

  server
    .command("get <name>")
    .description("a server's latest version, or --version")
    .option("--version <version>")
    .action((name, opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const record = opts.version
          ? await ok(
              "GET server version",
              client.GET("/v1/servers/{name}/versions/{version}", {
                params: { path: { name, version: opts.version } },
              }),
            )
          : await ok("GET server", client.GET("/v1/servers/{name}", { params: { path: { name } } }));
        print(ctx.io, ctx.format, record as Row, SERVER);
      }),
    );

  server
    .command("versions <name>")
    .description("every version of a server, newest first")
    .action((name, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const answer = await ok(
          "GET versions",
          client.GET("/v1/servers/{name}/versions", { params: { path: { name } } }),
        );
        print(ctx.io, ctx.format, answer.versions as Row[], SERVER);
      }),
    );

  server
    .command("publish")
    .description("publish a version from a server.json (JSON or YAML); versions are immutable")
    .requiredOption("-f, --file <file>", "the server.json, or - for stdin")
    .option("--approve", "admins: approve its runtime in the same request")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const { value } = await documentFile(opts.file);
        const client = await ctx.client();
        const record = await ok(
          "POST /v1/servers",
          client.POST("/v1/servers", {
            body: asObject(value, "-f") as never,
            params: { query: opts.approve ? { approve: "true" } : {} } as never,
          }),
        );
        print(ctx.io, ctx.format, record as Row, SERVER);
        const execution = (record as Row).execution as Row | undefined;
        if (execution && execution.mayRun === false) {
          ctx.note(
            `not approved to run (${execution.reason}); an admin runs: mcpflow server approve ${record.server.name} ${record.server.version}`,
          );
        }
      }),
    );

  server
    .command("import")
    .description("import server.json documents: one, an array, or an official registry list answer")
    .requiredOption("-f, --file <file>", "JSON or YAML, or - for stdin")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const { value } = await documentFile(opts.file);
        const client = await ctx.client();
        const answer = await ok(
          "POST /v1/servers/import",
          client.POST("/v1/servers/import", { body: value }),
        );
        print(ctx.io, ctx.format, answer.results as Row[], IMPORTED);
        return answer.results.some((r) => r.outcome === "invalid") ? EXIT.error : EXIT.ok;
      }),
    );

  server
    .command("approve <name> [version]")
    .description(
      "admins: approve a version's exact runtime (the digest as read now), so it may be probed and run",
    )
    .action((name, version, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const v = await versionOf(ctx, name, version);
        const record = await ok(
          "GET server version",
          client.GET("/v1/servers/{name}/versions/{version}", { params: { path: { name, version: v } } }),
        );
        const digest = (record as Row & { execution?: { runtimeDigest?: string } }).execution?.runtimeDigest;
        if (!digest) throw new CliError(`${name}@${v} has no runtime to approve.`, { exit: EXIT.error });
        const approved = await ok(
          "PUT approval",
          client.PUT("/v1/servers/{name}/versions/{version}/approval", {
            params: { path: { name, version: v } },
            body: { runtimeDigest: digest },
          }),
        );
        print(ctx.io, ctx.format, approved as Row, SERVER);
      }),
    );

  server
    .command("probe <name> [version]")
    .description("start the server, list what it offers and store it (editors)")
    .action((name, version, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const v = await versionOf(ctx, name, version);
        ctx.note(`probing ${name}@${v}…`);
        const probe = await ok(
          "POST probe",
          client.POST("/v1/servers/{name}/versions/{version}/probe", {
            params: { path: { name, version: v } },
          }),
        );
        if (ctx.format === "table") print(ctx.io, ctx.format, probe.tools as Row[], TOOL);
        else printValue(ctx.io, ctx.format, probe);
      }),
    );

  server
    .command("tools <name> [version]")
    .description("the tools the last probe found")
    .action((name, version, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const v = await versionOf(ctx, name, version);
        const answer = await ok(
          "GET tools",
          client.GET("/v1/servers/{name}/versions/{version}/tools", {
            params: { path: { name, version: v } },
          }),
        );
        print(ctx.io, ctx.format, answer.tools as Row[], TOOL);
      }),
    );

  server
    .command("try <name> <tool>")
    .description("call one tool (operators): recorded as a one-step run; the exit code follows it")
    .option("--version <version>", "the server version (default: the latest)")
    .option("--args <json>", "the arguments: JSON, @file.json or @- for stdin", "{}")
    .option("-y, --yes", "call a tool that may be destructive without asking")
    .action((name, tool, opts, command) =>
      act(command, async (ctx) => {
        const args = asObject(await jsonArgument(opts.args, "--args"), "--args");
        const v = await versionOf(ctx, name, opts.version);
        const client = await ctx.client();
        const call = (confirm: boolean) =>
          client.POST("/v1/servers/{name}/versions/{version}/tools/{tool}/call", {
            params: { path: { name, version: v, tool } },
            body: { arguments: args, confirm },
          });
        let answer = await call(opts.yes === true);
        if (answer.response.status === 409 && mustConfirm(answer.error) && !opts.yes) {
          if (!(await confirmed(ctx, `${tool} of ${name}@${v} may change or delete data. Call it?`))) {
            throw new CliError(`Not called: ${tool} may be destructive.`, {
              exit: EXIT.conflict,
              hint: "add --yes to call it",
            });
          }
          answer = await call(true);
        }
        const run = (await ok("POST tool call", Promise.resolve(answer))) as Row;
        if (ctx.format === "table") {
          const c = colours(ctx.io.stderr, ctx.env);
          const status = String(run.status);
          ctx.note(`${status === "SUCCEEDED" ? c.green(status) : c.red(status)} run ${run.id}`);
          const output = run.output as { text?: string } | undefined;
          if (output?.text !== undefined) ctx.io.stdout.write(`${output.text}\n`);
          const error = run.error as { error?: string; cause?: string } | undefined;
          if (error) ctx.note(`${error.error}: ${error.cause ?? ""}`);
        } else printValue(ctx.io, ctx.format, run);
        return exitOfRun(String(run.status));
      }),
    );

  server
    .command("status <name> <version> [status]")
    .description("set a version's status (active, deprecated; deleted: admins) and/or its message")
    .option("-m, --message <text>", "the status message")
    .action((name, version, status, opts, command) =>
      act(command, async (ctx) => {
        if (status === undefined && opts.message === undefined)
          throw new CliError("Give a status (active, deprecated, deleted) or --message.", {
            exit: EXIT.usage,
          });
        // Deprecating or deleting says first what depends on the version (the API still decides a delete).
        if (status === "deprecated" || status === "deleted") {
          const impact = await impactOf(ctx, name, version, status === "deleted" ? "delete" : "deprecate");
          for (const w of impact.workflows as Row[])
            ctx.note(`pinned by ${w.name} v${w.version}${w.isLatest ? " (latest)" : ""}`);
          noteImpact(ctx, impact);
        }
        const client = await ctx.client();
        const record = await ok(
          "PATCH server version",
          client.PATCH("/v1/servers/{name}/versions/{version}", {
            params: { path: { name, version } },
            body: {
              ...(status ? { status: status as "active" } : {}),
              ...(opts.message !== undefined ? { statusMessage: opts.message } : {}),
            },
          }),
        );
        print(ctx.io, ctx.format, record as Row, SERVER);
      }),
    );

  server
    .command("impact <name> <version>")
    .description(
      "what a change to a version would break: the workflow versions that pin it and the MCDs that describe it",
    )
    .option(
      "--change <change>",
      "delete, deprecate, or tools (this version's probed tools against every workflow on the server)",
      "delete",
    )
    .action((name, version, opts, command) =>
      act(command, async (ctx) => {
        if (!["delete", "deprecate", "tools"].includes(opts.change))
          throw new CliError("--change must be delete, deprecate or tools.", { exit: EXIT.usage });
        const impact = await impactOf(ctx, name, version, opts.change as ImpactChange);
        if (ctx.format === "table") {
          print(ctx.io, ctx.format, impact.workflows as Row[], IMPACTED);
          noteImpact(ctx, impact);
        } else printValue(ctx.io, ctx.format, impact);
      }),
    );

  server
    .command("export <name> [version]")
    .description("a version as the official registry's server.json")
    .action((name, version, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const v = await versionOf(ctx, name, version);
        const doc = await ok(
          "GET server.json",
          client.GET("/v1/servers/{name}/versions/{version}/server.json", {
            params: { path: { name, version: v } },
          }),
        );
        printValue(ctx.io, ctx.format === "yaml" ? "yaml" : "json", doc);
      }),
    );
  return server;
}

function mustConfirm(problem: unknown): boolean {
  const errors = (problem as { errors?: { field: string }[] } | undefined)?.errors ?? [];
  return errors.some((e) => e.field === "body.confirm");
}

/** Asks on a terminal; without one the answer is no (scripts say --yes). */
async function confirmed(ctx: Context, question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !ctx.io.stderr.isTTY) return false;
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: ctx.io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
