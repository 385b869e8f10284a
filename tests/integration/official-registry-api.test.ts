// mcpflow as an organisation's MCP registry: the official v0.1 read API. Every answer is validated against the
// official openapi.yaml (tests/fixtures/registry/official-api, source commit in its README); only undeleted versions
// an admin approved are shown, without what runs them; CORS as GitHub Copilot's registry setting requires.
import { readFileSync } from "node:fs";
import { Validator } from "@cfworker/json-schema";
import { load } from "js-yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const official = load(
  readFileSync(new URL("../fixtures/registry/official-api/openapi.yaml", import.meta.url), "utf8"),
) as { components: Record<string, unknown>; paths: Record<string, Record<string, any>> };

/** A validator of one schema of the official document, its references resolved inside that document. */
function officialSchema(ref: string) {
  return new Validator({ $ref: ref, components: official.components } as never, "2020-12", false);
}

const SCHEMAS = {
  list: officialSchema("#/components/schemas/ServerList"),
  item: officialSchema("#/components/schemas/ServerResponse"),
  // Every error of the official read routes: {error: string}.
  error: new Validator(
    official.paths["/v0.1/servers/{serverName}/versions"]!.get.responses["404"].content["application/json"]
      .schema,
    "2020-12",
    false,
  ),
};

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type",
};

let p: TestPlatform;

type Answer = Awaited<ReturnType<TestPlatform["api"]>>;

/** A GET on the read API, checked against the official document and for the CORS headers, whatever the answer. */
async function read(path: string, options: { auth?: string | null } = {}): Promise<Answer> {
  const response = await p.api("GET", path, { role: "viewer", ...options });
  for (const [name, value] of Object.entries(CORS)) {
    expect(response.headers.get(name), `${name} on ${path}`).toBe(value);
  }
  expect(response.headers.get("content-type")).toContain("application/json");
  const schema =
    response.status >= 400 ? SCHEMAS.error : path.includes("/versions/") ? SCHEMAS.item : SCHEMAS.list;
  const result = schema.validate(response.body);
  expect(result.errors, `${path}: ${response.text.slice(0, 300)}`).toEqual([]);
  if (response.status >= 400) expect(response.body.error).toEqual(expect.any(String));
  return response;
}

const WEATHER = "io.github.acme/weather";
const FILES = "io.github.acme/files";
const HIDDEN = "io.github.other/hidden";
const enc = encodeURIComponent;

function weather(version: string) {
  return {
    name: WEATHER,
    description: "Forecasts",
    version,
    packages: [
      {
        registryType: "npm",
        identifier: "@acme/weather",
        version,
        transport: { type: "stdio" },
        environmentVariables: [
          { name: "WEATHER_REGION", value: "eu-internal-3", description: "region" },
          { name: "WEATHER_TOKEN", isSecret: true, default: "dev-token-not-for-you" },
        ],
        packageArguments: [{ type: "named", name: "--units", value: "metric" }],
      },
    ],
    tags: ["weather"],
    runtime: {
      transport: "stdio",
      command: "/opt/acme/bin/weather-server",
      args: ["--internal-flag"],
      env: { WEATHER_TOKEN: { secret: "ACME_WEATHER_TOKEN" } },
    },
  };
}

/** Published by an admin who approves its runtime (it is then shown), or by an editor (it is not). */
async function publish(document: Record<string, unknown>, approved = true) {
  const published = approved
    ? await p.api("POST", "/v1/servers?approve=true", { body: document })
    : await p.api("POST", "/v1/servers", { body: document, role: "editor" });
  expect(published.status, published.text).toBe(201);
}

let beforeSecond: string;

beforeAll(async () => {
  p = await startTestPlatform();
  await publish(weather("0.9.0"));
  await publish(weather("1.0.0"));
  await publish(weather("1.1.0"));
  await publish(weather("2.0.0-beta.1"));
  await publish(weather("3.0.0"), false);
  await publish({
    name: FILES,
    description: "Files, remotely",
    version: "0.1.0",
    remotes: [
      {
        type: "streamable-http",
        url: "https://files.example.com/mcp",
        headers: [{ name: "Authorization", value: "Bearer internal-service-token", isSecret: true }],
      },
    ],
  });
  // No runtime mcpflow could start: nothing to approve, never shown.
  await publish({ name: HIDDEN, description: "Never shown", version: "1.0.0" }, false);
  // 0.9.0 was approved, then deleted: gone from the read API. 1.1.0 is deprecated: still there, with its status.
  const patch = (version: string, body: unknown) =>
    p.api("PATCH", `/v1/servers/${enc(WEATHER)}/versions/${version}`, { body });
  expect((await patch("0.9.0", { status: "deleted" })).status).toBe(200);
  expect((await patch("1.1.0", { status: "deprecated", statusMessage: "use 2.x" })).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 20));
  beforeSecond = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await publish({
    name: "io.github.acme/second",
    description: "Published later",
    version: "1.0.0",
    remotes: [{ type: "streamable-http", url: "https://second.example.com/mcp" }],
  });
}, 60_000);
afterAll(async () => {
  await p?.cleanup();
});
afterEach(() => {
  delete process.env.MCPFLOW_REGISTRY_PUBLIC_READ;
});

const names = (answer: Answer) =>
  (answer.body.servers as { server: { name: string; version: string } }[]).map(
    (item) => `${item.server.name}@${item.server.version}`,
  );

describe("GET /v0.1/servers", () => {
  it("lists every approved, undeleted version by name, in the official envelope", async () => {
    const answer = await read("/v0.1/servers");
    expect(answer.status).toBe(200);
    expect(names(answer)).toEqual([
      "io.github.acme/files@0.1.0",
      "io.github.acme/second@1.0.0",
      "io.github.acme/weather@1.0.0",
      "io.github.acme/weather@1.1.0",
      "io.github.acme/weather@2.0.0-beta.1",
    ]);
    expect(answer.body.metadata).toEqual({ count: 5 });
    const deprecated = answer.body.servers.find(
      (item: { server: { version: string } }) => item.server.version === "1.1.0",
    );
    expect(deprecated._meta).toEqual({
      "io.modelcontextprotocol.registry/official": {
        status: "deprecated",
        statusMessage: "use 2.x",
        publishedAt: expect.any(String),
        updatedAt: expect.any(String),
        // The latest of the versions shown: 3.0.0 is not approved, a pre-release is never latest.
        isLatest: true,
      },
    });
  });

  it("shows nothing that runs a server: no runtime, command, secret names, values or publisher", async () => {
    const answer = await read("/v0.1/servers?search=weather&version=1.0.0");
    expect(answer.body.servers).toHaveLength(1);
    const server = answer.body.servers[0].server;
    for (const hidden of [
      "runtime",
      "weather-server",
      "--internal-flag",
      "ACME_WEATHER_TOKEN",
      "eu-internal-3",
      "dev-token-not-for-you",
      "publishedBy",
    ]) {
      expect(answer.text).not.toContain(hidden);
    }
    expect(server).toMatchObject({
      $schema: expect.stringContaining("server.schema.json"),
      name: WEATHER,
      version: "1.0.0",
      packages: [
        {
          identifier: "@acme/weather",
          environmentVariables: [
            { name: "WEATHER_REGION", description: "region" },
            { name: "WEATHER_TOKEN", isSecret: true },
          ],
          packageArguments: [{ type: "named", name: "--units", value: "metric" }],
        },
      ],
      _meta: { "dev.mcpflow/registry": { tags: ["weather"] } },
    });
    const files = await read(`/v0.1/servers/${enc(FILES)}/versions/latest`);
    expect(files.body.server.remotes).toEqual([
      {
        type: "streamable-http",
        url: "https://files.example.com/mcp",
        headers: [{ name: "Authorization", isSecret: true }],
      },
    ]);
  });

  it("filters: version=latest, an exact version, search as a substring of the name in any case, updated_since", async () => {
    expect(names(await read("/v0.1/servers?version=latest"))).toEqual([
      "io.github.acme/files@0.1.0",
      "io.github.acme/second@1.0.0",
      "io.github.acme/weather@1.1.0",
    ]);
    expect(names(await read("/v0.1/servers?version=1.0.0"))).toEqual([
      "io.github.acme/second@1.0.0",
      "io.github.acme/weather@1.0.0",
    ]);
    expect(names(await read("/v0.1/servers?search=ACME%2FWEA&version=latest"))).toEqual([
      "io.github.acme/weather@1.1.0",
    ]);
    // The official search matches the name only: a description word finds nothing.
    expect(names(await read("/v0.1/servers?search=forecasts"))).toEqual([]);
    expect(names(await read(`/v0.1/servers?updated_since=${enc(beforeSecond)}`))).toEqual([
      "io.github.acme/second@1.0.0",
    ]);
    const offset = beforeSecond.replace("Z", "+00:00");
    expect(names(await read(`/v0.1/servers?updated_since=${enc(offset)}`))).toEqual([
      "io.github.acme/second@1.0.0",
    ]);
    // Deleted versions stay hidden even when a client asks for them.
    expect(names(await read("/v0.1/servers?include_deleted=true&search=weather&version=0.9.0"))).toEqual([]);
  });

  it("pages with an opaque cursor, every item once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await read(`/v0.1/servers?limit=2${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      seen.push(...names(answer));
      expect(answer.body.metadata.count).toBe(answer.body.servers.length);
      cursor = answer.body.metadata.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(names(await read("/v0.1/servers")));
  });

  it("answers bad parameters with 400 in the official error shape", async () => {
    for (const query of [
      "cursor=not-ours",
      "updated_since=yesterday",
      "limit=0",
      "limit=500",
      "colour=red",
    ]) {
      const answer = await read(`/v0.1/servers?${query}`);
      expect(answer.status, query).toBe(400);
    }
  });
});

describe("GET /v0.1/servers/{serverName}/versions[/{version}]", () => {
  it("lists a server's approved versions, newest first", async () => {
    const answer = await read(`/v0.1/servers/${enc(WEATHER)}/versions`);
    expect(names(answer)).toEqual([
      "io.github.acme/weather@2.0.0-beta.1",
      "io.github.acme/weather@1.1.0",
      "io.github.acme/weather@1.0.0",
    ]);
    // The server name may also arrive decoded, as API Gateway sometimes hands it over.
    expect(names(await read(`/v0.1/servers/${WEATHER}/versions`))).toEqual(names(answer));
  });

  it("answers one version, or `latest`", async () => {
    const latest = await read(`/v0.1/servers/${enc(WEATHER)}/versions/latest`);
    expect(latest.body.server.version).toBe("1.1.0");
    expect(latest.body._meta["io.modelcontextprotocol.registry/official"].isLatest).toBe(true);
    const exact = await read(`/v0.1/servers/${enc(WEATHER)}/versions/1.0.0`);
    expect(exact.body.server.version).toBe("1.0.0");
    expect(exact.body._meta["io.modelcontextprotocol.registry/official"].isLatest).toBe(false);
  });

  it("is 404 for what is not shown: unknown, without a runtime, unapproved or deleted versions", async () => {
    for (const path of [
      `/v0.1/servers/${enc("io.github.nobody/none")}/versions`,
      `/v0.1/servers/${enc(HIDDEN)}/versions`,
      `/v0.1/servers/${enc(HIDDEN)}/versions/latest`,
      `/v0.1/servers/${enc(WEATHER)}/versions/3.0.0`,
      `/v0.1/servers/${enc(WEATHER)}/versions/0.9.0`,
      `/v0.1/servers/${enc(WEATHER)}/versions/9.9.9`,
    ]) {
      const answer = await read(path);
      expect(answer.status, path).toBe(404);
    }
  });
});

describe("who may read", () => {
  it("needs a token or an API key unless the deployment allows anonymous reads", async () => {
    expect((await read("/v0.1/servers", { auth: null })).status).toBe(401);
    const key = await p.api("POST", "/v1/api-keys", { body: { name: "ide", role: "viewer" } });
    expect((await read("/v0.1/servers", { auth: key.body.key })).status).toBe(200);

    process.env.MCPFLOW_REGISTRY_PUBLIC_READ = "true";
    const anonymous = await read("/v0.1/servers", { auth: null });
    expect(anonymous.status).toBe(200);
    expect(names(anonymous)).toHaveLength(5);
    expect((await read(`/v0.1/servers/${enc(WEATHER)}/versions/latest`, { auth: null })).status).toBe(200);
    // Credentials that are sent are still checked; the rest of the API still needs them.
    expect((await read("/v0.1/servers", { auth: "Bearer not-a-token" })).status).toBe(401);
    expect((await p.api("GET", "/v1/servers", { auth: null })).status).toBe(401);
  });

  it("shows a version once an admin approves it, and no longer once the approval is revoked", async () => {
    const version = `/v1/servers/${enc(WEATHER)}/versions/3.0.0`;
    const digest = (await p.api("GET", version)).body.execution.runtimeDigest as string;
    const approve = await p.api("PUT", `${version}/approval`, { body: { runtimeDigest: digest } });
    expect(approve.status, approve.text).toBe(200);
    const latest = await read(`/v0.1/servers/${enc(WEATHER)}/versions/latest`);
    expect(latest.body.server.version).toBe("3.0.0");
    // Its entry counts as updated when it became visible, so a syncing registry sees it.
    const approvedAt = latest.body._meta["io.modelcontextprotocol.registry/official"].updatedAt;
    expect(
      names(
        await read(`/v0.1/servers?updated_since=${enc(new Date(Date.parse(approvedAt) - 1).toISOString())}`),
      ),
    ).toContain("io.github.acme/weather@3.0.0");
    expect((await p.api("DELETE", `${version}/approval`)).status).toBeLessThan(300);
    expect((await read(`/v0.1/servers/${enc(WEATHER)}/versions/latest`)).body.server.version).toBe("1.1.0");
  });
});

describe("CORS", () => {
  it("answers the preflight of every read route with the official headers", async () => {
    for (const path of [
      "/v0.1/servers",
      `/v0.1/servers/${enc(WEATHER)}/versions`,
      `/v0.1/servers/${enc(WEATHER)}/versions/latest`,
    ]) {
      const response = await fetch(`${p.url}${path}`, {
        method: "OPTIONS",
        headers: {
          origin: "vscode-webview://abc",
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
      expect(response.status, path).toBe(204);
      for (const [name, value] of Object.entries(CORS)) expect(response.headers.get(name), name).toBe(value);
    }
  });
});
