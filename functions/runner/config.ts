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

export const RunnerEnv = z.object({
  MCPFLOW_TASK_TOKEN: z.string().check(z.minLength(1)),
  MCPFLOW_RUN_ID: z.string().check(z.minLength(1)),
  MCPFLOW_STEP_ID: z.string().check(z.minLength(1)),
  MCPFLOW_ITEM_INDEX: optionalNonEmpty(z.coerce.number().check(z.int(), z.gte(0))),
  MCPFLOW_WORKFLOW: z.string().check(z.minLength(1)),
  MCPFLOW_WORKFLOW_VERSION: z.coerce.number().check(z.int(), z.positive()),
  MCPFLOW_SERVER_URL: optionalNonEmpty(z.url({ protocol: /^https?$/ })),
  MCPFLOW_SERVER_COMMAND: optionalNonEmpty(z.string().check(z.minLength(1))),
  MCPFLOW_SERVER_ARGS: optionalNonEmpty(JsonStringArray('e.g. ["server.js","--stdio"]')),
  MCPFLOW_SERVER_CWD: optionalNonEmpty(z.string().check(z.minLength(1))),
  /** Names of this container's env vars that belong to the stdio server (its ECS `environment` and `secrets`). */
  MCPFLOW_SERVER_ENV_KEYS: optionalNonEmpty(JsonStringArray('e.g. ["API_TOKEN"]')),
  MCPFLOW_HEARTBEAT_SECONDS: optionalNonEmpty(PositiveSeconds),
  MCPFLOW_START_TIMEOUT_SECONDS: optionalNonEmpty(PositiveSeconds),
});

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
  const parsed = RunnerEnv.safeParse(env);
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
  const e = parsed.data;
  const runtime: Runtime = e.MCPFLOW_SERVER_URL
    ? { transport: "streamable-http", url: e.MCPFLOW_SERVER_URL }
    : { transport: "stdio", command: e.MCPFLOW_SERVER_COMMAND, args: e.MCPFLOW_SERVER_ARGS ?? [] };
  const serverEnv: Record<string, string> = {};
  for (const key of e.MCPFLOW_SERVER_ENV_KEYS ?? []) {
    const value = env[key];
    if (value !== undefined && !RESERVED.test(key)) serverEnv[key] = value;
  }
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
      runtime,
      serverEnv,
      cwd: e.MCPFLOW_SERVER_CWD,
      heartbeatMs: e.MCPFLOW_HEARTBEAT_SECONDS === undefined ? undefined : e.MCPFLOW_HEARTBEAT_SECONDS * 1000,
      startTimeoutMs:
        e.MCPFLOW_START_TIMEOUT_SECONDS === undefined ? undefined : e.MCPFLOW_START_TIMEOUT_SECONDS * 1000,
    },
  };
}
