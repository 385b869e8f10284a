// The runner's task environment, as the task launcher sets it (see docs/container-contract.md), parsed in one place.
import type { Runtime } from "../../shared/registry/schema.js";
import type { StepRefs } from "../../shared/runs/step-call.js";
import * as z from "../../shared/zod.js";

const JsonStringArray = (what: string) =>
  z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      try {
        const parsed = z.array(z.string()).safeParse(JSON.parse(raw));
        if (parsed.success) return parsed.data;
      } catch {
        // Reported below.
      }
      ctx.issues.push({ code: "custom", message: `must be a JSON array of strings (${what})`, input: raw });
      return z.NEVER;
    }),
  );

const PositiveSeconds = z.coerce.number().check(z.positive());
/** An empty variable counts as unset (what classic z.preprocess did: a transform piped into the schema). */
const optionalNonEmpty = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((v: unknown) => (v === "" ? undefined : v)),
    z.optional(schema),
  );

/** How the task's MCP server is started or reached: the same in both modes. */
const ServerFields = {
  MCPFLOW_SERVER_URL: optionalNonEmpty(z.url({ protocol: /^https?$/ })),
  MCPFLOW_SERVER_COMMAND: optionalNonEmpty(z.string().check(z.minLength(1))),
  MCPFLOW_SERVER_ARGS: optionalNonEmpty(JsonStringArray('e.g. ["server.js","--stdio"]')),
  MCPFLOW_SERVER_CWD: optionalNonEmpty(z.string().check(z.minLength(1))),
  /** Names of this container's env vars that belong to the stdio server (its ECS `environment` and `secrets`). */
  MCPFLOW_SERVER_ENV_KEYS: optionalNonEmpty(JsonStringArray('e.g. ["API_TOKEN"]')),
  MCPFLOW_START_TIMEOUT_SECONDS: optionalNonEmpty(PositiveSeconds),
};

export const RunnerEnv = z.object({
  MCPFLOW_TASK_TOKEN: z.string().check(z.minLength(1)),
  MCPFLOW_RUN_ID: z.string().check(z.minLength(1)),
  MCPFLOW_STEP_ID: z.string().check(z.minLength(1)),
  MCPFLOW_ITEM_INDEX: optionalNonEmpty(z.coerce.number().check(z.int(), z.gte(0))),
  MCPFLOW_WORKFLOW: z.string().check(z.minLength(1)),
  MCPFLOW_WORKFLOW_VERSION: z.coerce.number().check(z.int(), z.positive()),
  ...ServerFields,
  MCPFLOW_HEARTBEAT_SECONDS: optionalNonEmpty(PositiveSeconds),
});

/** The server-host mode (MCPFLOW_RUNNER_MODE=host): one task serves a run's server to its steps (./host.ts). */
export const HostEnv = z.object({
  MCPFLOW_TASK_TOKEN: z.string().check(z.minLength(1)),
  MCPFLOW_RUN_ID: z.string().check(z.minLength(1)),
  /** The run's execution: the host ends itself once it is no longer RUNNING. */
  MCPFLOW_EXECUTION_ARN: z.string().check(z.minLength(1)),
  /** SHA-256 (hex) of the run's host key; the key itself is in the run's record, for the step executor only. */
  MCPFLOW_HOST_KEY_SHA256: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")),
  MCPFLOW_HOST_PORT: optionalNonEmpty(z.coerce.number().check(z.int(), z.gte(0), z.lte(65535))),
  MCPFLOW_HOST_IDLE_SECONDS: optionalNonEmpty(PositiveSeconds),
  MCPFLOW_HOST_CHECK_SECONDS: optionalNonEmpty(PositiveSeconds),
  ...ServerFields,
});

export interface HostConfig {
  taskToken: string;
  runId: string;
  executionArn: string;
  keySha256: string;
  port?: number;
  idleMs?: number;
  checkMs?: number;
  server: ServerConfig;
}

/** The task's MCP server: its runtime and its own variables (never the runner's). */
export interface ServerConfig {
  runtime: Runtime;
  serverEnv: Record<string, string>;
  cwd?: string;
  startTimeoutMs?: number;
}

export interface RunnerConfig {
  taskToken: string;
  refs: StepRefs;
  runtime: Runtime;
  /** The stdio server's own variables, taken from this container's env by name; never the runner's. */
  serverEnv: Record<string, string>;
  cwd?: string;
  heartbeatMs?: number;
  startTimeoutMs?: number;
}

export type ParsedRunnerEnv =
  | { ok: true; config: RunnerConfig }
  | { ok: false; taskToken: string | undefined; problems: string[] };

/** The runner's own variables are never handed to the server, even if a launcher listed them by mistake. */
const RESERVED = /^(MCPFLOW_|AWS_|ECS_)/;

export function parseRunnerEnv(env: NodeJS.ProcessEnv): ParsedRunnerEnv {
  const parsed = parseWith(RunnerEnv, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  const server = serverOf(e, env);
  return {
    ok: true,
    config: {
      taskToken: e.MCPFLOW_TASK_TOKEN,
      refs: {
        runId: e.MCPFLOW_RUN_ID,
        stepId: e.MCPFLOW_STEP_ID,
        ...(e.MCPFLOW_ITEM_INDEX !== undefined ? { itemIndex: e.MCPFLOW_ITEM_INDEX } : {}),
        workflow: e.MCPFLOW_WORKFLOW,
        workflowVersion: e.MCPFLOW_WORKFLOW_VERSION,
      },
      runtime: server.runtime,
      serverEnv: server.serverEnv,
      cwd: server.cwd,
      heartbeatMs: e.MCPFLOW_HEARTBEAT_SECONDS === undefined ? undefined : e.MCPFLOW_HEARTBEAT_SECONDS * 1000,
      startTimeoutMs: server.startTimeoutMs,
    },
  };
}

export type ParsedHostEnv =
  | { ok: true; config: HostConfig }
  | { ok: false; taskToken: string | undefined; problems: string[] };

export function parseHostEnv(env: NodeJS.ProcessEnv): ParsedHostEnv {
  const parsed = parseWith(HostEnv, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000);
  return {
    ok: true,
    config: {
      taskToken: e.MCPFLOW_TASK_TOKEN,
      runId: e.MCPFLOW_RUN_ID,
      executionArn: e.MCPFLOW_EXECUTION_ARN,
      keySha256: e.MCPFLOW_HOST_KEY_SHA256,
      ...(e.MCPFLOW_HOST_PORT !== undefined ? { port: e.MCPFLOW_HOST_PORT } : {}),
      ...(e.MCPFLOW_HOST_IDLE_SECONDS !== undefined ? { idleMs: seconds(e.MCPFLOW_HOST_IDLE_SECONDS) } : {}),
      ...(e.MCPFLOW_HOST_CHECK_SECONDS !== undefined
        ? { checkMs: seconds(e.MCPFLOW_HOST_CHECK_SECONDS) }
        : {}),
      server: serverOf(e, env),
    },
  };
}

type ServerFieldValues = z.infer<z.ZodMiniObject<typeof ServerFields>>;

function parseWith<S extends typeof RunnerEnv | typeof HostEnv>(
  schema: S,
  env: NodeJS.ProcessEnv,
): { ok: true; data: z.infer<S> } | { ok: false; taskToken: string | undefined; problems: string[] } {
  const parsed = schema.safeParse(env);
  // Names and rules only, never values: a value could be a secret. All problems at once, not the first.
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`);
  if (!env.MCPFLOW_SERVER_URL === !env.MCPFLOW_SERVER_COMMAND) {
    problems.push("set exactly one of MCPFLOW_SERVER_URL and MCPFLOW_SERVER_COMMAND");
  }
  if (!parsed.success || problems.length > 0) {
    const token = env.MCPFLOW_TASK_TOKEN;
    return { ok: false, taskToken: token && token.length > 0 ? token : undefined, problems };
  }
  return { ok: true, data: parsed.data as z.infer<S> };
}

function serverOf(e: ServerFieldValues, env: NodeJS.ProcessEnv): ServerConfig {
  const runtime: Runtime = e.MCPFLOW_SERVER_URL
    ? { transport: "streamable-http", url: e.MCPFLOW_SERVER_URL }
    : { transport: "stdio", command: e.MCPFLOW_SERVER_COMMAND!, args: e.MCPFLOW_SERVER_ARGS ?? [] };
  const serverEnv: Record<string, string> = {};
  for (const key of e.MCPFLOW_SERVER_ENV_KEYS ?? []) {
    const value = env[key];
    if (value !== undefined && !RESERVED.test(key)) serverEnv[key] = value;
  }
  return {
    runtime,
    serverEnv,
    cwd: e.MCPFLOW_SERVER_CWD,
    startTimeoutMs:
      e.MCPFLOW_START_TIMEOUT_SECONDS === undefined ? undefined : e.MCPFLOW_START_TIMEOUT_SECONDS * 1000,
  };
}
