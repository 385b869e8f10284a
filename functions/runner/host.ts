// The runner's server-host mode (MCPFLOW_RUNNER_MODE=host): one Fargate task per (server, version) a run uses,
// started once at the run's start. It starts the task's MCP server (a stdio child, or the server's own HTTP
// container), serves it over Streamable HTTP on the task's private address to callers that hold the run's host key,
// reports that address with the task token, and ends itself when its run has ended or nobody called it for a while.
// See docs/decisions/0008-run-scoped-server-tasks.md.
import { timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectServer, type McpConnection } from "../../shared/mcp/connect.js";
import type { ConnectFn } from "../../shared/mcp/pool.js";
import {
  errorNameOf,
  reportToTask,
  sendTaskResult,
  TASK_GONE,
} from "../../shared/orchestrator/task-token.js";
import { RUN_HOST_PATH, RUN_HOST_PORT } from "../../shared/outbound/run-host.js";
import { hostKeyDigest } from "../../shared/runs/host-key.js";
import { hostFailure, hostFailureOf } from "../../shared/runs/step-execution.js";
import { type HostConfig, parseHostEnv } from "./config.js";
import { EXIT_CODES, maskableValues, type RunnerLogger, startTaskServer } from "./runner.js";

/** Where the step executor reaches the host: `http://<task address>:<port>/mcp`. */
export const HOST_PATH = RUN_HOST_PATH;

const DEFAULTS = {
  /** Not the server's own port: a sidecar server serves on its declared one (docs/container-contract.md). */
  port: RUN_HOST_PORT,
  /** A run can wait long between two calls (retries, a slow branch); its end is what normally stops the host. */
  idleMs: 30 * 60_000,
  checkMs: 60_000,
  startTimeoutMs: 60_000,
  closeGraceMs: 1000,
};

/** A tool call through the host has no bound of its own: the caller's step timeout bounds it (and aborts it). */
const CALL_BOUND_MS = 24 * 60 * 60_000;

export interface HostDeps {
  sfn: Pick<SFNClient, "send">;
  connect?: ConnectFn;
  log?: RunnerLogger;
  /** The task's private address (the ECS task metadata endpoint on Fargate). */
  address?: () => Promise<string>;
  /** Aborted when the task is told to stop (SIGTERM from ECS StopTask). */
  stop?: AbortSignal;
}

const silentLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

/** Parses the environment and serves until the run ends; the number is the process exit code. */
export async function serveFromEnv(env: NodeJS.ProcessEnv, deps: HostDeps): Promise<number> {
  const log = deps.log ?? silentLogger;
  const parsed = parseHostEnv(env);
  if (parsed.ok) return serveRunServer(parsed.config, deps, env);
  log.error("task environment is invalid", { problems: parsed.problems });
  if (!parsed.taskToken) return EXIT_CODES.config;
  const failure = hostFailure(`the task environment is invalid: ${parsed.problems.join("; ")}`);
  const sent = await reportToTask(deps.sfn, parsed.taskToken, { status: "FAILED", failure });
  return sent.sent ? EXIT_CODES.reported : EXIT_CODES.reportFailed;
}

export async function serveRunServer(
  config: HostConfig,
  deps: HostDeps,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const log = deps.log ?? silentLogger;
  const secretValues = maskableValues(config.server.serverEnv);
  const idleMs = config.idleMs ?? DEFAULTS.idleMs;
  const checkMs = config.checkMs ?? DEFAULTS.checkMs;

  let upstream: McpConnection;
  let url: string;
  const http = createServer();
  try {
    upstream = await startTaskServer(deps.connect ?? connectServer, config.server, {
      startTimeoutMs: config.server.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      closeGraceMs: DEFAULTS.closeGraceMs,
      ...(deps.stop ? { signal: deps.stop } : {}),
    });
  } catch (error) {
    log.error("the server did not start", { error: error instanceof Error ? error.message : String(error) });
    const failure = hostFailureOf(error, secretValues);
    const sent = await reportToTask(deps.sfn, config.taskToken, { status: "FAILED", failure });
    return sent.sent ? EXIT_CODES.reported : EXIT_CODES.reportFailed;
  }

  let lastActivity = Date.now();
  let inFlight = 0;
  const keyHash = Buffer.from(config.keySha256, "hex");
  http.on("request", (req, res) => {
    lastActivity = Date.now();
    inFlight++;
    res.on("close", () => {
      inFlight--;
      lastActivity = Date.now();
    });
    void serveRequest(req, res, upstream, keyHash).catch((error: unknown) => {
      log.warn("request failed", { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) problem(res, 500, "the host could not serve the request");
    });
  });

  try {
    const address = await (deps.address ?? (() => taskAddress(env)))();
    // On Fargate the task has a network namespace of its own (awsvpc); elsewhere (MCPFLOW_HOST_ADDRESS, the tests)
    // the host serves only on the address it reports.
    http.listen(config.port ?? DEFAULTS.port, env.ECS_CONTAINER_METADATA_URI_V4 ? "0.0.0.0" : address);
    await once(http, "listening");
    url = `http://${address}:${(http.address() as AddressInfo).port}${HOST_PATH}`;
  } catch (error) {
    http.close();
    await upstream.close();
    const failure = hostFailure(
      `the host could not serve: ${error instanceof Error ? error.message : String(error)}`,
    );
    const sent = await reportToTask(deps.sfn, config.taskToken, { status: "FAILED", failure });
    return sent.sent ? EXIT_CODES.reported : EXIT_CODES.reportFailed;
  }

  // The Task's result: where the run's steps reach this server. No secret in it (it lands in the state and history).
  const sent = await sendTaskResult(deps.sfn, config.taskToken, { url });
  if (!sent.sent) {
    log.error("SendTaskSuccess failed; nobody will call this host", { error: errorNameOf(sent.error) });
    http.close();
    await upstream.close();
    return EXIT_CODES.reportFailed;
  }
  log.info("serving the run's server", { url, runId: config.runId });

  let lastChecked = Date.now();
  const why = await untilDone({
    upstream,
    stop: deps.stop,
    every: Math.min(checkMs, idleMs),
    check: async () => {
      if (inFlight === 0 && Date.now() - lastActivity >= idleMs) return "idle";
      if (Date.now() - lastChecked < checkMs) return undefined;
      lastChecked = Date.now();
      return (await runEnded(deps.sfn, config.executionArn, log)) ? "run ended" : undefined;
    },
  });
  log.info("stopping", { why, runId: config.runId });
  http.closeAllConnections();
  http.close();
  await upstream.close();
  return EXIT_CODES.reported;
}

/** Resolves with why the host stops: its run ended, nobody called it for the idle limit, its server died, or ECS. */
async function untilDone(watch: {
  upstream: McpConnection;
  stop: AbortSignal | undefined;
  every: number;
  check: () => Promise<string | undefined>;
}): Promise<string> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (why: string) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      resolve(why);
    };
    watch.upstream.onClose(() => finish("the server exited"));
    watch.stop?.addEventListener("abort", () => finish("told to stop"), { once: true });
    if (watch.stop?.aborted) finish("told to stop");
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      watch
        .check()
        .then((why) => why && finish(why))
        .finally(() => {
          checking = false;
        });
    }, watch.every);
  });
}

/** True once the execution is no longer RUNNING, or Step Functions does not know it. */
async function runEnded(sfn: Pick<SFNClient, "send">, executionArn: string, log: RunnerLogger) {
  try {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution.status !== "RUNNING";
  } catch (error) {
    const name = errorNameOf(error);
    if (name === "ExecutionDoesNotExist" || TASK_GONE.has(name)) return true;
    // Throttled or unreachable: ask again later; the idle limit still ends a host nobody calls.
    log.warn("could not read the run's execution", { error: name });
    return false;
  }
}

/** One request: the run's host key, then the MCP exchange, stateless (each request its own transport). */
async function serveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: McpConnection,
  keyHash: Buffer,
): Promise<void> {
  if (!authorized(req.headers.authorization, keyHash)) {
    problem(res, 401, "a valid host key is required");
    return;
  }
  if (new URL(req.url ?? "/", "http://host").pathname !== HOST_PATH) {
    problem(res, 404, `the MCP endpoint is ${HOST_PATH}`);
    return;
  }
  const server = new Server(
    { name: `mcpflow-host:${upstream.serverInfo.name}`, version: upstream.serverInfo.version },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await upstream.listTools() }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    upstream.callTool(request.params.name, request.params.arguments ?? {}, {
      timeoutMs: CALL_BOUND_MS,
      signal: extra.signal,
    }),
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

/** `Authorization: Bearer <key>` whose SHA-256 is the run's; compared in constant time. */
export function authorized(header: string | undefined, keyHash: Buffer): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? "");
  if (!match) return false;
  const digest = hostKeyDigest(match[1]!);
  return digest.length === keyHash.length && timingSafeEqual(digest, keyHash);
}

function problem(res: ServerResponse, status: number, detail: string): void {
  res.writeHead(status, { "content-type": "application/problem+json" });
  res.end(JSON.stringify({ status, title: status === 401 ? "Unauthorized" : "Error", detail }));
}

/**
 * The task's private IPv4 address. On Fargate the container metadata endpoint (v4) names it; elsewhere
 * MCPFLOW_HOST_ADDRESS must.
 */
export async function taskAddress(env: NodeJS.ProcessEnv): Promise<string> {
  const metadata = env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadata) {
    const response = await fetch(metadata, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`the task metadata endpoint answered ${response.status}`);
    const container = (await response.json()) as { Networks?: { IPv4Addresses?: string[] }[] };
    const address = container.Networks?.flatMap((n) => n.IPv4Addresses ?? [])[0];
    if (address) return address;
    throw new Error("the task metadata names no IPv4 address");
  }
  if (env.MCPFLOW_HOST_ADDRESS) return env.MCPFLOW_HOST_ADDRESS;
  throw new Error("no task address: neither ECS_CONTAINER_METADATA_URI_V4 nor MCPFLOW_HOST_ADDRESS is set");
}
