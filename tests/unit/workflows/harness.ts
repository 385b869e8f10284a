// Runs compiled workflows on the real ASL interpreter (aws-local-stepfunctions); a local handler plays the runner.
import { StateMachine } from "aws-local-stepfunctions";
import { executionInputOf } from "../../../shared/orchestrator/execution-input.js";
import { parseTaskRefs } from "../../../shared/runs/step-call.js";
import {
  parseWorkflow,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
} from "../../../shared/workflows/definition.js";
import {
  parseSingleReference,
  resolveReference,
  resolveTemplate,
  type StepResult,
  type TemplateContext,
} from "../../../shared/workflows/references.js";
import { serverKey } from "../../../shared/workflows/validate.js";
import { type CompileOptions, compileWorkflow, type State } from "../../../statemachines/compile.js";

/** The server every test step calls (pinned, so compiling needs no registry). */
export const SERVER = "io.github.example/tools@1.0.0";

/** A step calling tool `t` on SERVER, with `extra` fields. */
export const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  server: SERVER,
  tool: "t",
  ...extra,
});

/** A parsed workflow `w` of `steps`. */
export const workflow = (steps: WorkflowDefinitionInput["steps"], extra: Record<string, unknown> = {}) =>
  parseWorkflow({ name: "w", steps, ...extra });

export const TARGET = {
  clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/mcpflow",
  subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
  securityGroups: ["sg-0123456789abcdef0"],
  remoteInvokerArn: "arn:aws:lambda:eu-west-1:123456789012:function:mcpflow-remote-invoker",
  runnerContainerName: "runner",
} as const;

/** Every pinned server of the workflow runs on ECS, unless listed in `remote`. */
export function optionsFor(definition: WorkflowDefinition, remote: readonly string[] = []): CompileOptions {
  const servers: CompileOptions["servers"] = {};
  for (const step of definition.steps) {
    const key = serverKey(step.server);
    const slug = step.server.name.replace(/[^a-zA-Z0-9]+/g, "-");
    servers[key] = remote.includes(key)
      ? { mode: "remote" }
      : {
          mode: "ecs",
          taskDefinition: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${slug}-${step.server.version}:1`,
        };
  }
  return {
    servers,
    target: { ...TARGET, subnets: [...TARGET.subnets], securityGroups: [...TARGET.securityGroups] },
    workflowVersion: "3",
  };
}

export interface ToolCallRecord {
  stepId: string;
  tool: string;
  itemIndex?: number;
  attempt: number;
  arguments: unknown;
  /** The context the runner resolved the arguments against, as it was at call time. */
  context: TemplateContext;
  /** Logical clock ticks: every start and finish takes the next tick. */
  startedAt: number;
  finishedAt?: number;
  failed?: boolean;
  parameters: Record<string, unknown>;
}

export interface ToolInvocation {
  stepId: string;
  tool: string;
  arguments: unknown;
  itemIndex?: number;
  attempt: number;
}

export class McpToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Mcp.ToolError";
  }
}

export interface LocalRunOptions {
  /** What the tool returns as `json` (default: `{ step, arguments }`); throw McpToolError to fail the call. */
  tool?: (call: ToolInvocation) => unknown | Promise<unknown>;
  /** Milliseconds each call takes, so that concurrent calls overlap in wall time. */
  delayMs?: number | ((call: ToolInvocation) => number);
  compileOptions?: CompileOptions;
  /**
   * Let the interpreter run asl-validator first (default). It costs about a second per run, so the property test,
   * which validates the same shapes separately, turns it off.
   */
  validate?: boolean;
  /** Told every state's input and output as the interpreter passes it on (to measure the state's size). */
  onState?: (state: unknown) => void;
}

export interface LocalRun {
  result?: unknown;
  error?: Error;
  calls: ToolCallRecord[];
  /** The runner's view of step results at the end. */
  steps: Record<string, StepResult>;
  /** The RunTask parameters of every server task the run started ("Start servers"). */
  hostStarts: Record<string, unknown>[];
}

function taskStateNames(states: Record<string, State>, names: string[] = []): string[] {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Task") names.push(name);
    for (const branch of (state.Branches as { States: Record<string, State> }[] | undefined) ?? []) {
      taskStateNames(branch.States, names);
    }
    const processor = state.ItemProcessor as { States: Record<string, State> } | undefined;
    if (processor) taskStateNames(processor.States, names);
  }
  return names;
}

function environmentOf(parameters: Record<string, unknown>): Record<string, string | number> {
  const refs = parseTaskRefs(parameters);
  return {
    MCPFLOW_RUN_ID: refs.runId,
    MCPFLOW_STEP_ID: refs.stepId,
    ...(refs.itemIndex === undefined ? {} : { MCPFLOW_ITEM_INDEX: String(refs.itemIndex) }),
    MCPFLOW_WORKFLOW: refs.workflow,
    MCPFLOW_WORKFLOW_VERSION: refs.workflowVersion,
  };
}

/** A run's server task, as the host reports it once its server answers (functions/runner/host.ts). */
export const HOST_URL = "http://10.0.1.23:7777/mcp";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLocally(
  definition: WorkflowDefinition,
  input: unknown,
  options: LocalRunOptions = {},
): Promise<LocalRun> {
  const { asl } = compileWorkflow(definition, options.compileOptions ?? optionsFor(definition));
  const steps: Record<string, StepResult> = {};
  const itemOutputs = new Map<string, unknown[]>();
  const attempts = new Map<string, number>();
  const calls: ToolCallRecord[] = [];
  const hostStarts: Record<string, unknown>[] = [];
  let clock = 0;
  const byId = new Map(definition.steps.map((step) => [step.id, step]));

  type LocalHandler = NonNullable<
    NonNullable<NonNullable<Parameters<StateMachine["run"]>[1]>["overrides"]>["taskResourceLocalHandlers"]
  >[string];
  const handler = async (parameters: Record<string, unknown>) => {
    if (parameters.Cluster) {
      hostStarts.push(parameters);
      return { url: HOST_URL };
    }
    const env = environmentOf(parameters);
    const step = byId.get(String(env.MCPFLOW_STEP_ID))!;
    const itemIndex = env.MCPFLOW_ITEM_INDEX === undefined ? undefined : Number(env.MCPFLOW_ITEM_INDEX);
    const context: TemplateContext = { input, steps: structuredClone(steps) };
    let items: unknown[] = [];
    if (step.for_each) {
      items = resolveReference(parseSingleReference(step.for_each.items), context) as unknown[];
      context.item = items[itemIndex!];
    }
    const attemptKey = `${step.id}#${itemIndex ?? ""}`;
    const attempt = (attempts.get(attemptKey) ?? 0) + 1;
    attempts.set(attemptKey, attempt);
    const args = resolveTemplate(step.arguments, context);
    const record: ToolCallRecord = {
      stepId: step.id,
      tool: step.tool,
      ...(itemIndex === undefined ? {} : { itemIndex }),
      attempt,
      arguments: args,
      context,
      startedAt: ++clock,
      parameters,
    };
    calls.push(record);
    const invocation: ToolInvocation = { stepId: step.id, tool: step.tool, arguments: args, attempt };
    if (itemIndex !== undefined) invocation.itemIndex = itemIndex;
    const delay =
      typeof options.delayMs === "function" ? options.delayMs(invocation) : (options.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    let json: unknown;
    try {
      json = options.tool ? await options.tool(invocation) : { step: step.id, arguments: args };
    } catch (error) {
      record.finishedAt = ++clock;
      record.failed = true;
      if (step.on_error === "continue" && attempt >= (step.retry?.max_attempts ?? 1)) {
        steps[step.id] = {
          status: "FAILED",
          error: { Error: (error as Error).name, Cause: (error as Error).message },
        };
      }
      throw error;
    }
    const text = typeof json === "string" ? json : JSON.stringify(json);
    const output = { text, json, content: [{ type: "text", text }] };
    record.finishedAt = ++clock;
    if (step.for_each) {
      const outputs = itemOutputs.get(step.id) ?? new Array<unknown>(items.length);
      outputs[itemIndex!] = output;
      itemOutputs.set(step.id, outputs);
      if (outputs.filter((o) => o !== undefined).length === items.length) {
        steps[step.id] = { status: "SUCCEEDED", output: outputs };
      }
    } else {
      steps[step.id] = { status: "SUCCEEDED", output };
    }
    return { status: "SUCCEEDED", output };
  };

  const names = taskStateNames(asl.States);
  // The interpreter's definition type is narrower than the plain object the compiler returns.
  const machine = new StateMachine(
    structuredClone(asl) as unknown as ConstructorParameters<typeof StateMachine>[0],
    {
      validationOptions:
        options.validate === false ? { noValidate: true } : { checkPaths: true, checkArn: true },
    },
  );
  const retryIntervalOverrides = Object.fromEntries(names.map((name) => [name, 0]));
  const executionInput = executionInputOf({ runId: "run-0001", input, hostKeySha256: "ab".repeat(32) });
  const execution = machine.run(executionInput as Parameters<typeof machine.run>[0], {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        names.map((name) => [name, handler as unknown as LocalHandler]),
      ),
      retryIntervalOverrides,
    },
    context: {
      Task: { Token: "local-task-token" },
      Execution: { Id: "arn:aws:states:eu-west-1:123456789012:execution:w:run-0001", Name: "run-0001" },
    } as never,
  });
  const watched = options.onState
    ? (async () => {
        for await (const event of execution.eventLogs) {
          if (!("state" in event) || !event.state) continue;
          options.onState!(event.state.input);
          if (event.state.output !== undefined) options.onState!(event.state.output);
        }
      })()
    : undefined;
  try {
    const result = await execution.result;
    await watched;
    return { result, calls, steps, hostStarts };
  } catch (error) {
    return { error: error as Error, calls, steps, hostStarts };
  }
}
