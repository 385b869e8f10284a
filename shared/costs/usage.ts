// A run's resource use on AWS, in the shape DESIGN.md gives ("AWS execution": the servers a run uses start once per
// run as Fargate tasks; each step is one invocation of the step executor Lambda): what the host counted, and the
// model for what it could not count. Pure; docs/costs.md gives the model and the numbers behind its constants.
import { billedTaskSeconds } from "./estimate.js";
import type { RunUsage } from "./schema.js";

/** What the host that ran the run counted itself; a field left out comes from the model. */
export interface MeasuredUsage {
  stateTransitions?: number;
  storeReads?: number;
  storeWrites?: number;
  /** The run's server tasks and the seconds Fargate bills for them (on AWS: ECS's times of each task). */
  tasks?: number;
  taskSeconds?: number;
  /** The step executor's invocations and their billed seconds (on AWS: the execution's history). */
  executorInvocations?: number;
  executorSeconds?: number;
}

/** The usage field each measured figure gives (the executor's are its part of the functions' figures). */
const MEASURES: Record<keyof MeasuredUsage, keyof RunUsage> = {
  stateTransitions: "stateTransitions",
  storeReads: "storeReads",
  storeWrites: "storeWrites",
  tasks: "tasks",
  taskSeconds: "taskSeconds",
  executorInvocations: "functionRequests",
  executorSeconds: "functionGbSeconds",
};

export interface RunFacts {
  startedAt: string;
  endedAt: string;
  /** Each step call (each for_each item) that ran: its attempts and the seconds from its first start to its end. */
  calls: { attempts: number; seconds: number }[];
  /** Distinct servers of the run that need a task of their own (remote servers are called over HTTP instead). */
  taskServers: number;
  /** A tool called from the API (POST .../tools/{tool}/call): one step in the API's function, no state machine. */
  toolCall: boolean;
  measured: MeasuredUsage;
}

/** Memory of the functions a run uses (infra/stacks): the API's, the step executor's and run-status's. */
const API_GB = 1;
const EXECUTOR_GB = 0.5;
const RUN_STATUS_GB = 0.5;
/** Time the API's start request and run-status's end take (bench/run-starts.ts, the run-status tests): modelled. */
const START_SECONDS = 0.1;
const END_SECONDS = 0.5;
/**
 * Store requests of the start (workflow version, server versions and their approvals; the run, its execution) and
 * of the end (the run, its steps, the workflow version; the run's end), and of one step attempt where nobody
 * counted them (its version's approval and the runtime policy in one batch of two items; the attempt in one write,
 * as a call within 100 ms is recorded — a longer one writes its start and its end): bench/workflow.ts counts them
 * on the embedded platform.
 */
export const MODEL = {
  start: { reads: 4, writes: 2 },
  end: { reads: 3, writes: 1 },
  attempt: { reads: 2, writes: 1 },
  /** A plain step enters one state; the run enters its first and last (Pass) states besides. */
  transitionsPerRun: 2,
} as const;

/** Lambda bills by the millisecond. */
const billedSeconds = (seconds: number) => Math.max(1, Math.ceil(seconds * 1000)) / 1000;

export function runUsage(facts: RunFacts): RunUsage {
  const runSeconds = Math.max(0, (Date.parse(facts.endedAt) - Date.parse(facts.startedAt)) / 1000);
  const attempts = facts.calls.reduce((sum, call) => sum + Math.max(1, call.attempts), 0);
  const callSeconds = facts.calls.reduce((sum, call) => sum + billedSeconds(call.seconds), 0);
  const measured = [
    ...new Set(
      (Object.keys(MEASURES) as (keyof MeasuredUsage)[])
        .filter((key) => facts.measured[key] !== undefined)
        .map((key) => MEASURES[key]),
    ),
  ];
  if (facts.toolCall) {
    // The registry function makes the call itself, within the API request: no state machine, no task.
    return {
      stateTransitions: 0,
      tasks: 0,
      taskSeconds: 0,
      functionGbSeconds: round(API_GB * billedSeconds(runSeconds)),
      functionRequests: 1,
      storeReads: facts.measured.storeReads ?? MODEL.start.reads + MODEL.attempt.reads,
      storeWrites: facts.measured.storeWrites ?? MODEL.start.writes + MODEL.attempt.writes,
      apiRequests: 1,
      measured,
    };
  }
  // Modelled, every task lives from the run's start to its end, and Fargate bills it a minute at least.
  const tasks = facts.measured.tasks ?? facts.taskServers;
  const taskSeconds = facts.measured.taskSeconds ?? facts.taskServers * billedTaskSeconds(runSeconds);
  return {
    stateTransitions: facts.measured.stateTransitions ?? MODEL.transitionsPerRun + attempts,
    tasks,
    taskSeconds,
    functionGbSeconds: round(
      API_GB * START_SECONDS +
        EXECUTOR_GB * (facts.measured.executorSeconds ?? callSeconds) +
        RUN_STATUS_GB * END_SECONDS,
    ),
    functionRequests: 2 + (facts.measured.executorInvocations ?? attempts),
    storeReads:
      MODEL.start.reads + MODEL.end.reads + (facts.measured.storeReads ?? attempts * MODEL.attempt.reads),
    storeWrites:
      MODEL.start.writes + MODEL.end.writes + (facts.measured.storeWrites ?? attempts * MODEL.attempt.writes),
    apiRequests: 1,
    measured,
  };
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;
