// Issue 10, finding 3: the probe (and every other caller of a server URL) is not a request-forgery tool. Loopback,
// link-local, private and metadata targets are refused unless allow-listed, literal ones already at publish; https
// only; redirects are not followed; editor headers cannot set Host or hop-by-hop headers; no remote body is repeated;
// and a closed port, a non-MCP answer, a redirect and a silent listener all read the same.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectServer, HTTP_UNREACHABLE } from "../../../shared/mcp/connect.js";
import { McpStartError } from "../../../shared/mcp/errors.js";
import { addressAllowed } from "../../../shared/outbound/address.js";
import { guardedLookup } from "../../../shared/outbound/guard.js";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.js";
import { freePort } from "../../helpers/ports.js";

interface Listener {
  url: string;
  requests: IncomingMessage[];
  connections: number;
  close(): Promise<void>;
}

async function listener(answer: (req: IncomingMessage, res: import("node:http").ServerResponse) => void) {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    answer(req, res);
  });
  const state = { connections: 0 };
  server.on("connection", () => {
    state.connections++;
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  } satisfies Listener;
}

const SECRET_BODY = "internal-admin-panel: db password hunter2";

describe("finding 3 over the API: publish and probe", () => {
  let p: TestPlatform;
  let target: Listener;
  const saved = process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP;
  beforeAll(async () => {
    // The platform as `npm start` runs it: not told to allow loopback.
    delete process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP;
    p = await startTestPlatform();
    target = await listener((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end(SECRET_BODY);
    });
  });
  afterAll(async () => {
    process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP = saved;
    await target.close();
    await p.cleanup();
  });

  it.each([
    ["the metadata service", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"],
    ["the IPv6 metadata service", "http://[fd00:ec2::254]/latest/meta-data/"],
    ["the metadata service as an IPv4-mapped IPv6 address", "http://[::ffff:169.254.169.254]/"],
    ["the metadata service as a decimal number", "http://2852039166/"],
    ["a private address", "https://10.0.0.7/mcp"],
    ["a CGNAT address", "https://100.64.1.1/mcp"],
    ["the unspecified address", "http://0.0.0.0:8080/mcp"],
    ["a multicast address", "https://224.0.0.251/mcp"],
  ])("refuses %s at publish with 422 naming runtime.url", async (_case, url) => {
    const response = await p.api("POST", "/v1/servers", {
      role: "editor",
      body: {
        name: `io.github.ssrf/s${Math.random().toString(36).slice(2, 8)}`,
        version: "1.0.0",
        description: "request forgery",
        runtime: { transport: "streamable-http", url },
      },
    });
    expect(response.status, response.text).toBe(422);
    expect(JSON.stringify(response.body)).toContain("runtime.url");
  });

  it("refuses a Host or hop-by-hop header at publish with 422 naming it", async () => {
    for (const header of ["Host", "Transfer-Encoding", "Connection"]) {
      const response = await p.api("POST", "/v1/servers", {
        role: "editor",
        body: {
          name: `io.github.ssrf/h${header.length}${Math.random().toString(36).slice(2, 6)}`,
          version: "1.0.0",
          description: "header smuggling",
          runtime: {
            transport: "streamable-http",
            url: "https://example.com/mcp",
            headers: { [header]: "x" },
          },
        },
      });
      expect(response.status, response.text).toBe(422);
      expect(JSON.stringify(response.body)).toContain(`runtime.headers.${header}`);
    }
  });

  it("probing a loopback listener sends it nothing, with editor headers or without, and echoes no body", async () => {
    const name = "io.github.ssrf/loopback";
    // Approved by an admin, so that what stops the request is the outbound guard and not the approval.
    const published = await p.api("POST", "/v1/servers?approve=true", {
      body: {
        name,
        version: "1.0.0",
        description: "loopback",
        runtime: { transport: "streamable-http", url: target.url, headers: { "X-Injected": "yes" } },
      },
    });
    expect(published.status, published.text).toBe(201);
    const probe = await p.api("POST", `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0/probe`, {
      role: "editor",
    });
    expect(probe.status, probe.text).toBe(502);
    expect(probe.body.detail).toContain("must use https");
    expect(probe.text).not.toContain("hunter2");
    expect(target.requests).toHaveLength(0);
    expect(target.connections).toBe(0);
  });

  it("probing a host name that resolves to loopback opens no connection (checked after DNS)", async () => {
    const port = Number(new URL(target.url).port);
    const name = "io.github.ssrf/localhost-name";
    await p.api("POST", "/v1/servers?approve=true", {
      body: {
        name,
        version: "1.0.0",
        description: "a name for loopback",
        runtime: { transport: "streamable-http", url: `https://localhost:${port}/mcp` },
      },
    });
    const probe = await p.api("POST", `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0/probe`, {
      role: "editor",
    });
    expect(probe.status, probe.text).toBe(502);
    expect(probe.body.detail).toContain(HTTP_UNREACHABLE);
    expect(target.connections).toBe(0);
  });

  it("an admin allow-listing the host in the runtime policy lets the probe connect to it", async () => {
    const port = Number(new URL(target.url).port);
    const name = "io.github.ssrf/allow-listed";
    await p.api("POST", "/v1/servers?approve=true", {
      body: {
        name,
        version: "1.0.0",
        description: "an internal host an admin allowed",
        runtime: { transport: "streamable-http", url: `https://localhost:${port}/mcp` },
      },
    });
    const put = await p.api("PUT", "/v1/runtime-policy", { body: { hosts: ["localhost"] } });
    expect(put.status, put.text).toBe(200);
    try {
      const probe = await p.api("POST", `/v1/servers/${encodeURIComponent(name)}/versions/1.0.0/probe`, {
        role: "editor",
      });
      // The listener speaks plain http, so TLS fails; what matters is that the connection was made.
      expect(probe.status, probe.text).toBe(502);
      expect(target.connections).toBeGreaterThan(0);
    } finally {
      await p.api("PUT", "/v1/runtime-policy", { body: {} });
    }
  });
});

describe("finding 3 in connectServer: one message, no body, no redirect", () => {
  const open: Listener[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
  });
  const loopback = { allowLoopbackHttp: true };

  async function reason(url: string): Promise<McpStartError> {
    const error = await connectServer(
      { transport: "streamable-http", url },
      { timeoutMs: 1500, outbound: loopback },
    ).then(
      async (c) => {
        await c.close();
        throw new Error("expected the start to fail");
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpStartError);
    return error as McpStartError;
  }

  it("a closed port, an error page, a non-MCP 200, a silent listener and a redirect give one message", async () => {
    const errorPage = await listener((_req, res) => {
      res.writeHead(500, { "content-type": "text/html" });
      res.end(`<h1>${SECRET_BODY}</h1>`);
    });
    const notMcp = await listener((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(SECRET_BODY);
    });
    const silent = await listener(() => undefined);
    const inner = await listener((_req, res) => res.end("{}"));
    const redirect = await listener((_req, res) => {
      res.writeHead(307, { location: inner.url });
      res.end();
    });
    open.push(errorPage, notMcp, silent, inner, redirect);
    const closed = `http://127.0.0.1:${await freePort()}/mcp`;
    const reasons = await Promise.all(
      [closed, errorPage.url, notMcp.url, silent.url, redirect.url].map(async (url) => reason(url)),
    );
    for (const error of reasons) {
      expect(error.reason).toBe(HTTP_UNREACHABLE);
      expect(error.message).not.toContain("hunter2");
    }
    // The redirect was not followed, not even to an address the policy allows.
    expect(inner.requests).toHaveLength(0);
  });

  it("refuses plain http and loopback unless the platform is told, before connecting", async () => {
    const target = await listener((_req, res) => res.end("{}"));
    open.push(target);
    const error = await connectServer(
      { transport: "streamable-http", url: target.url },
      { timeoutMs: 1500, outbound: {} },
    ).catch((e: unknown) => e as McpStartError);
    expect(error).toBeInstanceOf(McpStartError);
    expect((error as McpStartError).reason).toContain("must use https");
    expect(target.connections).toBe(0);
  });
});

describe("finding 3: the address rules and the pinned lookup", () => {
  it.each([
    "169.254.169.254",
    "fd00:ec2::254",
    "::ffff:169.254.169.254",
    "::ffff:127.0.0.1",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "224.0.0.1",
    "ff02::1",
    "fe80::1",
    "::1",
    "127.0.0.1",
    "64:ff9b::a9fe:a9fe",
  ])("refuses %s for a host nobody allow-listed", (address) => {
    expect(addressAllowed("example.com", address, {})).toBe(false);
  });

  it("allows public addresses, and private ones only for an allow-listed host", () => {
    expect(addressAllowed("example.com", "93.184.215.14", {})).toBe(true);
    expect(addressAllowed("example.com", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", {})).toBe(true);
    expect(addressAllowed("mcp.corp.example", "10.1.2.3", { allowedHosts: ["*.corp.example"] })).toBe(true);
    expect(addressAllowed("corp.example.evil.com", "10.1.2.3", { allowedHosts: ["*.corp.example"] })).toBe(
      false,
    );
  });

  it("the lookup refuses a name with any non-public address and hands net.connect only checked addresses", async () => {
    const lookup = guardedLookup({});
    const refused = await new Promise<unknown>((done) =>
      lookup("localhost", { all: true }, (error) => done(error)),
    );
    expect(refused).toBeInstanceOf(Error);
    const allowed = guardedLookup({ allowedHosts: ["localhost"] });
    const addresses = await new Promise<unknown>((done) =>
      allowed("localhost", { all: true }, (_error, result) => done(result)),
    );
    expect(addresses).toEqual(expect.arrayContaining([expect.objectContaining({ address: "127.0.0.1" })]));
  });
});
