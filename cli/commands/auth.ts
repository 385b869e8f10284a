// login | logout | whoami: a local platform's token, an API key, or an OpenID Connect provider (Cognito): the
// authorization code with PKCE for people, client credentials for machines.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import type { Act, Row } from "../command.js";
import type { Credentials } from "../config.js";
import type { Context } from "../context.js";
import { ok } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { readStdin } from "../input.js";
import { print } from "../output.js";

const ME = {
  columns: [
    { header: "id", value: (r: Row) => r.id },
    { header: "name", value: (r: Row) => r.name },
    { header: "role", value: (r: Row) => r.role },
    { header: "kind", value: (r: Row) => r.kind },
  ],
  name: (r: Row) => String(r.id),
};

export function authCommands(act: Act) {
  const login = new Command("login")
    .description(
      "sign in and store the credentials in the profile (mode 0600): --local, --token-stdin, --api-key-stdin, --issuer (browser, PKCE) or --issuer --client-credentials",
    )
    .option("--local", "use a local platform's admin token (MCPFLOW_HOME/dev-token, .mcpflow by default)")
    .option("--home <dir>", "the local platform's home, for --local")
    .option("--token-stdin", "read a bearer token from stdin")
    .option("--api-key-stdin", "read an API key from stdin")
    .option(
      "--issuer <url>",
      "OpenID Connect issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool id>)",
    )
    .option("--client-id <id>", "the app client id, with --issuer")
    .option("--client-credentials", "machine sign-in: the client secret from stdin or MCPFLOW_CLIENT_SECRET")
    .option("--scope <scopes>", "scopes to ask for (default: openid for the browser, none for machines)")
    .addOption(
      new Option(
        "--port <port>",
        "loopback port for the redirect (the CDK's CLI client expects 8765; 0: any)",
      ).default("8765"),
    )
    .option(
      "--redirect-host <host>",
      "host in the redirect URI (Cognito accepts http://localhost)",
      "localhost",
    )
    .option("--no-browser", "print the sign-in address instead of opening a browser")
    .action((opts, command) =>
      act(command, async (ctx) => {
        const credentials = await credentialsFrom(ctx, opts);
        const apiUrl = ctx.apiUrl;
        // The first profile signed in becomes the current one; others are chosen with --profile or MCPFLOW_PROFILE.
        await ctx.saveProfile({ ...ctx.stored, apiUrl, credentials }, ctx.hasNoCurrentProfile);
        // Checked after storing, so a profile can be prepared before its platform is up; a refusal says so.
        const me = await whoami(ctx).catch((error: unknown) => {
          ctx.note(`stored, but ${apiUrl} did not accept it yet: ${(error as Error).message}`);
          return undefined;
        });
        if (me) ctx.note(`signed in to ${apiUrl} as ${me.name} (${me.role}), profile ${ctx.profile}`);
        return me ? EXIT.ok : EXIT.auth;
      }),
    );

  const logout = new Command("logout")
    .description("forget the profile's credentials (its API URL stays)")
    .action((_opts, command) =>
      act(command, async (ctx) => {
        const { credentials: _forgotten, ...rest } = ctx.stored;
        await ctx.saveProfile(rest);
        ctx.note(`signed out of profile ${ctx.profile}`);
      }),
    );

  const me = new Command("whoami")
    .description("who the API says you are (GET /v1/me)")
    .action((_opts, command) =>
      act(command, async (ctx) => {
        print(ctx.io, ctx.format, await whoami(ctx), ME);
      }),
    );
  return [login, logout, me];
}

async function whoami(ctx: Context): Promise<Row> {
  const client = await ctx.client();
  return (await ok("GET /v1/me", client.GET("/v1/me"))) as Row;
}

async function credentialsFrom(
  ctx: Context,
  opts: {
    local?: true;
    home?: string;
    tokenStdin?: true;
    apiKeyStdin?: true;
    issuer?: string;
    clientId?: string;
    clientCredentials?: true;
    scope?: string;
    port: string;
    redirectHost: string;
    browser: boolean;
  },
): Promise<Credentials> {
  const chosen = [opts.local, opts.tokenStdin, opts.apiKeyStdin, opts.issuer].filter(Boolean).length;
  if (chosen !== 1) {
    throw new CliError("Say how to sign in: one of --local, --token-stdin, --api-key-stdin or --issuer.", {
      exit: EXIT.usage,
    });
  }
  if (opts.local) {
    const home = opts.home ?? ctx.env.MCPFLOW_HOME ?? ".mcpflow";
    const file = join(home, "dev-token");
    const token = await readFile(file, "utf8").catch(() => {
      throw new CliError(`No local platform token at ${file}.`, {
        exit: EXIT.auth,
        hint: "start the platform with `npm start` (it writes the token), or give --home",
      });
    });
    return { type: "token", token: token.trim() };
  }
  if (opts.tokenStdin) return { type: "token", token: await secretFromStdin("a token") };
  if (opts.apiKeyStdin) return { type: "api-key", apiKey: await secretFromStdin("an API key") };
  if (!opts.clientId) throw new CliError("--issuer needs --client-id.", { exit: EXIT.usage });
  const { signInAsMachine, signInWithBrowser } = await import("../oidc.js");
  if (opts.clientCredentials) {
    const clientSecret = ctx.env.MCPFLOW_CLIENT_SECRET ?? (await secretFromStdin("the client secret"));
    return signInAsMachine({
      issuer: opts.issuer!,
      clientId: opts.clientId,
      clientSecret,
      ...(opts.scope ? { scope: opts.scope } : {}),
    });
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be a port number, not ${opts.port}.`, { exit: EXIT.usage });
  }
  return signInWithBrowser({
    issuer: opts.issuer!,
    clientId: opts.clientId,
    scope: opts.scope ?? "openid",
    port,
    redirectHost: opts.redirectHost,
    openBrowser: opts.browser,
    tell: (line) => ctx.note(line),
  });
}

async function secretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError(`Pipe ${what} on stdin (it is never taken from an argument).`, { exit: EXIT.usage });
  }
  const value = (await readStdin()).trim();
  if (!value) throw new CliError(`stdin held no ${what}.`, { exit: EXIT.usage });
  return value;
}
