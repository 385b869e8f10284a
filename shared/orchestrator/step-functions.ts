// The AWS orchestrator: one Standard state machine per workflow, one published version per saved workflow version,
// and an alias `live` on the newest; every run is an execution named after its run id.
import type { HistoryEvent, LoggingConfiguration, SFNClient } from "@aws-sdk/client-sfn";
import { executionInputOf } from "./execution-input.js";
import type { ExecutionEvent, Orchestrator } from "./port.js";

/** The SDK package, imported at the first call: see shared/aws/lazy-client.ts. */
const sfn = () => import("@aws-sdk/client-sfn");

export interface StepFunctionsOrchestratorOptions {
  client: Pick<SFNClient, "send">;
  /** The role every workflow state machine runs as (ecs:RunTask, lambda:InvokeFunction, iam:PassRole...). */
  roleArn: string;
  /** `mcpflow-<stage>-`; the state machine of workflow `w` is `<prefix>w`. */
  namePrefix: string;
  region: string;
  /** Lets ARNs be computed instead of looked up; learnt from the first ARN Step Functions returns otherwise. */
  accountId?: string;
  partition?: string;
  /** CloudWatch Logs log group (`arn:...:log-group:name:*`) for execution logs; none when absent. */
  logGroupArn?: string;
  /**
   * The state machine version that was published for a saved workflow version (the workflow store keeps the ARN
   * deploy() returned). Without it, or when it has none, runs start on the `live` alias (the newest version).
   */
  versionArnOf?: (workflow: string, version: number) => Promise<string | undefined>;
}

export const LIVE_ALIAS = "live";
/** Step Functions limits state machine names to 80 characters. */
const NAME_MAX = 80;

const nameOf = (error: unknown) => (error as { name?: string } | undefined)?.name ?? "";

function consoleUrl(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The detail of a history event is the one `...EventDetails` member that is set; its name varies per type. */
function toExecutionEvent(event: HistoryEvent): ExecutionEvent {
  const { id, timestamp, type, previousEventId, ...rest } = event;
  let detail: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(rest)) {
    if (key.endsWith("EventDetails") && value && typeof value === "object") {
      detail = { ...(detail ?? {}), ...(value as Record<string, unknown>) };
    }
  }
  const stateName = typeof detail?.name === "string" ? detail.name : undefined;
  return {
    id: Number(id ?? 0),
    timestamp: (timestamp ?? new Date(0)).toISOString(),
    type: String(type),
    ...(stateName ? { stateName } : {}),
    ...(detail || previousEventId !== undefined
      ? { detail: { ...(detail ?? {}), ...(previousEventId !== undefined ? { previousEventId } : {}) } }
      : {}),
  };
}

export function createStepFunctionsOrchestrator(options: StepFunctionsOrchestratorOptions): Orchestrator {
  const { client, region } = options;
  const partition = options.partition ?? "aws";
  let accountId = options.accountId;

  const machineName = (workflow: string) => {
    const name = `${options.namePrefix}${workflow}`;
    if (name.length > NAME_MAX) {
      throw new Error(
        `State machine name ${name} is longer than ${NAME_MAX} characters; shorten the workflow name.`,
      );
    }
    return name;
  };
  const learnAccount = (arn: string | undefined) => {
    accountId ??= arn?.split(":")[4] || undefined;
  };

  /** The state machine's ARN, or undefined when it does not exist yet. */
  async function findMachine(name: string): Promise<string | undefined> {
    if (accountId) {
      const arn = `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
      try {
        await client.send(new (await sfn()).DescribeStateMachineCommand({ stateMachineArn: arn }));
        return arn;
      } catch (error) {
        if (nameOf(error) === "StateMachineDoesNotExist") return undefined;
        throw error;
      }
    }
    // Only until the account is known (first deploy in a fresh container without MCPFLOW_ACCOUNT_ID).
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new (await sfn()).ListStateMachinesCommand({ nextToken, maxResults: 1000 }),
      );
      for (const machine of page.stateMachines ?? []) learnAccount(machine.stateMachineArn);
      const found = page.stateMachines?.find((machine) => machine.name === name);
      if (found) return found.stateMachineArn;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  async function pointLiveAlias(machineArn: string, versionArn: string): Promise<void> {
    const routingConfiguration = [{ stateMachineVersionArn: versionArn, weight: 100 }];
    try {
      await client.send(
        new (await sfn()).UpdateStateMachineAliasCommand({
          stateMachineAliasArn: `${machineArn}:${LIVE_ALIAS}`,
          routingConfiguration,
        }),
      );
    } catch (error) {
      if (nameOf(error) !== "ResourceNotFound") throw error;
      await client.send(
        new (await sfn()).CreateStateMachineAliasCommand({
          name: LIVE_ALIAS,
          description: "the newest saved version of the workflow",
          routingConfiguration,
        }),
      );
    }
  }

  return {
    async deploy(workflow) {
      const name = machineName(workflow.name);
      const versionDescription = `mcpflow workflow ${workflow.name} v${workflow.version}`;
      const loggingConfiguration: LoggingConfiguration | undefined = options.logGroupArn
        ? {
            level: "ALL",
            includeExecutionData: false, // step payloads stay out of the logs; the run store keeps them
            destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: options.logGroupArn } }],
          }
        : undefined;
      const config = {
        definition: workflow.aslJson,
        roleArn: options.roleArn,
        tracingConfiguration: { enabled: true },
        ...(loggingConfiguration ? { loggingConfiguration } : {}),
        // `publish` on Create/Update publishes the version atomically with the definition it was given: a
        // separate PublishStateMachineVersion could publish a concurrent deploy's revision instead (unless given
        // the revisionId), and moto 5 does not implement PublishStateMachineVersion at all (it answers HTTP 500).
        publish: true,
        versionDescription,
      };
      let machineArn = await findMachine(name);
      let versionArn: string | undefined;
      if (machineArn) {
        const updated = await client.send(
          new (await sfn()).UpdateStateMachineCommand({ stateMachineArn: machineArn, ...config }),
        );
        versionArn = updated.stateMachineVersionArn;
      } else {
        try {
          const created = await client.send(
            new (await sfn()).CreateStateMachineCommand({
              name,
              type: "STANDARD",
              tags: [
                { key: "mcpflow:workflow", value: workflow.name },
                { key: "mcpflow:managed-by", value: "mcpflow" },
              ],
              ...config,
            }),
          );
          machineArn = created.stateMachineArn!;
          versionArn = created.stateMachineVersionArn;
        } catch (error) {
          // Another deploy of the same workflow created it between our lookup and our create.
          if (nameOf(error) !== "StateMachineAlreadyExists") throw error;
          machineArn = (await findMachine(name))!;
          const updated = await client.send(
            new (await sfn()).UpdateStateMachineCommand({ stateMachineArn: machineArn, ...config }),
          );
          versionArn = updated.stateMachineVersionArn;
        }
      }
      learnAccount(machineArn);
      if (!versionArn) return { stateMachineArn: machineArn };
      await pointLiveAlias(machineArn, versionArn);
      return { stateMachineArn: versionArn };
    },

    async start(run) {
      const name = machineName(run.workflow);
      // The compiled ASL reads `$.input` and `$.runId`; executionInputOf is where both adapters build them.
      const input = JSON.stringify(executionInputOf(run));
      const startOn = async (stateMachineArn: string) =>
        (
          await client.send(
            new (
              await sfn()
            ).StartExecutionCommand({ stateMachineArn, name: run.runId, input }),
          )
        ).executionArn!;
      let executionArn: string;
      const pinned = await options.versionArnOf?.(run.workflow, run.version);
      if (pinned) {
        executionArn = await startOn(pinned);
      } else {
        const machineArn = accountId
          ? `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`
          : await findMachine(name);
        if (!machineArn)
          throw new Error(`Workflow ${run.workflow} has no state machine; save it again to deploy it.`);
        try {
          executionArn = await startOn(`${machineArn}:${LIVE_ALIAS}`);
        } catch (error) {
          // No alias (a deploy that stopped between publishing and moving the alias; moto_server, which does not
          // resolve alias ARNs in StartExecution): the unqualified ARN runs the latest revision, the same definition.
          if (nameOf(error) !== "StateMachineDoesNotExist" && nameOf(error) !== "ResourceNotFound")
            throw error;
          if (!accountId && !(await findMachine(name))) throw error;
          executionArn = await startOn(machineArn);
        }
      }
      return { executionArn, consoleUrl: consoleUrl(region, executionArn) };
    },

    async stop(run, cause) {
      // The error name is what a Catch on the run would see; the run store records the same name.
      await client.send(
        new (await sfn()).StopExecutionCommand({
          executionArn: run.executionArn,
          error: "Run.Cancelled",
          cause: cause.slice(0, 32_768),
        }),
      );
    },

    async events(run) {
      const events: ExecutionEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new (await sfn()).GetExecutionHistoryCommand({
            executionArn: run.executionArn,
            nextToken,
            maxResults: 1000,
            includeExecutionData: true,
          }),
        );
        events.push(...(page.events ?? []).map(toExecutionEvent));
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    },
  };
}
