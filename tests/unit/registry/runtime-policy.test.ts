// The allow-list matches whole names only (no prefix tricks), covers everything that executes, and the runtime digest
// depends on content, not on key order.
import { describe, expect, it } from "vitest";
import type { RuntimeSubject } from "../../../shared/registry/runtime-digest.js";
import { canonicalJson, runtimeDigest, runtimeSubject } from "../../../shared/registry/runtime-digest.js";
import { matchRuntimePolicy } from "../../../shared/registry/runtime-policy.js";
import { RuntimePolicyRules } from "../../../shared/registry/runtime-policy-schema.js";
import { grantCovers } from "../../../shared/registry/secret-grants.js";

const policy = (rules: Partial<RuntimePolicyRules>) => RuntimePolicyRules.parse(rules);
const stdio = (command: string, args: string[] = [], env?: Record<string, string>): RuntimeSubject => ({
  runtime: { transport: "stdio", command, args, ...(env ? { env } : {}) },
});
const remote = (url: string): RuntimeSubject => ({ runtime: { transport: "streamable-http", url } });
const npm = (identifier: string, version?: string): RuntimeSubject => ({
  runtime: {
    transport: "stdio",
    command: "npx",
    args: ["-y", version ? `${identifier}@${version}` : identifier],
  },
  package: { registryType: "npm", identifier, ...(version ? { version } : {}) },
});
const image = (ref: string): RuntimeSubject => ({ runtime: { transport: "stdio", image: ref } });
const matched = (rules: Partial<RuntimePolicyRules>, subject: RuntimeSubject) =>
  matchRuntimePolicy(policy(rules), subject).matched;

describe("matchRuntimePolicy", () => {
  it("Compliance: commands match exactly, with their leading arguments", () => {
    expect(matched({ commands: [{ command: "npx" }] }, stdio("npx", ["-y", "x"]))).toBe(true);
    expect(
      matched(
        { commands: [{ command: "node", args: ["/srv/a.js"] }] },
        stdio("node", ["/srv/a.js", "stdio"]),
      ),
    ).toBe(true);
  });

  it("Noncompliance: no command prefix, path or argument tricks", () => {
    const rules = { commands: [{ command: "npx" }, { command: "node", args: ["/srv/a.js"] }] };
    expect(matched(rules, stdio("npx-evil"))).toBe(false);
    expect(matched(rules, stdio("./npx"))).toBe(false);
    expect(matched(rules, stdio("/usr/bin/npx"))).toBe(false);
    expect(matched(rules, stdio("node", ["-e", "evil()", "/srv/a.js"]))).toBe(false);
    expect(matched(rules, stdio("node", ["/srv/a.js.evil"]))).toBe(false);
    expect(matched(rules, stdio("node"))).toBe(false);
  });

  it("Noncompliance: an allowed command with a loader variable set (NODE_OPTIONS, LD_PRELOAD...)", () => {
    const rules = { commands: [{ command: "npx" }] };
    for (const name of ["NODE_OPTIONS", "LD_PRELOAD", "PYTHONPATH", "npm_config_registry", "PATH"]) {
      expect(matched(rules, stdio("npx", [], { [name]: "x" })), name).toBe(false);
    }
    expect(matched(rules, stdio("npx", [], { API_URL: "https://x" }))).toBe(true);
  });

  it("Compliance and noncompliance: hosts by whole name, subdomains only with *., https only", () => {
    const rules = { hosts: ["example.com", "*.corp.example"] };
    expect(matched(rules, remote("https://example.com/mcp"))).toBe(true);
    expect(matched(rules, remote("https://EXAMPLE.com./mcp"))).toBe(true);
    expect(matched(rules, remote("https://a.corp.example/mcp"))).toBe(true);
    expect(matched(rules, remote("https://example.com.evil.net/mcp"))).toBe(false);
    expect(matched(rules, remote("https://evilexample.com/mcp"))).toBe(false);
    expect(matched(rules, remote("https://a.example.com/mcp"))).toBe(false);
    expect(matched(rules, remote("https://corp.example/mcp"))).toBe(false);
    expect(matched(rules, remote("https://evilcorp.example/mcp"))).toBe(false);
    expect(matched(rules, remote("https://example.com@evil.net/mcp"))).toBe(false);
    expect(matched(rules, remote("http://example.com/mcp"))).toBe(false);
  });

  it("Compliance and noncompliance: packages by exact identifier or whole scope, pinned only", () => {
    const rules = { packages: [{ registryType: "npm" as const, identifier: "@modelcontextprotocol/*" }] };
    expect(matched(rules, npm("@modelcontextprotocol/server-everything", "1.0.0"))).toBe(true);
    expect(matched(rules, npm("@modelcontextprotocol-evil/server", "1.0.0"))).toBe(false);
    expect(matched(rules, npm("@modelcontextprotocol/server-everything"))).toBe(false);
    const exact = { packages: [{ registryType: "pypi" as const, identifier: "mcp-server-fetch" }] };
    expect(
      matched(exact, {
        ...stdio("uvx"),
        package: { registryType: "pypi", identifier: "MCP_Server.Fetch", version: "1" },
      }),
    ).toBe(true);
    expect(
      matched(exact, {
        ...stdio("uvx"),
        package: { registryType: "pypi", identifier: "mcp-server-fetch-evil", version: "1" },
      }),
    ).toBe(false);
  });

  it("Compliance and noncompliance: images by repository, exact tag, or whole path segment", () => {
    const rules = { images: ["ghcr.io/acme/*", "docker.io/library/node", "quay.io/x/y:1.0"] };
    expect(matched(rules, image("ghcr.io/acme/server:1.2"))).toBe(true);
    expect(matched(rules, image("ghcr.io/acme/server@sha256:abc"))).toBe(true);
    expect(matched(rules, image("ghcr.io/acme-evil/server:1"))).toBe(false);
    expect(matched(rules, image("ghcr.io/acme"))).toBe(false);
    expect(matched(rules, image("docker.io/library/node:22"))).toBe(true);
    expect(matched(rules, image("docker.io/library/node-evil:22"))).toBe(false);
    expect(matched(rules, image("quay.io/x/y:1.0"))).toBe(true);
    expect(matched(rules, image("quay.io/x/y:1.1"))).toBe(false);
  });
});

describe("runtimeDigest", () => {
  it("depends on content, not on key order, and covers the package identity", () => {
    const a = runtimeSubject({
      name: "io.x/y",
      version: "1.0.0",
      description: "d",
      runtime: { transport: "stdio", command: "node", args: ["a"], env: { A: "1", B: { secret: "b" } } },
    });
    const b = runtimeSubject({
      name: "io.x/y",
      version: "2.0.0",
      description: "other",
      runtime: { env: { B: { secret: "b" }, A: "1" }, args: ["a"], command: "node", transport: "stdio" },
    });
    expect(runtimeDigest(a!)).toBe(runtimeDigest(b!));
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    const pkg = (fileSha256?: string) =>
      runtimeSubject({
        name: "io.x/y",
        version: "1.0.0",
        description: "d",
        packages: [
          {
            registryType: "npm",
            identifier: "x",
            version: "1.0.0",
            transport: { type: "stdio" },
            ...(fileSha256 ? { fileSha256 } : {}),
          },
        ],
      })!;
    expect(runtimeDigest(pkg())).not.toBe(runtimeDigest(pkg("a".repeat(64))));
  });
});

describe("grantCovers", () => {
  it("covers an exactly named version; a range only for explicitly approved versions", () => {
    expect(grantCovers("1.0.0", "1.0.0", false)).toBe(true);
    expect(grantCovers("^1.0.0", "1.0.1", false)).toBe(false);
    expect(grantCovers("^1.0.0", "1.0.1", true)).toBe(true);
    expect(grantCovers("^1.0.0", "2.0.0", true)).toBe(false);
    expect(grantCovers("1.0.0", "1.0.0-evil", true)).toBe(false);
  });
});
