// The rule the step executor connects to a run's server task under (decision 0008): plain http to a private IPv4
// literal on the host port, the MCP path, nothing else; the test flag admits loopback only.
import { describe, expect, test } from "vitest";
import { urlProblem } from "../../../shared/outbound/address.js";
import { RUN_HOST_PORT, runHostProblem, runHostRuleFromEnv } from "../../../shared/outbound/run-host.js";

const rule = runHostRuleFromEnv({});

describe("the run host rule", () => {
  test("admits a private IPv4 literal on the host port, on the MCP path", () => {
    for (const url of [
      "http://10.0.1.23:7777/mcp",
      "http://172.16.4.5:7777/mcp",
      "http://192.168.0.9:7777/mcp",
    ])
      expect(runHostProblem(new URL(url), rule), url).toBeUndefined();
    expect(rule).toEqual({ port: RUN_HOST_PORT, allowLoopback: false });
  });

  test.each([
    ["http://127.0.0.1:7777/mcp", /private address, not loopback/],
    ["http://8.8.8.8:7777/mcp", /private address, not unicast/],
    ["http://169.254.169.254:7777/mcp", /private address, not linkLocal/],
    ["http://100.64.0.1:7777/mcp", /private address/],
    ["http://host.internal:7777/mcp", /IPv4 address literal/],
    ["http://[fd00::1]:7777/mcp", /IPv4 address literal/],
    ["https://10.0.1.2:7777/mcp", /must use http/],
    ["http://10.0.1.2:22/mcp", /port 7777/],
    ["http://10.0.1.2/mcp", /port 7777/],
    ["http://10.0.1.2:7777/admin", /MCP endpoint/],
    ["http://user:pw@10.0.1.2:7777/mcp", /credentials/],
  ])("refuses %s", (url, problem) => {
    expect(runHostProblem(new URL(url), rule)).toMatch(problem);
  });

  test("the test flag admits 127.0.0.1 on any port and nothing more", () => {
    const testing = runHostRuleFromEnv({ MCPFLOW_HOST_ALLOW_LOOPBACK: "1" });
    expect(runHostProblem(new URL("http://127.0.0.1:41234/mcp"), testing)).toBeUndefined();
    expect(runHostProblem(new URL("http://8.8.8.8:7777/mcp"), testing)).toMatch(/private address/);
    expect(runHostProblem(new URL("http://10.0.0.1:41234/mcp"), testing)).toMatch(/port 7777/);
  });

  test("replaces the public guard's rules when the policy names it, and only then", () => {
    const host = new URL("http://10.0.1.23:7777/mcp");
    expect(urlProblem(host, { runHost: rule })).toBeUndefined();
    expect(urlProblem(host, {})).toMatch(/https/);
    expect(urlProblem(new URL("https://example.com/mcp"), { runHost: rule })).toMatch(/http/);
  });

  test("MCPFLOW_HOST_PORT changes the port; nonsense keeps the default", () => {
    expect(runHostRuleFromEnv({ MCPFLOW_HOST_PORT: "8080" }).port).toBe(8080);
    expect(runHostRuleFromEnv({ MCPFLOW_HOST_PORT: "0" }).port).toBe(RUN_HOST_PORT);
    expect(runHostRuleFromEnv({ MCPFLOW_HOST_PORT: "x" }).port).toBe(RUN_HOST_PORT);
  });
});
