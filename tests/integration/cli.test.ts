// The CLI as a child process against the embedded platform: signing in (a local token, an API key, an OpenID Connect
// provider with code + PKCE and with client credentials), profiles stored 0600, every -o format parsed back,
// completion scripts, MCD apply twice, secrets from stdin, and errors that are one line with the right exit code.
import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cli, cliFor } from "../helpers/cli.js";
import { type OidcProvider, startOidcProvider } from "../helpers/oidc-provider.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const exec = promisify(execFile);

let p: TestPlatform;
let cli: Cli;
let oidc: OidcProvider;

beforeAll(async () => {
  p = await startTestPlatform();
  cli = await cliFor(p.url);
  oidc = await startOidcProvider({
    publicClient: "cli-public",
    machineClient: { id: "cli-machine", secret: "machine-secret" },
    // The provider's tokens are ones the platform accepts: people sign in as operators, machines as editors, and a
    // refreshed token says viewer, so a test can see which one was used.
    accessToken: async (grant) =>
      grant === "authorization_code"
        ? p.tokens.operator
        : grant === "client_credentials"
          ? p.tokens.editor
          : p.tokens.viewer,
  });
  const published = await p.api("POST", "/v1/servers", {
    body: { name: "io.cli/weather", version: "1.0.0", description: "Forecasts", tags: ["weather"] },
  });
  expect(published.status, published.text).toBe(201);
}, 60_000);
afterAll(async () => {
  await oidc?.stop();
  await p?.cleanup();
});

const oneLine = (text: string) => text.trim().split("\n");

describe("mcpflow login | whoami | logout", () => {
  it("signs in with the local platform's token into a 0600 file, and signs out", async () => {
    const login = await cli.run(["login", "--local", "--home", p.home]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain("as local-admin (admin), profile default");
    const file = join(cli.configDir, "config.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(cli.configDir)).mode & 0o777).toBe(0o700);
    const config = JSON.parse(await readFile(file, "utf8"));
    expect(config).toMatchObject({ currentProfile: "default", profiles: { default: { apiUrl: p.url } } });

    const me = await cli.run(["whoami", "-o", "json"]);
    expect(JSON.parse(me.stdout)).toMatchObject({ role: "admin" });

    // Another profile with a viewer's token from stdin; --profile and MCPFLOW_PROFILE pick it.
    const viewer = await cli.run(["--profile", "ro", "login", "--token-stdin"], {
      input: `${p.tokens.viewer}\n`,
    });
    expect(viewer.code, viewer.stderr).toBe(0);
    expect(JSON.parse((await cli.run(["whoami", "-o", "json", "-p", "ro"])).stdout).role).toBe("viewer");
    const byEnv = await cli.run(["whoami", "-o", "json"], { env: { MCPFLOW_PROFILE: "default" } });
    expect(JSON.parse(byEnv.stdout).role).toBe("admin");

    expect((await cli.run(["logout", "-p", "ro"])).code).toBe(0);
    const gone = await cli.run(["whoami", "-p", "ro"]);
    expect(gone.code).toBe(3);
    expect(oneLine(gone.stderr)).toHaveLength(1);
    expect(gone.stderr).toMatch(/^error: Unauthorized.* — sign in with `mcpflow login`/);
  }, 180_000);

  it("uses an API key from MCPFLOW_API_KEY, or stored by login --api-key-stdin", async () => {
    const created = await cli.run(["key", "create", "ci", "--role", "operator"]);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(created.stderr).toContain("it is not shown again");

    const fromEnv = await cli.run(["whoami", "-o", "json"], { env: { MCPFLOW_API_KEY: key } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ role: "operator", kind: "api-key" });

    const stored = await cli.run(["-p", "ci", "login", "--api-key-stdin"], { input: key });
    expect(stored.code, stored.stderr).toBe(0);
    expect(JSON.parse((await cli.run(["whoami", "-p", "ci", "-o", "json"])).stdout).role).toBe("operator");

    // --api-url and MCPFLOW_URL override the profile's URL.
    const elsewhere = await cli.run(["whoami", "-p", "ci", "--api-url", "http://127.0.0.1:9"]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/^error: Cannot reach the mcpflow API at http:\/\/127\.0\.0\.1:9 /);
  }, 180_000);

  it("signs in through an OpenID Connect provider: authorization code + PKCE over a loopback redirect", async () => {
    const login = cli.start([
      "-p",
      "oidc",
      "login",
      "--issuer",
      oidc.issuer,
      "--client-id",
      "cli-public",
      "--no-browser",
      "--port",
      "0",
    ]);
    login.child.stdin!.end();
    // The person's browser: open the address the CLI printed; the provider redirects to the CLI's loopback.
    // Waited for as the CLI prints it, or until the CLI ends without it: not for 10 s of polls, which a CLI started
    // at high load can take before its first line.
    let stderr = "";
    const address = await new Promise<string | undefined>((resolve) => {
      login.child.stderr!.on("data", (chunk) => {
        stderr += chunk;
        const found = stderr.match(/Open this address to sign in: (\S+)/)?.[1];
        if (found) resolve(found);
      });
      login.child.on("close", () => resolve(undefined));
    });
    expect(address, stderr).toBeDefined();
    const authorize = new URL(address!);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+\/callback$/);
    const redirect = await fetch(authorize, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const page = await fetch(redirect.headers.get("location")!);
    expect(await page.text()).toContain("Signed in to mcpflow");
    const done = await login.done;
    expect(done.code, done.stderr).toBe(0);
    expect(oidc.grants).toContain("authorization_code");
    expect(oidc.refused).toEqual([]);

    const config = JSON.parse(await readFile(join(cli.configDir, "config.json"), "utf8"));
    expect(config.profiles.oidc.credentials).toMatchObject({ type: "oidc", grant: "authorization_code" });
    expect(config.profiles.oidc.credentials.refreshToken).toBeTruthy();
    expect(JSON.parse((await cli.run(["whoami", "-p", "oidc", "-o", "json"])).stdout).role).toBe("operator");

    // An expired token is refreshed with the refresh token, and the new one is stored.
    config.profiles.oidc.credentials.expiresAt = Math.floor(Date.now() / 1000) - 10;
    await writeFile(join(cli.configDir, "config.json"), JSON.stringify(config));
    expect(JSON.parse((await cli.run(["whoami", "-p", "oidc", "-o", "json"])).stdout).role).toBe("viewer");
    expect(oidc.grants).toContain("refresh_token");
  }, 180_000);

  it("signs a machine in with client credentials; a wrong secret is an auth error", async () => {
    const args = [
      "-p",
      "machine",
      "login",
      "--issuer",
      oidc.issuer,
      "--client-id",
      "cli-machine",
      "--client-credentials",
    ];
    const wrong = await cli.run(args, { input: "not-the-secret" });
    expect(wrong.code).toBe(3);
    expect(oneLine(wrong.stderr)).toHaveLength(1);
    const ok = await cli.run(args, { env: { MCPFLOW_CLIENT_SECRET: "machine-secret" } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse((await cli.run(["whoami", "-p", "machine", "-o", "json"])).stdout).role).toBe("editor");
  }, 180_000);
});

describe("output formats", () => {
  it("prints every -o format so that it parses back", async () => {
    const json = await cli.run(["server", "list", "-o", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const servers = JSON.parse(json.stdout) as { server: { name: string } }[];
    expect(servers.map((s) => s.server.name)).toContain("io.cli/weather");

    const yaml = await cli.run(["server", "list", "-o", "yaml"]);
    expect(load(yaml.stdout)).toEqual(servers);

    const jsonl = await cli.run(["server", "list", "-o", "jsonl"]);
    expect(
      jsonl.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(servers);

    const names = await cli.run(["server", "list", "-o", "name"]);
    expect(names.stdout.trim().split("\n")).toEqual(
      servers.map((s: any) => `${s.server.name}@${s.server.version}`),
    );

    const table = await cli.run(["server", "list"]);
    expect(table.stdout).toMatch(/^NAME\s+VERSION\s+STATUS\s+MAY RUN\s+DESCRIPTION$/m);
    // List items carry `execution`: the "may run" column is filled in the list too.
    expect(table.stdout).toMatch(
      /^io\.cli\/weather\s+1\.0\.0\s+active\s+(yes|not-approved|no-runtime)\s+\S/m,
    );
    // Not a terminal: no colour codes.
    expect(table.stdout).not.toContain("\u001b[");

    const one = await cli.run(["server", "get", "io.cli/weather", "-o", "yaml"]);
    expect(load(one.stdout)).toMatchObject({ server: { name: "io.cli/weather", version: "1.0.0" } });
    const api = await cli.run(["api", "GET", "/v1/servers/io.cli%2Fweather/versions"]);
    expect(JSON.parse(api.stdout).versions).toHaveLength(1);
  }, 180_000);
});

describe("completion", () => {
  it("generates bash, zsh and fish scripts from the command tree; bash parses them", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const script = await cli.run(["completion", shell]);
      expect(script.code, script.stderr).toBe(0);
      expect(script.stdout).toContain("mcpflow");
      expect(script.stdout).toContain("workflow");
      if (shell === "bash") {
        const file = join(cli.configDir, "completion.bash");
        await writeFile(file, script.stdout);
        await exec("bash", ["-n", file]);
        // The walker completes a nested command's verbs and options.
        const { stdout } = await exec("bash", [
          "-c",
          `source ${file}; COMP_WORDS=(mcpflow server tr); COMP_CWORD=2; _mcpflow; echo "\${COMPREPLY[@]}"`,
        ]);
        expect(stdout.trim()).toBe("try");
        const { stdout: options } = await exec("bash", [
          "-c",
          `source ${file}; COMP_WORDS=(mcpflow run start wf --wa); COMP_CWORD=4; _mcpflow; echo "\${COMPREPLY[@]}"`,
        ]);
        expect(options.trim()).toBe("--watch");
      }
    }
    expect((await cli.run(["completion", "powershell"])).code).toBe(2);
  }, 180_000);
});

describe("mcd apply, secret set", () => {
  it("applies an MCD twice (the second saves nothing), and sets a secret from stdin only", async () => {
    const file = join(cli.configDir, "runbook.md");
    await writeFile(
      file,
      "---\nslug: cli-runbook\ntitle: Runbook\ntags: [ops]\n---\n# Runbook\n\nRestart it.\n",
    );
    const first = await cli.run(["mcd", "apply", "-f", file]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("mcd cli-runbook created (version 1)");
    const second = await cli.run(["mcd", "apply", "-f", file]);
    expect(second.stderr).toContain("mcd cli-runbook unchanged (version 1)");
    await writeFile(
      file,
      "---\nslug: cli-runbook\ntitle: Runbook\ntags: [ops]\n---\n# Runbook\n\nRestart it twice.\n",
    );
    const third = await cli.run(["mcd", "apply", "-f", file, "-o", "json"]);
    expect(JSON.parse(third.stdout).version).toBe(2);
    const diff = await cli.run(["mcd", "diff", "cli-runbook"]);
    expect(diff.stdout).toContain("+Restart it twice.");

    const set = await cli.run(["secret", "set", "io.cli/weather", "API_KEY", "--versions", "1.0.0"], {
      input: "s3cret-value\n",
    });
    expect(set.code, set.stderr).toBe(0);
    const listed = await cli.run(["secret", "list", "io.cli/weather", "-o", "json"]);
    expect(listed.stdout).toContain("API_KEY");
    expect(listed.stdout).not.toContain("s3cret-value");
    const extra = await cli.run(["secret", "set", "io.cli/weather", "API_KEY", "s3cret-value"]);
    expect(extra.code).toBe(2);
  }, 180_000);
});

describe("errors", () => {
  it("bad arguments are one line and exit 2", async () => {
    for (const args of [
      ["server", "get"],
      ["server", "lisst"],
      ["-o", "xml", "server", "list"],
      ["run", "start", "wf", "--input", "{nope"],
      ["workflow", "get", "wf", "--version", "zero"],
    ]) {
      const result = await cli.run(args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expect(oneLine(result.stderr), args.join(" ")).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  }, 180_000);

  it("a 403 is one line with what to do, and exit 3; a 404 exits 4; a validation problem names the field", async () => {
    const forbidden = await cli.run(["workflow", "delete", "anything"], {
      env: { MCPFLOW_TOKEN: p.tokens.viewer },
    });
    expect(forbidden.code).toBe(3);
    expect(oneLine(forbidden.stderr)).toEqual([
      expect.stringMatching(/^error: Forbidden.* — your role does not allow this/),
    ]);
    const missing = await cli.run(["server", "get", "io.cli/nothing"]);
    expect(missing.code).toBe(4);
    const file = join(cli.configDir, "bad.json");
    await writeFile(file, JSON.stringify({ name: "io.cli/bad", version: "^1.0", description: "x" }));
    const invalid = await cli.run(["server", "publish", "-f", file]);
    expect(invalid.code).toBe(1);
    expect(oneLine(invalid.stderr)).toHaveLength(1);
    expect(invalid.stderr).toMatch(/\(body\.version: must be/);
  }, 180_000);
});
