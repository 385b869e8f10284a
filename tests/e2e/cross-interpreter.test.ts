// Random DAG workflows on two independent ASL interpreters: the embedded one (aws-local-stepfunctions) and moto's
// (LocalStack's, inside moto_server). Each compiled workflow must give the same run output on both, call every step
// once, after all its dependencies, with the arguments the template gives. Every step is a remote call
// (lambda:invoke.waitForTaskToken): the test answers each spooled invocation as the invoker would, by task token.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { executionInputOf } from "../../shared/orchestrator/execution-input.js";
import type { WorkflowDefinition } from "../../shared/workflows/definition.js";
import { resolveTemplate, type StepResult } from "../../shared/workflows/references.js";
import { compileWorkflow } from "../../statemachines/compile.js";
import { MOTO_ACCOUNT_ID, motoAvailable, useMotoServer } from "../helpers/moto.js";
import { scratchDir } from "../helpers/scratch.js";
import { optionsFor, runLocally, SERVER } from "../unit/workflows/harness.js";
import { randomWorkflow } from "../unit/workflows/random-workflow.js";

const WORKFLOWS = 50;
const INPUT = { n: 5, label: "L" };
const tool = (stepId: string, args: unknown) => ({ v: `${stepId}-value`, got: args });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface MotoRun {
  definition: WorkflowDefinition;
  runId: string;
  executionArn?: string;
  steps: Record<string, StepResult>;
  calls: { stepId: string; arguments: unknown; startedAt: number; finishedAt?: number }[];
}

/**
 * An error of a call to moto, with what the test cannot otherwise replay: the seed, and what moto answered and printed.
 * (On Node 22, once, under the whole suite's load, SendTaskSuccess got an HTML page, the SDK's "Unexpected token '<'",
 * and nothing else to go on.)
 */
function motoFailure(error: unknown, context: string, moto: { output: () => string }): Error {
  const response = (error as { $response?: { statusCode?: number; body?: unknown } }).$response;
  const body = typeof response?.body === "string" ? response.body.slice(0, 500) : "";
  return new Error(
    `${context}: ${(error as Error).message} (HTTP ${response?.statusCode ?? "?"} ${body})\nmoto_server printed:\n${moto.output()}`,
    { cause: error },
  );
}

describe.skipIf(!motoAvailable)(
  "cross-interpreter: random DAGs on aws-local-stepfunctions and on moto",
  () => {
    const spool = scratchDir("mcpflow-cross-spool-");
    const moto = useMotoServer({ execute: true, lambdaSpool: () => spool });

    it(`gives the same output and respects the same order for ${WORKFLOWS} random workflows`, async () => {
      // A new sample each run; a failure names its seed, and MCPFLOW_PROPERTY_SEED replays it.
      const seed = Number(process.env.MCPFLOW_PROPERTY_SEED ?? Date.now() % 2 ** 31);
      const definitions = fc.sample(randomWorkflow, { numRuns: WORKFLOWS, seed });
      const sfn = new SFNClient(moto.clientConfig);
      const runs = new Map<string, MotoRun>();
      let clock = 0;

      // The same ASL on both: every server remote, so each step is a lambda:invoke.waitForTaskToken.
      const compiled = definitions.map((definition) =>
        compileWorkflow(definition, optionsFor(definition, [SERVER])),
      );
      await Promise.all(
        definitions.map(async (definition, i) => {
          const runId = `run-${i}`;
          runs.set(runId, { definition, runId, steps: {}, calls: [] });
          const machine = await sfn.send(
            new CreateStateMachineCommand({
              name: `cross-${i}`,
              definition: compiled[i]!.json,
              roleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/cross`,
            }),
          );
          const started = await sfn.send(
            new StartExecutionCommand({
              stateMachineArn: machine.stateMachineArn,
              name: runId,
              input: JSON.stringify(
                executionInputOf({ input: INPUT, runId, hostKeySha256: "ab".repeat(32) }),
              ),
            }),
          );
          runs.get(runId)!.executionArn = started.executionArn;
        }),
      );

      // Play the invoker: resolve the step's arguments from what its run has recorded so far, answer by task token.
      let pending = runs.size;
      const ended = new Map<string, { status: string; output?: unknown; error?: string; cause?: string }>();
      const deadline = Date.now() + 150_000;
      while (pending > 0) {
        if (Date.now() > deadline) throw new Error(`seed ${seed}: ${pending} executions still running`);
        const files = readdirSync(spool)
          .filter((f) => f.endsWith(".json"))
          .sort();
        await Promise.all(
          files.map(async (file) => {
            const path = join(spool, file);
            const { payload } = JSON.parse(readFileSync(path, "utf8")) as {
              payload: { taskToken: string; stepId: string; run: { id: string } };
            };
            rmSync(path);
            const run = runs.get(payload.run.id)!;
            const step = run.definition.steps.find((s) => s.id === payload.stepId)!;
            const call: MotoRun["calls"][number] = {
              stepId: step.id,
              arguments: resolveTemplate(step.arguments, { input: INPUT, steps: structuredClone(run.steps) }),
              startedAt: ++clock,
            };
            run.calls.push(call);
            const json = tool(step.id, call.arguments);
            const text = JSON.stringify(json);
            const output = { text, json, content: [{ type: "text", text }] };
            run.steps[step.id] = { status: "SUCCEEDED", output };
            call.finishedAt = ++clock;
            await sfn
              .send(
                new SendTaskSuccessCommand({
                  taskToken: payload.taskToken,
                  output: JSON.stringify({ status: "SUCCEEDED", output }),
                }),
              )
              .catch((error: unknown) => {
                throw motoFailure(error, `seed ${seed}, SendTaskSuccess for ${run.runId} ${step.id}`, moto);
              });
          }),
        );
        if (files.length === 0) {
          for (const run of runs.values()) {
            if (ended.has(run.runId)) continue;
            const execution = await sfn
              .send(new DescribeExecutionCommand({ executionArn: run.executionArn }))
              .catch((error: unknown) => {
                throw motoFailure(error, `seed ${seed}, DescribeExecution of ${run.runId}`, moto);
              });
            if (execution.status === "RUNNING") continue;
            ended.set(run.runId, {
              status: execution.status!,
              ...(execution.output ? { output: JSON.parse(execution.output) } : {}),
              ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
            });
            pending--;
          }
          await sleep(20);
        }
      }

      for (const [i, definition] of definitions.entries()) {
        const runId = `run-${i}`;
        const context = `seed ${seed}, workflow ${i}: ${JSON.stringify(definition.steps)}`;
        const onMoto = ended.get(runId)!;
        const run = runs.get(runId)!;
        const local = await runLocally(definition, INPUT, {
          tool: (call) => tool(call.stepId, call.arguments),
          compileOptions: optionsFor(definition, [SERVER]),
          validate: false,
        });
        expect(local.error, context).toBeUndefined();
        expect(onMoto, context).toMatchObject({ status: "SUCCEEDED" });
        expect(onMoto.output, context).toEqual(local.result);
        // The same calls, each once, after its dependencies, with the arguments the final context gives.
        const ids = definition.steps.map((s) => s.id).sort();
        expect(run.calls.map((c) => c.stepId).sort(), context).toEqual(ids);
        expect(local.calls.map((c) => c.stepId).sort(), context).toEqual(ids);
        const byId = new Map(run.calls.map((c) => [c.stepId, c]));
        const localArguments = new Map(local.calls.map((c) => [c.stepId, c.arguments]));
        for (const step of definition.steps) {
          const call = byId.get(step.id)!;
          for (const dep of step.depends_on)
            expect(call.startedAt, context).toBeGreaterThan(byId.get(dep)!.finishedAt!);
          expect(call.arguments, context).toEqual(localArguments.get(step.id));
        }
      }
    }, 240_000);
  },
);
