// mcpflow search | key | secret | audit | api
import { Command, Option } from "@commander-js/extra-typings";
import { type Act, at, positiveInt, type Row } from "../command.js";
import { listQuery, ok } from "../context.js";
import { CliError, EXIT, type Problem, problemError } from "../errors.js";
import { jsonArgument, readStdin } from "../input.js";
import { print, printValue, type View } from "../output.js";

const HIT: View<Row> = {
  columns: [
    { header: "type", value: (r) => r.type },
    { header: "id", value: (r) => r.id },
    { header: "title", value: (r) => r.title },
    { header: "score", value: (r) => Number(r.score).toFixed(2) },
  ],
  name: (r) => `${r.type}/${r.id}`,
};

const KEY: View<Row> = {
  columns: [
    { header: "id", value: (r) => r.id },
    { header: "name", value: (r) => r.name },
    { header: "role", value: (r) => r.role },
    { header: "prefix", value: (r) => r.prefix },
    { header: "created", value: (r) => r.createdAt },
    { header: "expires", value: (r) => r.expiresAt },
    { header: "last used", value: (r) => r.lastUsedAt },
  ],
  name: (r) => String(r.id),
};

const SECRET: View<Row> = {
  columns: [
    { header: "key", value: (r) => r.key },
    { header: "versions", value: (r) => r.versions ?? at(r, "grant.versions") },
    { header: "updated", value: (r) => r.updatedAt },
  ],
  name: (r) => String(r.key),
};

const AUDIT: View<Row> = {
  columns: [
    { header: "at", value: (r) => r.at },
    { header: "actor", value: (r) => at(r, "actor.name") },
    { header: "action", value: (r) => r.action },
    { header: "target", value: (r) => r.target },
    { header: "outcome", value: (r) => `${r.outcome} ${r.status}` },
  ],
  name: (r) => String(r.id),
};

export function miscCommands(act: Act) {
  const search = new Command("search")
    .argument("<query...>", "words to find")
    .description("one search across servers, workflows and MCDs")
    .addOption(new Option("--type <type>").choices(["server", "workflow", "mcd"]))
    .option("--tag <tag>")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .action((words, opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const answer = await ok(
          "GET /v1/search",
          client.GET("/v1/search", {
            params: {
              query: {
                q: words.join(" "),
                ...(listQuery(opts, ["type", "tag", "limit"]) as object),
              } as never,
            },
          }),
        );
        print(ctx.io, ctx.format, answer.hits as Row[], HIT);
      }),
    );

  const key = new Command("key").description("API keys for machines (admins)");
  key
    .command("list")
    .description("API keys (never their values)")
    .action((_opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const answer = await ok("GET /v1/api-keys", client.GET("/v1/api-keys"));
        print(
          ctx.io,
          ctx.format,
          (answer as { items?: Row[]; keys?: Row[] }).items ?? (answer as { keys?: Row[] }).keys ?? [],
          KEY,
        );
      }),
    );
  key
    .command("create <name>")
    .description("create a key; its value is printed once, on stdout")
    .addOption(
      new Option("--role <role>").choices(["viewer", "operator", "editor", "admin"]).makeOptionMandatory(),
    )
    .option("--expires <time>", "an ISO 8601 date-time")
    .action((name, opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const created = (await ok(
          "POST /v1/api-keys",
          client.POST("/v1/api-keys", {
            body: { name, role: opts.role, ...(opts.expires ? { expiresAt: opts.expires } : {}) },
          }),
        )) as Row;
        if (ctx.format === "table") {
          ctx.io.stdout.write(`${created.key}\n`);
          ctx.note(`key ${created.id} (${created.role}); it is not shown again — use it as MCPFLOW_API_KEY`);
        } else print(ctx.io, ctx.format, created, KEY);
      }),
    );
  key
    .command("revoke <id>")
    .description("revoke a key")
    .action((id, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        await ok("DELETE api key", client.DELETE("/v1/api-keys/{id}", { params: { path: { id } } }));
        ctx.note(`key ${id} revoked`);
      }),
    );

  const secret = new Command("secret").description("secrets a server needs (admins; write-only)");
  secret
    .command("set <server> <key>")
    .description("write a secret; the value is read from stdin, never from an argument")
    .option("--versions <versions>", "the versions it reaches: one version, or a range of approved versions")
    .action((server, name, opts, command) =>
      act(command, async (ctx) => {
        if (process.stdin.isTTY) {
          throw new CliError("Pipe the secret's value on stdin (it is never taken from an argument).", {
            exit: EXIT.usage,
          });
        }
        const value = (await readStdin()).replace(/\r?\n$/, "");
        if (!value) throw new CliError("stdin held no value.", { exit: EXIT.usage });
        const client = await ctx.client();
        const answer = await ok(
          "PUT secret",
          client.PUT("/v1/servers/{name}/secrets/{key}", {
            params: { path: { name: server, key: name } },
            body: { value, ...(opts.versions ? { versions: opts.versions } : {}) },
          }),
        );
        if (ctx.formatGiven) print(ctx.io, ctx.format, answer as Row, SECRET);
        else ctx.note(`secret ${name} of ${server} set`);
      }),
    );
  secret
    .command("list <server>")
    .description("a server's secrets (names and grants, never values)")
    .action((server, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        const answer = await ok(
          "GET secrets",
          client.GET("/v1/servers/{name}/secrets", { params: { path: { name: server } } }),
        );
        const rows =
          (answer as { secrets?: Row[]; items?: Row[] }).secrets ?? (answer as { items?: Row[] }).items ?? [];
        print(ctx.io, ctx.format, rows, SECRET);
      }),
    );
  secret
    .command("delete <server> <key>")
    .description("delete a secret")
    .action((server, name, _opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        await ok(
          "DELETE secret",
          client.DELETE("/v1/servers/{name}/secrets/{key}", {
            params: { path: { name: server, key: name } },
          }),
        );
        ctx.note(`secret ${name} of ${server} deleted`);
      }),
    );

  const audit = new Command("audit")
    .description("the audit log, newest first (admins)")
    .option("--actor <id or name>", "entries by this actor")
    .option("--action <action>", "entries whose action begins so, e.g. servers. or servers.publish")
    .option("--resource <target>", "entries whose target or path begins so")
    .option("--outcome <outcome>", "success or failure")
    .option("--from <time>", "entries at or after this RFC 3339 time")
    .option("--to <time>", "entries before this RFC 3339 time")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const client = await ctx.client();
        // The API filters (and validates each filter, naming it); nothing is filtered here.
        const query = listQuery(opts, [
          "actor",
          "action",
          "resource",
          "outcome",
          "from",
          "to",
          "limit",
          "cursor",
        ]);
        const answer = await ok("GET /v1/audit", client.GET("/v1/audit", { params: { query } }));
        ctx.page(answer.items as Row[], AUDIT, answer.nextCursor);
      }),
    );

  const api = new Command("api")
    .description("any API request, e.g. mcpflow api GET /v1/runs?status=FAILED")
    .argument("<method>", "GET, POST, PUT, PATCH or DELETE")
    .argument("<path>", "a path under the API, e.g. /v1/me")
    .option("-d, --data <json>", "a JSON body: JSON, @file.json or @- for stdin")
    .action((method, path, opts, command) =>
      act(command, async (ctx) => {
        const verb = method.toUpperCase();
        if (!["GET", "POST", "PUT", "PATCH", "DELETE"].includes(verb))
          throw new CliError(`${method} is not an HTTP method mcpflow uses.`, { exit: EXIT.usage });
        if (!path.startsWith("/v1/") && !path.startsWith("/v0.1/"))
          throw new CliError(`${path} is not an API path.`, {
            exit: EXIT.usage,
            hint: "paths start with /v1/",
          });
        const body =
          opts.data === undefined ? undefined : JSON.stringify(await jsonArgument(opts.data, "--data"));
        const credentials = await ctx.credentials();
        const headers: Record<string, string> = {};
        if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
        if (credentials.apiKey) headers["x-api-key"] = credentials.apiKey;
        if (body !== undefined) headers["content-type"] = "application/json";
        // Any path, so not through the typed client; the same base URL and credentials.
        const url = `${ctx.apiUrl.replace(/\/+$/, "")}${path}`;
        const response = await fetch(url, {
          method: verb,
          headers,
          ...(body !== undefined ? { body } : {}),
        }).catch((error: unknown) => {
          throw new CliError(`Cannot reach the mcpflow API at ${ctx.apiUrl} (${(error as Error).message}).`, {
            hint: "is the platform running? set --api-url or MCPFLOW_URL",
          });
        });
        const text = await response.text();
        let value: unknown = text;
        try {
          value = text ? JSON.parse(text) : null;
        } catch {
          // not JSON (an HTML rendering): printed as it is
        }
        if (!response.ok) throw problemError(response.status, value as Problem, `${verb} ${path}`);
        if (typeof value === "string") ctx.io.stdout.write(value);
        else if (value !== null) printValue(ctx.io, ctx.format === "table" ? "json" : ctx.format, value);
      }),
    );
  return [search, key, secret, audit, api];
}
