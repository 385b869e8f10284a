// Compiles a workflow definition into an AWS Step Functions state machine (ASL, JSONPath query language).
// Pure: no I/O, no clock, no randomness; the same definition and options give byte-identical JSON.
//
// State contract (what every state reads and writes):
//   execution input  { "input", "runId", "hostKeySha256" }   (shared/orchestrator/execution-input.ts)
//   state            { "input", "run": RunContext, "steps": { "<id>": StepRecord } }
//   RunContext       { "id": <run id>, "workflow", "version", "executor": <step executor ARN>,
//                      "hosts": { "s<n>": {url} | {Error, Cause} } }   (constant for the run; every step's payload)
//   StepRecord       { "status": "SUCCEEDED", "output": <runner output> }
//                  | { "status": "SKIPPED", "output": null }                       (when was false)
//                  | { "status": "FAILED", "output": null, "error": {Error, Cause} } (on_error: continue)
//   for_each step    output is the array of per-item outputs, in item order.
//   Only the steps the state machine itself reads (a later `when`, a `for_each.items`, the workflow `output`) keep
//   a record in the state, and a step read only for its `status` keeps `{status}`: Step Functions stops at 256 KiB of
//   state, and every other value is read from the store by the step that needs it (see stepsReadByStateMachine).
//
// Servers (decision 0008): a run starts each Fargate server it uses once, in "Start servers" (one
// ecs:runTask.waitForTaskToken per distinct server@version, in parallel); each task reports where it serves, and
// that lands in `$.hosts.s<n>`. Every step is a lambda:invoke.waitForTaskToken on the step executor with ids only
// (and its server's host); what would repeat in every step (cluster, network, task definition, the executor's ARN)
// is written once, in the start states, and read from the state (`$.run`). A server that did not start leaves `{Error, Cause}` instead of `{url}`: the steps that use it fail
// with Mcp.ServerError, under their own retry and on_error, as they did when each step started its own task.
//
// References the compiler itself expresses in ASL (the `output` template, `when.path`, `for_each.items`):
//   `{{ input... }}` and `{{ steps.<id>... }}` with `.name` (letters, digits, `_`, `-`) and `[n]` segments, mapped
//   to `$.input...` / `$.steps.<id>...`. A whole-value reference keeps its JSON type; a reference inside a longer
//   string becomes `States.Format`, which on AWS only accepts strings, numbers, booleans and null (not objects or
//   arrays). In arrays, reference strings may sit only beside literals and other reference strings
//   (`States.Array`), not beside objects. Step `arguments` are never put in the state machine: the runner loads
//   them, resolves them with resolveTemplate and so accepts every reference, whatever the size of the data.

import { type FieldIssue, UnprocessableError } from "../shared/errors.js";
import { RUN_TASK_GROUP_PREFIX } from "../shared/tasks/run-tasks.js";
import type { Condition, Step, WorkflowDefinition } from "../shared/workflows/definition.js";
import { stepGraph } from "../shared/workflows/graph.js";
import {
  isWholeReference,
  listReferences,
  type PathSegment,
  parseSingleReference,
  parseTemplateString,
  type Reference,
  TemplateReferenceError,
} from "../shared/workflows/references.js";
import { serverKey, validateWorkflow } from "../shared/workflows/validate.js";
import * as z from "../shared/zod.js";
import { SERVER_START_RESOURCE, stateNames } from "./state-names.js";

export const CompileOptions = z.object({
  /** How each pinned `name@version` runs: in its own Fargate task, or through the remote invoker Lambda. */
  servers: z.record(
    z.string(),
    z.object({
      mode: z.enum(["ecs", "remote"]),
      taskDefinition: z.optional(z.string().check(z.minLength(1))),
    }),
  ),
  target: z.object({
    /** Where a run's server tasks start (the runner image in host mode, MCPFLOW_RUNNER_MODE=host). */
    clusterArn: z.string().check(z.minLength(1)),
    subnets: z.array(z.string().check(z.minLength(1))),
    securityGroups: z.array(z.string().check(z.minLength(1))),
    /** The step executor (the remote invoker Lambda): every step's Task invokes it. */
    remoteInvokerArn: z.string().check(z.minLength(1)),
    runnerContainerName: z._default(z.string().check(z.minLength(1)), "runner"),
    /** Public subnets without a NAT gateway need a public IP to pull images; private subnets do not. */
    assignPublicIp: z._default(z.boolean(), false),
    /**
     * The longest silence a step's Task allows (its HeartbeatSeconds, below the step's timeout): the executor beats
     * well within it (MCPFLOW_HEARTBEAT_SECONDS). Shorter finds a lost executor sooner.
     */
    remoteHeartbeatSeconds: z._default(z.int().check(z.positive()), 60),
  }),
  /** The saved workflow version the runner loads argument templates from. */
  workflowVersion: z._default(
    z.union([z.string().check(z.minLength(1)), z.number().check(z.int(), z.nonnegative())]),
    "0",
  ),
});
export type CompileOptions = z.input<typeof CompileOptions>;

export interface CompiledWorkflow {
  asl: StateMachine;
  /** Compact JSON of `asl`: what is deployed and what the 1 MiB limit counts. */
  json: string;
}

export type State = Record<string, unknown>;
export interface StateMachine {
  Comment: string;
  QueryLanguage: "JSONPath";
  StartAt: string;
  States: Record<string, State>;
}

/** Step Functions' limit on a state machine definition. */
export const ASL_MAX_DEFINITION_BYTES = 1_048_576;

/** The Step Functions quotas a compiled definition must fit; empty when it fits. */
export function aslLimits(json: string): FieldIssue[] {
  const bytes = utf8Length(json);
  if (bytes <= ASL_MAX_DEFINITION_BYTES) return [];
  return [{ field: "steps", rule: `compiled state machine is ${bytes} bytes; Step Functions allows 1 MiB` }];
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Errors a runner reports with SendTaskFailure; a step's `retry` retries these and Step Functions' own. */
export const RETRYABLE_ERRORS = [
  "Mcp.ToolError",
  "Mcp.ServerError",
  "States.Timeout",
  "States.TaskFailed",
] as const;

/**
 * Compiles a validated workflow. Throws UnprocessableError naming the fields when the workflow does not fit
 * together, uses an unpinned or unknown server version, or compiles to more than Step Functions accepts.
 */
export function compileWorkflow(definition: WorkflowDefinition, options: CompileOptions): CompiledWorkflow {
  const asl = buildStateMachine(definition, options);
  const json = JSON.stringify(asl);
  const limits = aslLimits(json);
  if (limits.length > 0)
    throw new UnprocessableError("Workflow is too large for Step Functions.", { issues: limits });
  return { asl, json };
}

/** The state machine without the size check (for measuring how far a workflow is from the limit). */
export function buildStateMachine(definition: WorkflowDefinition, options: CompileOptions): StateMachine {
  const opts = CompileOptions.parse(options);
  const issues = [...validateWorkflow(definition), ...compileIssues(definition, opts)];
  if (issues.length > 0) throw new UnprocessableError("Workflow cannot be compiled.", { issues });

  const graph = stepGraph(definition);
  const order = graph.order!;
  const steps = new Map(definition.steps.map((step) => [step.id, step]));
  const plan = planSteps(order, graph.dependsOn);
  const hosts = hostedServers(definition, opts);
  const emitter = new Emitter(opts, steps, numberParallels(plan), stepsReadByStateMachine(definition), hosts);
  const States: Record<string, State> = {};
  if (hosts.size > 0) States[stateNames.startServers] = startServersState(hosts, opts);
  States[stateNames.start] = {
    Type: "Pass",
    Parameters: {
      "input.$": "$.input",
      run: {
        "id.$": "$.runId",
        workflow: definition.name,
        version: String(opts.workflowVersion),
        executor: opts.target.remoteInvokerArn,
        ...(hosts.size > 0 ? { "hosts.$": "$.hosts" } : {}),
      },
      steps: {},
    },
    Next: emitter.entry(plan),
  };
  emitter.emit(plan, States, stateNames.output);
  States[stateNames.output] = outputState(definition);
  return {
    Comment: `mcpflow workflow ${definition.name} version ${opts.workflowVersion}`,
    QueryLanguage: "JSONPath",
    StartAt: hosts.size > 0 ? stateNames.startServers : stateNames.start,
    States,
  };
}

/** The servers that run as the run's Fargate tasks, numbered in the order steps first name them: key → n. */
function hostedServers(definition: WorkflowDefinition, opts: ParsedOptions): Map<string, number> {
  const hosts = new Map<string, number>();
  for (const step of definition.steps) {
    const key = serverKey(step.server);
    if (opts.servers[key]?.mode === "ecs" && !hosts.has(key)) hosts.set(key, hosts.size);
  }
  return hosts;
}

/** Where step n's server is in the state: `$.hosts.s<n>`. */
const hostField = (n: number) => `s${n}`;

/** Bounds a server task's start: pulling its image, Fargate's start and the server's `initialize`. */
export const SERVER_START_TIMEOUT_SECONDS = 600;

/**
 * "Start servers": one run-scoped task per server, in parallel; each branch ends with the task's report (`{url}`)
 * or, when it failed to start, the error Step Functions caught (`{Error, Cause}`), so that only the steps that use
 * that server fail, each under its own retry and on_error.
 */
function startServersState(hosts: ReadonlyMap<string, number>, opts: ParsedOptions): State {
  const target = opts.target;
  const Branches = [...hosts].map(([key, n]) => {
    const start = stateNames.startServer(n);
    const failed = stateNames.serverFailed(n);
    return {
      StartAt: start,
      States: {
        [start]: {
          Type: "Task",
          Comment: key,
          Resource: SERVER_START_RESOURCE,
          Parameters: {
            Cluster: target.clusterArn,
            TaskDefinition: opts.servers[key]!.taskDefinition!,
            LaunchType: "FARGATE",
            // run-status stops the run's tasks by their group (shared/tasks/run-tasks.ts) when the run ends.
            "Group.$": `States.Format('${RUN_TASK_GROUP_PREFIX}{}', $.runId)`,
            NetworkConfiguration: {
              AwsvpcConfiguration: {
                Subnets: target.subnets,
                SecurityGroups: target.securityGroups,
                AssignPublicIp: target.assignPublicIp ? "ENABLED" : "DISABLED",
              },
            },
            Overrides: {
              ContainerOverrides: [
                {
                  Name: target.runnerContainerName,
                  Environment: [
                    { Name: "MCPFLOW_RUNNER_MODE", Value: "host" },
                    { Name: "MCPFLOW_TASK_TOKEN", "Value.$": "$$.Task.Token" },
                    { Name: "MCPFLOW_RUN_ID", "Value.$": "$.runId" },
                    { Name: "MCPFLOW_EXECUTION_ARN", "Value.$": "$$.Execution.Id" },
                    // The key's hash only: the overrides are in the history and in DescribeTasks.
                    { Name: "MCPFLOW_HOST_KEY_SHA256", "Value.$": "$.hostKeySha256" },
                  ],
                },
              ],
            },
          },
          TimeoutSeconds: SERVER_START_TIMEOUT_SECONDS,
          Catch: [{ ErrorEquals: ["States.ALL"], Next: failed }],
          End: true,
        },
        [failed]: { Type: "Pass", End: true },
      },
    };
  });
  return {
    Type: "Parallel",
    Branches,
    ResultSelector: Object.fromEntries([...hosts.values()].map((n) => [`${hostField(n)}.$`, `$[${n}]`])),
    ResultPath: "$.hosts",
    Next: stateNames.start,
  };
}

type ParsedOptions = z.output<typeof CompileOptions>;

function compileIssues(definition: WorkflowDefinition, opts: ParsedOptions): FieldIssue[] {
  const issues: FieldIssue[] = [];
  definition.steps.forEach((step, i) => {
    const field = `steps[${i}].server`;
    if (step.server.version === undefined) {
      issues.push({ field, rule: "version must be pinned before the workflow is compiled" });
      return;
    }
    const runtime = opts.servers[serverKey(step.server)];
    if (!runtime) issues.push({ field, rule: `no runtime is known for ${serverKey(step.server)}` });
    else if (runtime.mode === "ecs" && !runtime.taskDefinition) {
      issues.push({ field, rule: `${serverKey(step.server)} runs on ECS but has no task definition` });
    }
  });
  if (definition.output !== undefined) {
    try {
      outputTemplate(definition.output, "output");
    } catch (error) {
      if (!(error instanceof OutputTemplateError)) throw error;
      issues.push({ field: error.field, rule: error.message });
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------------------
// What the state machine itself reads of each step's record.

/** `status`: only `{{ steps.<id>.status }}`; `record`: the output (or the whole record) as well. */
export type StepRead = "status" | "record";

/**
 * The steps whose records the state machine reads (a `when` Choice, a `for_each` Map's items, the output template
 * or, without one, the leaves' outputs), and how much of each. Step arguments are not among them: the step host
 * resolves those from the store.
 */
export function stepsReadByStateMachine(definition: WorkflowDefinition): Map<string, StepRead> {
  const reads = new Map<string, StepRead>();
  const note = (template: unknown) => {
    for (const { reference } of listReferences(template)) {
      if (reference?.root !== "steps" || !reference.stepId) continue;
      const statusOnly = reference.path.length === 1 && reference.path[0] === "status";
      if (!statusOnly) reads.set(reference.stepId, "record");
      else if (!reads.has(reference.stepId)) reads.set(reference.stepId, "status");
    }
  };
  const conditionPaths = (condition: Condition): string[] => {
    if ("all" in condition) return condition.all.flatMap(conditionPaths);
    if ("any" in condition) return condition.any.flatMap(conditionPaths);
    if ("not" in condition) return conditionPaths(condition.not);
    return [condition.path];
  };
  for (const step of definition.steps) {
    if (step.when)
      for (const path of conditionPaths(step.when)) note(path.includes("{{") ? path : `{{ ${path} }}`);
    if (step.for_each) note(step.for_each.items);
  }
  note(definition.output ?? defaultOutput(definition));
  return reads;
}

// ---------------------------------------------------------------------------------------------------------------
// Planning: dependencies → nested sequences and parallel blocks.

export type Plan =
  | { kind: "step"; id: string }
  | { kind: "seq"; items: Plan[] }
  | { kind: "par"; branches: Plan[] };

/**
 * Series-parallel approximation of the DAG. Steps that share no dependency path run in parallel branches; a
 * connected group is cut into "before" and "after" where a cut separates it (peeling its sources or its sinks
 * until it falls apart into independent parts). Where no cut separates it, its sources run first: that waits
 * longer than needed for some steps but never runs a step before its dependencies, which is the one rule.
 */
export function planSteps(order: readonly string[], dependsOn: ReadonlyMap<string, readonly string[]>): Plan {
  // Integer indexes and typed arrays: this runs once per peeled layer, so its constant factor is the compile time.
  const n = order.length;
  const index = new Map(order.map((id, i) => [id, i]));
  const deps: number[][] = order.map((id) => (dependsOn.get(id) ?? []).map((dep) => index.get(dep)!));
  const dependents: number[][] = order.map(() => []);
  deps.forEach((list, i) => {
    for (const d of list) dependents[d]!.push(i);
  });
  const member = new Uint8Array(n);
  const seen = new Int32Array(n);
  let epoch = 0;
  const stack = new Int32Array(n);

  /** Weakly connected parts of `nodes` (ascending = topological), each ascending. */
  const label = new Int32Array(n);
  const components = (nodes: readonly number[]): number[][] => {
    for (const i of nodes) member[i] = 1;
    epoch++;
    let count = 0;
    for (const start of nodes) {
      if (seen[start] === epoch) continue;
      let top = 0;
      stack[top++] = start;
      seen[start] = epoch;
      while (top > 0) {
        const v = stack[--top]!;
        label[v] = count;
        const down = deps[v]!;
        for (let k = 0; k < down.length; k++) {
          const w = down[k]!;
          if (member[w] === 1 && seen[w] !== epoch) {
            seen[w] = epoch;
            stack[top++] = w;
          }
        }
        const up = dependents[v]!;
        for (let k = 0; k < up.length; k++) {
          const w = up[k]!;
          if (member[w] === 1 && seen[w] !== epoch) {
            seen[w] = epoch;
            stack[top++] = w;
          }
        }
      }
      count++;
    }
    for (const i of nodes) member[i] = 0;
    const parts: number[][] = Array.from({ length: count }, () => []);
    for (const i of nodes) parts[label[i]!]!.push(i);
    return parts;
  };

  const step = (i: number): Plan => ({ kind: "step", id: order[i]! });
  const par = (branches: Plan[]): Plan => {
    const flat = branches.flatMap((b) => (b.kind === "par" ? b.branches : [b]));
    return flat.length === 1 ? flat[0]! : { kind: "par", branches: flat };
  };
  const seq = (items: Plan[]): Plan => {
    const flat = items.flatMap((item) => (item.kind === "seq" ? item.items : [item]));
    return flat.length === 1 ? flat[0]! : { kind: "seq", items: flat };
  };

  const plan = (nodes: readonly number[]): Plan => {
    const head: Plan[] = [];
    const tail: Plan[] = [];
    let current = nodes;
    for (;;) {
      if (current.length === 1) {
        head.push(step(current[0]!));
        break;
      }
      const parts = components(current);
      if (parts.length > 1) {
        head.push(par(parts.map(plan)));
        break;
      }
      for (const i of current) member[i] = 1;
      const sources = current.filter((i) => !deps[i]!.some((d) => member[d] === 1));
      const sinks = current.filter((i) => !dependents[i]!.some((d) => member[d] === 1));
      for (const i of current) member[i] = 0;
      const sourceSet = new Set(sources);
      const afterSources = current.filter((i) => !sourceSet.has(i));
      if (components(afterSources).length > 1) {
        head.push(par(sources.map(step)));
        current = afterSources;
        continue;
      }
      const sinkSet = new Set(sinks);
      const beforeSinks = current.filter((i) => !sinkSet.has(i));
      if (components(beforeSinks).length > 1) {
        tail.unshift(par(sinks.map(step)));
        current = beforeSinks;
        continue;
      }
      head.push(par(sources.map(step)));
      current = afterSources;
    }
    return seq([...head, ...tail]);
  };

  return plan(order.map((_, i) => i));
}

/** Parallel states are numbered in flow order before emission, so every state's successor is named up front. */
function numberParallels(plan: Plan, numbers = new Map<Plan, number>()): Map<Plan, number> {
  if (plan.kind === "par") {
    numbers.set(plan, numbers.size + 1);
    for (const branch of plan.branches) numberParallels(branch, numbers);
  } else if (plan.kind === "seq") for (const item of plan.items) numberParallels(item, numbers);
  return numbers;
}

// ---------------------------------------------------------------------------------------------------------------
// Emission: plan → states.

function transition(next: string | undefined): State {
  return next === undefined ? { End: true } : { Next: next };
}

/** A catcher's target: the next state, or (at the end of a branch, where a Catch cannot End) a Pass that ends it. */
function nextOrEnd(next: string | undefined, endState: string): { Next: string } {
  return { Next: next ?? endState };
}

function stepPath(id: string): string {
  return `$.steps${segmentPath([id])}`;
}

function segmentPath(path: readonly PathSegment[]): string {
  return path
    .map((segment) => {
      if (typeof segment === "number") return `[${segment}]`;
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `['${segment}']`;
    })
    .join("");
}

/** JSONPath of a reference in the state; `item` has no place in the state and is refused by validation. */
export function referencePath(reference: Reference): string {
  if (reference.root === "input") return `$.input${segmentPath(reference.path)}`;
  if (reference.root === "steps") return `${stepPath(reference.stepId!)}${segmentPath(reference.path)}`;
  throw new TemplateReferenceError(
    "`item` cannot be read outside a for_each step's arguments",
    reference.text,
  );
}

class Emitter {
  constructor(
    private readonly opts: ParsedOptions,
    private readonly steps: ReadonlyMap<string, Step>,
    private readonly parallels: ReadonlyMap<Plan, number>,
    private readonly reads: ReadonlyMap<string, StepRead>,
    private readonly hosts: ReadonlyMap<string, number>,
  ) {}

  /** The state path of a step's server host, when its server is one of the run's tasks. */
  private hostPath(step: Step): string | undefined {
    const n = this.hosts.get(serverKey(step.server));
    return n === undefined ? undefined : `$.run.hosts.${hostField(n)}`;
  }

  /** The first state a plan runs. */
  entry(plan: Plan): string {
    if (plan.kind === "seq") return this.entry(plan.items[0]!);
    if (plan.kind === "par") return stateNames.parallel(this.parallels.get(plan)!);
    const step = this.steps.get(plan.id)!;
    if (step.when) return stateNames.check(step.id);
    return step.for_each ? stateNames.forEach(step.id) : stateNames.call(step.id);
  }

  emit(plan: Plan, states: Record<string, State>, next: string | undefined): void {
    if (plan.kind === "step") {
      this.emitStep(this.steps.get(plan.id)!, states, next);
    } else if (plan.kind === "seq") {
      plan.items.forEach((item, i) => {
        const following = plan.items[i + 1];
        this.emit(item, states, following ? this.entry(following) : next);
      });
    } else {
      const name = this.entry(plan);
      states[name] = {
        Type: "Parallel",
        Branches: plan.branches.map((branch) => {
          const branchStates: Record<string, State> = {};
          this.emit(branch, branchStates, undefined);
          return { StartAt: this.entry(branch), States: branchStates };
        }),
        // Each branch returns the whole state; keep one copy of input and run and the union of step records.
        ResultSelector: {
          "input.$": "$[0].input",
          "run.$": "$[0].run",
          "steps.$": mergeSteps(0, plan.branches.length),
        },
        ...transition(next),
      };
    }
  }

  private emitStep(step: Step, states: Record<string, State>, next: string | undefined): void {
    const id = step.id;
    const core = step.for_each ? stateNames.forEach(id) : stateNames.call(id);
    const read = this.reads.get(id);
    // A step nothing in the state machine reads leaves the state as it found it.
    const resultPath = read ? { ResultPath: stepPath(id) } : { ResultPath: null };
    if (step.when) {
      states[stateNames.check(id)] = {
        Type: "Choice",
        Choices: [{ ...conditionRule(step.when), Next: core }],
        Default: stateNames.skip(id),
      };
    }
    const catchers =
      step.on_error === "continue"
        ? {
            Catch: [
              read
                ? { ErrorEquals: ["States.ALL"], ResultPath: stepPath(id), Next: stateNames.failed(id) }
                : {
                    ErrorEquals: ["States.ALL"],
                    ResultPath: null,
                    ...nextOrEnd(next, stateNames.failed(id)),
                  },
            ],
          }
        : {};
    const selected = (output: string) =>
      read === "record"
        ? { ResultSelector: { status: "SUCCEEDED", "output.$": output } }
        : read === "status"
          ? { ResultSelector: { status: "SUCCEEDED" } }
          : {};
    if (step.for_each) {
      const inner = this.taskState(step, true);
      const host = this.hostPath(step);
      states[core] = {
        Type: "Map",
        ItemsPath: referencePath(parseSingleReference(step.for_each.items)),
        // Only the index travels: the executor resolves the item itself, so large arrays never enter parameters.
        ItemSelector: {
          "index.$": "$$.Map.Item.Index",
          "run.$": "$.run",
          ...(host ? { "host.$": host } : {}),
        },
        ...(step.for_each.max_concurrency === undefined
          ? {}
          : { MaxConcurrency: step.for_each.max_concurrency }),
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: stateNames.call(id),
          States: {
            [stateNames.call(id)]:
              read === "record"
                ? { ...inner, OutputPath: "$.output", End: true }
                : { ...inner, ResultSelector: {}, End: true },
          },
        },
        ...selected("$"),
        ...resultPath,
        ...catchers,
        ...transition(next),
      };
    } else {
      states[core] = {
        ...this.taskState(step, false),
        ...selected("$.output"),
        ...resultPath,
        ...catchers,
        ...transition(next),
      };
    }
    if (step.on_error === "continue" && (read || next === undefined)) {
      states[stateNames.failed(id)] = read
        ? {
            Type: "Pass",
            InputPath: stepPath(id),
            Parameters:
              read === "record" ? { status: "FAILED", output: null, "error.$": "$" } : { status: "FAILED" },
            ResultPath: stepPath(id),
            ...transition(next),
          }
        : { Type: "Pass", End: true };
    }
    if (step.when) {
      states[stateNames.skip(id)] = read
        ? {
            Type: "Pass",
            Result: read === "record" ? { status: "SKIPPED", output: null } : { status: "SKIPPED" },
            ResultPath: stepPath(id),
            ...transition(next),
          }
        : { Type: "Pass", ...transition(next) };
    }
  }

  private taskState(step: Step, inMap: boolean): State {
    const timeout = step.timeout_seconds;
    // HeartbeatSeconds must stay below TimeoutSeconds; the executor beats well within it.
    const heartbeat = Math.min(timeout - 1, this.opts.target.remoteHeartbeatSeconds);
    const retry =
      step.retry && step.retry.max_attempts > 1
        ? {
            Retry: [
              {
                ErrorEquals: [...RETRYABLE_ERRORS],
                IntervalSeconds: step.retry.interval_seconds,
                BackoffRate: step.retry.backoff_rate,
                MaxAttempts: step.retry.max_attempts - 1,
              },
            ],
          }
        : {};
    const host = this.hostPath(step);
    return {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        "FunctionName.$": "$.run.executor",
        // Ids only: the executor loads the call from the store (functions/invoker/remote-mcp.ts, StepPayload).
        Payload: {
          "taskToken.$": "$$.Task.Token",
          stepId: step.id,
          ...(inMap ? { "itemIndex.$": "$.index" } : {}),
          "run.$": "$.run",
          ...(host ? { "host.$": inMap ? "$.host" : host } : {}),
        },
      },
      TimeoutSeconds: timeout,
      HeartbeatSeconds: heartbeat,
      ...retry,
    };
  }
}

/** Balanced, so the intrinsic nests log2(branches) deep rather than once per branch. */
function mergeSteps(from: number, to: number): string {
  if (to - from === 1) return `$[${from}].steps`;
  const mid = from + Math.ceil((to - from) / 2);
  return `States.JsonMerge(${mergeSteps(from, mid)}, ${mergeSteps(mid, to)}, false)`;
}

// ---------------------------------------------------------------------------------------------------------------
// Conditions: `when` → Choice rule. Every comparison first checks that the value is there and has the type
// compared, so a missing or differently typed value makes the comparison false instead of failing the run.

type Rule = Record<string, unknown>;

export function conditionRule(condition: Condition): Rule {
  if ("all" in condition) return { And: condition.all.map(conditionRule) };
  if ("any" in condition) return { Or: condition.any.map(conditionRule) };
  if ("not" in condition) return { Not: conditionRule(condition.not) };
  const Variable = referencePath(parseSingleReference(condition.path));
  const present = { Variable, IsPresent: true };
  const typed = (
    value: string | number | boolean | null,
    op: "Equals" | "GreaterThan" | "GreaterThanEquals" | "LessThan" | "LessThanEquals",
  ): Rule => {
    if (value === null) return { And: [present, { Variable, IsNull: true }] };
    if (typeof value === "string")
      return { And: [present, { Variable, IsString: true }, { Variable, [`String${op}`]: value }] };
    if (typeof value === "number")
      return { And: [present, { Variable, IsNumeric: true }, { Variable, [`Numeric${op}`]: value }] };
    return { And: [present, { Variable, IsBoolean: true }, { Variable, BooleanEquals: value }] };
  };
  if (condition.equals !== undefined) return typed(condition.equals, "Equals");
  if (condition.not_equals !== undefined) return { Not: typed(condition.not_equals, "Equals") };
  if (condition.gt !== undefined) return typed(condition.gt, "GreaterThan");
  if (condition.gte !== undefined) return typed(condition.gte, "GreaterThanEquals");
  if (condition.lt !== undefined) return typed(condition.lt, "LessThan");
  if (condition.lte !== undefined) return typed(condition.lte, "LessThanEquals");
  // `Is*: false` is written as `Not` of `Is*: true`: the same on AWS, and the local interpreter only honours `true`.
  if (condition.exists !== undefined) return condition.exists ? present : { Not: present };
  // Truthy as in JavaScript: present and not null, false, 0 or "".
  const truthy = {
    And: [
      present,
      { Not: { Variable, IsNull: true } },
      {
        Not: {
          And: [
            { Variable, IsBoolean: true },
            { Variable, BooleanEquals: false },
          ],
        },
      },
      {
        Not: {
          And: [
            { Variable, IsNumeric: true },
            { Variable, NumericEquals: 0 },
          ],
        },
      },
      {
        Not: {
          And: [
            { Variable, IsString: true },
            { Variable, StringEquals: "" },
          ],
        },
      },
    ],
  };
  return condition.truthy ? truthy : { Not: truthy };
}

// ---------------------------------------------------------------------------------------------------------------
// The run's output.

class OutputTemplateError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

type Compiled =
  | { kind: "literal"; value: unknown }
  | { kind: "path"; expr: string }
  | { kind: "template"; value: unknown };

/** Quotes a string for an intrinsic function argument: `'`, `{`, `}` and `\` are escaped with `\`. */
function intrinsicString(value: string): string {
  return `'${value.replace(/[\\'{}]/g, (c) => `\\${c}`)}'`;
}

function intrinsicArgument(value: unknown, field: string): string {
  if (typeof value === "string") return intrinsicString(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  throw new OutputTemplateError(
    "objects cannot sit beside references in an array; wrap them in an object",
    field,
  );
}

function outputTemplate(value: unknown, field: string): Compiled {
  if (typeof value === "string") {
    if (!value.includes("{{")) return { kind: "literal", value };
    if (listReferences(value).length === 0) return { kind: "literal", value };
    let parts: ReturnType<typeof parseTemplateString>;
    try {
      parts = parseTemplateString(value);
    } catch (error) {
      throw new OutputTemplateError((error as Error).message, field);
    }
    const toPath = (reference: Reference) => {
      try {
        return referencePath(reference);
      } catch (error) {
        throw new OutputTemplateError((error as Error).message, field);
      }
    };
    if (isWholeReference(value)) {
      const [only] = parts;
      if (only && "reference" in only) return { kind: "path", expr: toPath(only.reference) };
    }
    let format = "";
    const args: string[] = [];
    for (const part of parts) {
      if ("literal" in part) format += part.literal.replace(/[\\'{}]/g, (c) => `\\${c}`);
      else {
        format += "{}";
        args.push(toPath(part.reference));
      }
    }
    return { kind: "path", expr: `States.Format('${format}', ${args.join(", ")})` };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => outputTemplate(item, `${field}[${i}]`));
    if (items.every((item) => item.kind === "literal")) return { kind: "literal", value };
    if (
      items.every((item) => item.kind !== "template" && (item.kind === "path" || !isContainer(item.value)))
    ) {
      const args = items.map((item, i) =>
        item.kind === "path" ? item.expr : intrinsicArgument(value[i], `${field}[${i}]`),
      );
      return { kind: "path", expr: `States.Array(${args.join(", ")})` };
    }
    const values: unknown[] = [];
    for (const item of items) {
      if (item.kind === "path") {
        throw new OutputTemplateError(
          "an array that holds objects cannot also hold reference strings; wrap each reference in an object",
          field,
        );
      }
      values.push(item.value);
    }
    return { kind: "template", value: values };
  }
  if (value !== null && typeof value === "object") {
    const template: Record<string, unknown> = {};
    let literal = true;
    for (const [key, child] of Object.entries(value)) {
      if (key.endsWith(".$")) throw new OutputTemplateError("keys must not end with `.$`", `${field}.${key}`);
      const compiled = outputTemplate(child, `${field}.${key}`);
      if (compiled.kind === "path") template[`${key}.$`] = compiled.expr;
      else template[key] = compiled.value;
      if (compiled.kind !== "literal") literal = false;
    }
    return literal ? { kind: "literal", value } : { kind: "template", value: template };
  }
  return { kind: "literal", value };
}

function isContainer(value: unknown): boolean {
  return value !== null && typeof value === "object";
}

/** Without an `output` template, the run's output is every leaf step's output, by step id. */
function defaultOutput(definition: WorkflowDefinition): Record<string, string> {
  const hasDependents = new Set(definition.steps.flatMap((step) => step.depends_on ?? []));
  const leaves = definition.steps.map((step) => step.id).filter((id) => !hasDependents.has(id));
  return Object.fromEntries(leaves.map((id) => [id, `{{ steps.${id}.output }}`]));
}

function outputState(definition: WorkflowDefinition): State {
  const compiled = outputTemplate(definition.output ?? defaultOutput(definition), "output");
  if (compiled.kind !== "path" && isContainer(compiled.value) && !Array.isArray(compiled.value)) {
    return { Type: "Pass", Parameters: compiled.value, End: true };
  }
  // Parameters must be an object: wrap the value and unwrap it with OutputPath.
  const Parameters = compiled.kind === "path" ? { "value.$": compiled.expr } : { value: compiled.value };
  return { Type: "Pass", Parameters, OutputPath: "$.value", End: true };
}
