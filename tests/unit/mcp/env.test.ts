// What a server process may see, and what is masked in its messages.
import { describe, expect, it } from "vitest";
import { buildHeaders, buildServerEnv, redact, safeBaseEnv, secretValues } from "../../../shared/mcp/env.js";
import { McpStartError } from "../../../shared/mcp/errors.js";
import type { Runtime } from "../../../shared/registry/schema.js";

const parent = {
  PATH: "/usr/bin",
  HOME: "/home/app",
  AWS_SECRET_ACCESS_KEY: "aws",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds",
  MCPFLOW_TASK_TOKEN: "token",
  BASH_FUNC_x: "() { :; }",
  TZ: "() { evil; }",
};

describe("buildServerEnv", () => {
  it("keeps only the safe base of the parent environment", () => {
    expect(safeBaseEnv(parent)).toEqual({ PATH: "/usr/bin", HOME: "/home/app" });
  });

  it("layers runtime literals, resolved secrets and caller values on the base", () => {
    const runtime: Runtime = {
      transport: "stdio",
      command: "node",
      env: { MODE: "prod", API_TOKEN: { secret: "api" }, PATH: "/opt/bin" },
    };
    const env = buildServerEnv(runtime, { secrets: { api: "s-1" }, env: { EXTRA: "1" } }, "node", parent);
    expect(env).toEqual({ PATH: "/opt/bin", HOME: "/home/app", MODE: "prod", API_TOKEN: "s-1", EXTRA: "1" });
  });

  it("takes a secret env var's value from input.env by variable name when no secret map is given", () => {
    const runtime: Runtime = { transport: "stdio", command: "node", env: { API_TOKEN: { secret: "api" } } };
    expect(buildServerEnv(runtime, { env: { API_TOKEN: "s-2" } }, "node", parent).API_TOKEN).toBe("s-2");
  });

  it("refuses an unresolved secret with a McpStartError that names the variable, not a value", () => {
    const runtime: Runtime = { transport: "stdio", command: "node", env: { API_TOKEN: { secret: "api" } } };
    expect(() => buildServerEnv(runtime, {}, "node", parent)).toThrow(McpStartError);
    expect(() => buildServerEnv(runtime, {}, "node", parent)).toThrow(/env API_TOKEN refers to secret "api"/);
  });
});

describe("buildHeaders", () => {
  it("resolves literal and secret headers", () => {
    const runtime: Runtime = {
      transport: "streamable-http",
      url: "https://mcp.example.com/mcp",
      headers: { authorization: { secret: "bearer" }, "x-team": "a" },
    };
    expect(buildHeaders(runtime, { secrets: { bearer: "Bearer t" } }, "x")).toEqual({
      authorization: "Bearer t",
      "x-team": "a",
    });
  });
});

describe("redact", () => {
  it("masks every secret value, longest first, and ignores values too short to mask safely", () => {
    const runtime: Runtime = { transport: "stdio", command: "node", env: { A: { secret: "a" } } };
    const values = secretValues(runtime, {
      secrets: { a: "abcdef", b: "abcdefgh", c: "ab" },
      env: { X: "xyz-123" },
    });
    expect(values).toEqual(["abcdefgh", "xyz-123", "abcdef"]);
    expect(redact("abcdefgh abcdef xyz-123 ab", values)).toBe("*** *** *** ab");
  });
});
