// Where the step executor may connect for a run's server task (decision 0008): plain http to a private IPv4 literal
// on the host port, and nothing else. Not the guard of remote servers (https, public addresses), which refuses exactly
// this; and narrower than it, since a hostile server can report a false address for its own start.
import ipaddr from "ipaddr.js";

/** The port a host serves on (functions/runner/host.ts) and the only one the executor connects to. */
export const RUN_HOST_PORT = 7777;
/** The MCP endpoint on a host. */
export const RUN_HOST_PATH = "/mcp";

export interface RunHostRule {
  port: number;
  /**
   * Tests only (MCPFLOW_HOST_ALLOW_LOOPBACK=1, which the CDK never sets): also 127.0.0.1 on any port, where the
   * end-to-end suite plays Fargate and runs each host on this machine.
   */
  allowLoopback: boolean;
}

export function runHostRuleFromEnv(env: NodeJS.ProcessEnv = process.env): RunHostRule {
  const port = Number(env.MCPFLOW_HOST_PORT);
  return {
    port: Number.isInteger(port) && port > 0 && port <= 65535 ? port : RUN_HOST_PORT,
    allowLoopback: env.MCPFLOW_HOST_ALLOW_LOOPBACK === "1",
  };
}

/** What is wrong with a host URL under the rule; undefined when the executor may connect. */
export function runHostProblem(url: URL, rule: RunHostRule): string | undefined {
  if (url.protocol !== "http:") return "must use http (a run's server task serves plain http inside the VPC)";
  if (url.username || url.password) return "must not carry credentials";
  const host = url.hostname;
  if (!ipaddr.IPv4.isValidFourPartDecimal(host)) return "must be an IPv4 address literal";
  const range = ipaddr.IPv4.parse(host).range();
  const port = Number(url.port || 80);
  if (rule.allowLoopback && range === "loopback") return undefined;
  if (range !== "private") return `must be a private address, not ${range}`;
  if (port !== rule.port) return `must be on port ${rule.port}`;
  if (url.pathname !== RUN_HOST_PATH) return `must be the MCP endpoint ${RUN_HOST_PATH}`;
  return undefined;
}
