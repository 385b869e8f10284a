// A run as people follow it (a live tree of steps on a terminal) and as scripts do (JSON lines of events), and the
// exit code a run's end maps to.
import type { ApiClient } from "../../shared/api/client/index.js";
import { formatUsd } from "../../shared/costs/format.js";
import type { Row } from "../command.js";
import { type Context, ok } from "../context.js";
import { EXIT, type ExitCode } from "../errors.js";
import { colours, duration } from "../output.js";

export function exitOfRun(status: string): ExitCode {
  switch (status) {
    case "FAILED":
      return EXIT.runFailed;
    case "CANCELLED":
      return EXIT.runCancelled;
    case "TIMED_OUT":
      return EXIT.runTimedOut;
    default:
      return EXIT.ok;
  }
}

interface StepView {
  stepId: string;
  tool?: string;
  status: string;
  attempts?: number;
  startedAt?: string;
  endedAt?: string;
  error?: { error?: string; cause?: string };
  items?: { index: number; status: string; attempts: number }[];
}

type Colours = ReturnType<typeof colours>;

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function mark(status: string, c: Colours, frame: number): string {
  switch (status) {
    case "SUCCEEDED":
      return c.green("✓");
    case "FAILED":
    case "TIMED_OUT":
      return c.red("✗");
    case "CANCELLED":
      return c.yellow("⊘");
    case "RUNNING":
      return c.cyan(SPINNER[frame % SPINNER.length]!);
    case "SKIPPED":
    case "NOT_RUN":
      return c.dim("–");
    default:
      return c.dim("•");
  }
}

/** The run and its steps (those the definition declares, in its order, pending until recorded). */
export function renderTree(
  run: Row,
  declared: { id: string; tool: string }[],
  c: Colours,
  frame = 0,
): string {
  const recorded = new Map(((run.steps as StepView[] | undefined) ?? []).map((s) => [s.stepId, s]));
  const steps: StepView[] = declared.map(
    (d) => recorded.get(d.id) ?? { stepId: d.id, tool: d.tool, status: "PENDING" },
  );
  for (const s of recorded.values()) if (!declared.some((d) => d.id === s.stepId)) steps.push(s);
  const width = Math.max(4, ...steps.map((s) => s.stepId.length));
  const toolWidth = Math.max(4, ...steps.map((s) => (s.tool ?? "").length));
  const status = String(run.status);
  const lines = [
    `${mark(status, c, frame)} run ${c.bold(String(run.id))}  ${run.workflow} v${run.version}  ${status}  ${duration(
      run.startedAt as string,
      run.endedAt as string | undefined,
    )}`,
  ];
  steps.forEach((s, i) => {
    const branch = i === steps.length - 1 ? "└─" : "├─";
    const items = s.items
      ? `  for_each ${s.items.filter((it) => it.status === "SUCCEEDED").length}/${s.items.length}`
      : "";
    // A for_each step's attempts are its items'; its progress says more.
    const attempt = s.items || !s.attempts ? "" : `  attempt ${s.attempts}`;
    const time = s.startedAt ? `  ${duration(s.startedAt, s.endedAt)}` : "";
    const error = s.error && s.status !== "SUCCEEDED" ? c.dim(`  ${s.error.error}`) : "";
    lines.push(
      `${c.dim(branch)} ${mark(s.status, c, frame)} ${s.stepId.padEnd(width)}  ${c.dim((s.tool ?? "").padEnd(toolWidth))}  ${s.status}${attempt}${time}${items}${error}`,
    );
  });
  return lines.join("\n");
}

/**
 * What an ended run used and cost on AWS, in one line (docs/costs.md); empty for a run that has not ended or was
 * recorded before runs carried it.
 */
export function renderCost(run: Row, c: Colours): string {
  const usage = run.usage as Record<string, number> | undefined;
  const cost = run.cost as
    | { usd: number; region: string; pricesAsOf: string; estimated: boolean }
    | undefined;
  if (!usage) return "";
  const used =
    `${usage.stateTransitions} transitions, ${usage.tasks} task(s) ${usage.taskSeconds} s, ` +
    `${usage.functionGbSeconds} Lambda GB-s, ${usage.storeReads} reads, ${usage.storeWrites} writes`;
  if (!cost) return `${c.dim("usage")}  ${used} (no price table for this region)`;
  const basis = cost.estimated ? "what this run would cost on AWS" : "measured on AWS";
  return `${c.dim("cost")}  ${formatUsd(cost.usd)}  ${c.dim(`${basis}, ${cost.region} list prices of ${cost.pricesAsOf}`)}\n${c.dim("usage")} ${used}`;
}

/** The steps a run's workflow version declares (none for a tool call, or when the version cannot be read). */
async function declaredSteps(client: ApiClient, run: Row): Promise<{ id: string; tool: string }[]> {
  const answer = await client
    .GET("/v1/workflows/{name}/versions/{n}", {
      params: { path: { name: String(run.workflow), n: Number(run.version) } },
    })
    .catch(() => undefined);
  return answer?.data?.definition.steps.map((s) => ({ id: s.id, tool: s.tool })) ?? [];
}

/** What changed between two polls of a run, as events. */
function changes(previous: Row | undefined, run: Row): Row[] {
  const events: Row[] = [];
  const at = new Date().toISOString();
  if (!previous) {
    events.push({
      type: "run",
      run: run.id,
      workflow: run.workflow,
      version: run.version,
      status: run.status,
      at,
    });
  }
  const before = new Map(((previous?.steps as StepView[] | undefined) ?? []).map((s) => [s.stepId, s]));
  for (const step of (run.steps as StepView[] | undefined) ?? []) {
    const old = before.get(step.stepId);
    if (!old || old.status !== step.status || old.attempts !== step.attempts) {
      events.push({
        type: "step",
        run: run.id,
        step: step.stepId,
        tool: step.tool,
        status: step.status,
        attempt: step.attempts,
        ...(step.error ? { error: step.error } : {}),
        at,
      });
    }
    const oldItems = new Map((old?.items ?? []).map((i) => [i.index, i]));
    for (const item of step.items ?? []) {
      const was = oldItems.get(item.index);
      if (!was || was.status !== item.status || was.attempts !== item.attempts) {
        events.push({
          type: "item",
          run: run.id,
          step: step.stepId,
          index: item.index,
          status: item.status,
          attempt: item.attempts,
          at,
        });
      }
    }
  }
  if (previous && previous.status === run.status) return events;
  if (run.status !== "RUNNING" && previous?.status !== run.status) {
    events.push({
      type: "run",
      run: run.id,
      status: run.status,
      ...(run.output !== undefined ? { output: run.output } : {}),
      ...(run.error ? { error: run.error } : {}),
      at,
    });
  }
  return events;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows a run to its end: a live tree on a terminal, otherwise JSON lines of events on stdout. Polls with a
 * backoff (250 ms to 2 s) while nothing changes. Answers the exit code of the run's end.
 */
export async function watchRun(ctx: Context, id: string): Promise<ExitCode> {
  const client = await ctx.client();
  const terminal = ctx.io.stdout.isTTY === true && ctx.io.stderr.isTTY === true;
  const c = colours(ctx.io.stderr, ctx.env);
  const draw = terminal ? (await import("log-update")).createLogUpdate(ctx.io.stderr) : undefined;
  let previous: Row | undefined;
  let declared: { id: string; tool: string }[] | undefined;
  let wait = 250;
  for (let frame = 0; ; frame++) {
    const run = (await ok(
      `GET /v1/runs/${id}`,
      client.GET("/v1/runs/{id}", { params: { path: { id } } }),
    )) as Row;
    declared ??= await declaredSteps(client, run);
    const events = changes(previous, run);
    if (draw) draw(renderTree(run, declared, c, frame));
    else for (const event of events) ctx.io.stdout.write(`${JSON.stringify(event)}\n`);
    previous = run;
    if (run.status !== "RUNNING") {
      draw?.done();
      if (draw) {
        const error = run.error as { error?: string; cause?: string } | undefined;
        if (error) ctx.note(c.red(`${error.error}: ${error.cause ?? ""}`));
        ctx.io.stdout.write(`${run.id} ${run.status}\n`);
      }
      return exitOfRun(String(run.status));
    }
    wait = events.length > 0 ? 250 : Math.min(2000, wait * 1.5);
    await sleep(draw ? Math.min(wait, 500) : wait);
  }
}
