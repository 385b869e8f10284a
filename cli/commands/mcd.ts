// mcpflow mcd list | get | apply | diff
import { basename, extname } from "node:path";
import { Command } from "@commander-js/extra-typings";
import { parseYaml } from "../../shared/yaml.js";
import { type Act, positiveInt, type Row } from "../command.js";
import { listQuery, ok } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { readText } from "../input.js";
import { print, type View } from "../output.js";

const MCD: View<Row> = {
  columns: [
    { header: "slug", value: (r) => r.slug },
    { header: "version", value: (r) => r.version },
    { header: "title", value: (r) => r.title },
    { header: "tags", value: (r) => ((r.tags as string[] | undefined) ?? []).join(", ") },
    { header: "created", value: (r) => `${r.createdAt} by ${r.createdBy}` },
  ],
  name: (r) => String(r.slug),
};

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

/** The slug to save a file under: --slug, its front matter's `slug`, or the file's name. */
function slugOf(text: string, file: string, flag: string | undefined): string {
  if (flag) return flag;
  const front = FRONT_MATTER.exec(text)?.[1];
  if (front) {
    const value = parseYaml(front) as Row | null;
    if (value && typeof value.slug === "string") return value.slug;
  }
  if (file === "-") throw new CliError("Give --slug: stdin has no file name.", { exit: EXIT.usage });
  return basename(file, extname(file));
}

const bodyOf = (text: string) => text.replace(FRONT_MATTER, "");

export function mcdCommands(act: Act): Command {
  const mcd = new Command("mcd").description("Model Context Documents: versioned Markdown");

  mcd
    .command("list")
    .description("MCDs, their latest versions")
    .option("--tag <tag>")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const query = listQuery(opts, ["tag", "limit", "cursor"]);
        const answer = await ok("GET /v1/mcds", client.GET("/v1/mcds", { params: { query } }));
        ctx.page(answer.items as Row[], MCD, answer.nextCursor);
      }),
    );

  mcd
    .command("get <slug>")
    .description("the latest version (or --version); --body prints the Markdown only")
    .option("--version <n>", "a version number", positiveInt("--version"))
    .option("--body", "print the Markdown body only")
    .action((slug, opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const doc = (
          opts.version
            ? await ok(
                "GET MCD version",
                client.GET("/v1/mcds/{slug}/versions/{version}", {
                  params: { path: { slug, version: opts.version } },
                }),
              )
            : await ok("GET MCD", client.GET("/v1/mcds/{slug}", { params: { path: { slug } } }))
        ) as Row;
        if (opts.body) ctx.io.stdout.write(String(doc.body));
        else print(ctx.io, ctx.format, doc, MCD);
      }),
    );

  mcd
    .command("apply")
    .description(
      "create the MCD or save its next version from Markdown (front matter: slug, title, tags, links)",
    )
    .requiredOption("-f, --file <file>", "a Markdown file, or - for stdin")
    .option("--slug <slug>", "the MCD (default: the front matter's slug, else the file name)")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const text = await readText(opts.file, "-f");
        const slug = slugOf(text, opts.file, opts.slug);
        const client = await ctx.client();
        const current = await client.GET("/v1/mcds/{slug}", { params: { path: { slug } } });
        let saved: Row;
        if (current.response.status === 404) {
          saved = (await ok("POST /v1/mcds", client.POST("/v1/mcds", { body: { slug, body: text } }))) as Row;
          ctx.note(`mcd ${slug} created (version ${saved.version})`);
        } else {
          const before = (await ok("GET MCD", Promise.resolve(current))) as Row;
          const etag = current.response.headers.get("etag") ?? `"${before.version}"`;
          saved = (await ok(
            "PUT MCD",
            client.PUT("/v1/mcds/{slug}", {
              params: { path: { slug }, header: { "if-match": etag } } as never,
              body: { body: text },
            }),
          )) as Row;
          ctx.note(
            saved.version === before.version
              ? `mcd ${slug} unchanged (version ${saved.version})`
              : `mcd ${slug} saved (version ${saved.version})`,
          );
        }
        if (ctx.formatGiven) print(ctx.io, ctx.format, saved, MCD);
      }),
    );

  mcd
    .command("diff <slug>")
    .description("two versions' bodies (--from, --to), or what -f would change against the latest")
    .option("-f, --file <file>", "a Markdown file to compare with the latest version's body")
    .option("--from <n>", "the older version (default: the one before --to)", positiveInt("--from"))
    .option("--to <n>", "the newer version (default: the latest)", positiveInt("--to"))
    .option("--exit-code", "exit 1 when there are differences")
    .action((slug, opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const latest = (await ok(
          "GET MCD",
          client.GET("/v1/mcds/{slug}", { params: { path: { slug } } }),
        )) as Row;
        let patch: string;
        if (opts.file) {
          const local = bodyOf(await readText(opts.file, "-f"));
          const stored = String(latest.body);
          patch =
            local === stored
              ? ""
              : (await import("diff")).createTwoFilesPatch(
                  `${slug}@${latest.version}`,
                  opts.file,
                  stored,
                  local,
                );
        } else {
          const to = opts.to ?? Number(latest.version);
          const from = opts.from ?? to - 1;
          if (from < 1)
            throw new CliError(`${slug} has one version; nothing to compare.`, { exit: EXIT.usage });
          const answer = await ok(
            "GET MCD diff",
            client.GET("/v1/mcds/{slug}/diff", { params: { path: { slug }, query: { from, to } } }),
          );
          patch = answer.diff;
        }
        if (!patch.trim() || !/^[-+][^-+]/m.test(patch)) {
          ctx.note("no differences");
          return EXIT.ok;
        }
        ctx.io.stdout.write(patch.endsWith("\n") ? patch : `${patch}\n`);
        return opts.exitCode ? EXIT.error : EXIT.ok;
      }),
    );
  return mcd;
}
