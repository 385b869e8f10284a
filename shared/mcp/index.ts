// Calling MCP servers: connect, probe, normalise results, pool connections per run.
export { type CallOptions, type ConnectOptions, connectServer, type McpConnection } from "./connect.js";
export {
  buildHeaders,
  buildServerEnv,
  type ResolveInput,
  redact,
  SAFE_BASE_ENV_KEYS,
  safeBaseEnv,
} from "./env.js";
export * from "./errors.js";
export { type ConnectFn, McpConnectionPool, type PoolOptions, RunConnectionPools } from "./pool.js";
export { probeConnection, probeServer } from "./probe.js";
export { ProbedPrompt, ProbedResource, ProbedTool, ProbeResult } from "./probe-result.js";
export { normaliseToolResult, ToolOutput } from "./result.js";
