// mcpflow workflow list | get | validate | apply | asl | diff | delete
import { Command } from "@commander-js/extra-typings";
import { dump } from "js-yaml";
import { type Act, positiveInt, type Row } from "../command.js";
import { type Context, listQuery, ok } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { asObject, documentFile } from "../input.js";
import { print, printValue, type View } from "../output.js";

const WORKFLOW: View<Row> = {
  columns: [
    { header: "name", value: (r) => r.name },
    { header: "latest", value: (r) => r.latestVersion },
    { header: "steps", value: (r) => r.steps },
    { header: "updated", value: (r) => r.updatedAt },
    { header: "description", value: (r) => r.description },
  ],
  name: (r) => String(r.name),
};

const VERSION: View<Row> = {
  columns: [
    { header: "name", value: (r) => r.name },
    { header: "version", value: (r) => r.version },
    { header: "latest", value: (r) => (r.isLatest ? "yes" : "no") },
    { header: "steps", value: (r) => ((r.definition as Row).steps as Row[]).map((s) => s.id).join(", ") },
    { header: "saved", value: (r) => `${r.savedAt} by ${r.savedBy}` },
  ],
  name: (r) => `${r.name}@${r.version}`,
};

/** A workflow file's text, its content type and the name it declares. */
async function workflowFile(file: string) {
  const doc = await documentFile(file);
  const name = asObject(doc.value, "-f").name;
  if (typeof name !== "string") throw new CliError(`-f ${file} has no workflow name.`, { exit: EXIT.usage });
  return { ...doc, name };
}

/** The raw text sent as JSON or YAML, as the API reads either. */
const raw = (text: string, contentType: string) => ({
  body: text as never,
  bodySerializer: (body: unknown) => body as string,
  headers: { "content-type": contentType },
});

async function version(ctx: Context, name: string, n: number | undefined): Promise<Row> {
  const client = await ctx.client();
  return (
    n === undefined
      ? await ok("GET workflow", client.GET("/v1/workflows/{name}", { params: { path: { name } } }))
      : await ok(
          "GET workflow version",
          client.GET("/v1/workflows/{name}/versions/{n}", { params: { path: { name, n } } }),
        )
  ) as Row;
}

const asYaml = (value: unknown) => dump(value, { noRefs: true, lineWidth: -1, sortKeys: true });

export function workflowCommands(act: Act): Command {
  const workflow = new Command("workflow").description("workflows: definitions, versions, their ASL");

  workflow
    .command("list")
    .description("workflows with their latest version")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const query = listQuery(opts, ["limit", "cursor"]);
        const answer = await ok("GET /v1/workflows", client.GET("/v1/workflows", { params: { query } }));
        ctx.page(answer.workflows as Row[], WORKFLOW, answer.nextCursor);
      }),
    );

  workflow
    .command("get <name>")
    .description("the latest version (or --version) with its pinned definition")
    .option("--version <n>", "a version number", positiveInt("--version"))
    .option("--source", "print only the text the version was saved from (YAML or JSON, comments included)")
    .action((name, opts, command) =>
      act(command, async (ctx) => {
        const record = await version(ctx, name, opts.version);
        if (opts.source) ctx.io.stdout.write((record.source as { text: string }).text);
        else print(ctx.io, ctx.format, record, VERSION);
      }),
    );

  workflow
    .command("validate")
    .description("check a definition without saving it (servers pinned, tools and arguments checked)")
    .requiredOption("-f, --file <file>", "JSON or YAML, or - for stdin")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const { text, contentType } = await documentFile(opts.file);
        const client = await ctx.client();
        const answer = await ok(
          "POST /v1/workflows/validate",
          client.POST("/v1/workflows/validate", raw(text, contentType)),
        );
        if (ctx.format === "table")
          ctx.note(`valid: ${answer.definition.name}, ${answer.definition.steps.length} steps`);
        else printValue(ctx.io, ctx.format, answer);
      }),
    );

  workflow
    .command("apply")
    .description("create the workflow or save its next version; an unchanged definition saves nothing")
    .requiredOption("-f, --file <file>", "JSON or YAML, or - for stdin")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const { text, contentType, name } = await workflowFile(opts.file);
        const client = await ctx.client();
        const current = await client.GET("/v1/workflows/{name}", { params: { path: { name } } });
        let saved: Row;
        if (current.response.status === 404) {
          saved = (await ok(
            "POST /v1/workflows",
            client.POST("/v1/workflows", raw(text, contentType)),
          )) as Row;
          ctx.note(`workflow ${name} created (version ${saved.version})`);
        } else {
          const before = (await ok("GET workflow", Promise.resolve(current))) as Row;
          saved = (await ok(
            "PUT workflow",
            client.PUT("/v1/workflows/{name}", { params: { path: { name } }, ...raw(text, contentType) }),
          )) as Row;
          ctx.note(
            saved.version === before.version
              ? `workflow ${name} unchanged (version ${saved.version})`
              : `workflow ${name} saved (version ${saved.version})`,
          );
        }
        if (ctx.formatGiven) print(ctx.io, ctx.format, saved, VERSION);
      }),
    );

  workflow
    .command("asl <name>")
    .description("the Step Functions definition a version compiles to")
    .option("--version <n>", "a version number (default: the latest)", positiveInt("--version"))
    .action((name, opts, command) =>
      act(command, async (ctx) => {
        const n = opts.version ?? Number((await version(ctx, name, undefined)).version);
        const client = await ctx.client();
        const asl = await ok(
          "GET asl",
          client.GET("/v1/workflows/{name}/versions/{n}/asl", { params: { path: { name, n } } }),
        );
        printValue(ctx.io, ctx.format, asl);
      }),
    );

  workflow
    .command("diff <name>")
    .description("what -f would change against the latest version, or two versions (--from, --to)")
    .option("-f, --file <file>", "a definition to compare with the latest version (pinned as a save would)")
    .option("--from <n>", "the older version (default: the one before --to)", positiveInt("--from"))
    .option("--to <n>", "the newer version (default: the latest)", positiveInt("--to"))
    .option("--exit-code", "exit 1 when there are differences")
    .action((name, opts, command) =>
      act(command, async (ctx) => {
        let left: { label: string; definition: unknown };
        let right: { label: string; definition: unknown };
        if (opts.file) {
          const { text, contentType } = await workflowFile(opts.file);
          const client = await ctx.client();
          const checked = await ok(
            "POST /v1/workflows/validate",
            client.POST("/v1/workflows/validate", raw(text, contentType)),
          );
          const latest = await version(ctx, name, undefined);
          left = { label: `${name}@${latest.version}`, definition: latest.definition };
          right = { label: opts.file, definition: checked.definition };
        } else {
          const to = await version(ctx, name, opts.to);
          const fromN = opts.from ?? Number(to.version) - 1;
          if (fromN < 1)
            throw new CliError(`${name} has one version; nothing to compare.`, { exit: EXIT.usage });
          const from = await version(ctx, name, fromN);
          left = { label: `${name}@${from.version}`, definition: from.definition };
          right = { label: `${name}@${to.version}`, definition: to.definition };
        }
        const a = asYaml(left.definition);
        const b = asYaml(right.definition);
        if (a === b) {
          ctx.note("no differences");
          return EXIT.ok;
        }
        ctx.io.stdout.write((await import("diff")).createTwoFilesPatch(left.label, right.label, a, b));
        return opts.exitCode ? EXIT.error : EXIT.ok;
      }),
    );

  workflow
    .command("delete <name>")
    .description("delete a workflow (admins); its runs stay readable")
    .action((name, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        await ok("DELETE workflow", client.DELETE("/v1/workflows/{name}", { params: { path: { name } } }));
        ctx.note(`workflow ${name} deleted`);
      }),
    );
  return workflow;
}
