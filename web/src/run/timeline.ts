// The run timeline's layout, a pure function of the run record, its execution history and the workflow's
// dependencies: one row per step and, for a for_each step, one sub-row per item; one bar per attempt (from the
// history: a Task state's entries, failures and retries), a "waiting" bar where the history shows the task
// waited (scheduled but not started on AWS; entered but not yet started locally); and the critical path, the
// chain of dependencies that ended last. Times are milliseconds since the run started.
import { stateNames } from "../../../statemachines/state-names.js";

export interface TimelineStep {
  stepId: string;
  status: string;
  attempts: number;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
  items?:
    | {
        index: number;
        status: string;
        attempts: number;
        startedAt?: string | undefined;
        endedAt?: string | undefined;
      }[]
    | undefined;
}

export interface TimelineEvent {
  id: number;
  timestamp: string;
  type: string;
  stateName?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface TimelineInput {
  run: {
    startedAt: string;
    endedAt?: string | undefined;
    status: string;
    steps?: TimelineStep[] | undefined;
  };
  events?: TimelineEvent[] | undefined;
  /** Each step's dependencies (the definition's depends_on), for the critical path and the row order. */
  dependsOn?: Record<string, string[]> | undefined;
  /** Step ids in the order rows are shown (the definition's topological order); by start time otherwise. */
  order?: string[] | undefined;
  /** Epoch ms standing in for "now": where a bar still open ends. */
  now: number;
}

export type BarKind = "attempt" | "waiting";

export interface TimelineBar {
  start: number;
  end: number;
  kind: BarKind;
  /** 1-based, for attempts. */
  attempt?: number;
  status: string;
  /** Still going at `now`. */
  open: boolean;
}

export interface TimelineRow {
  key: string;
  stepId: string;
  item?: number;
  depth: 0 | 1;
  label: string;
  status: string;
  attempts: number;
  bars: TimelineBar[];
  critical: boolean;
}

export interface Timeline {
  /** Always 0: the run's start. */
  start: number;
  /** The run's end, or now while it runs (at least the last bar's end). */
  end: number;
  rows: TimelineRow[];
  criticalPath: string[];
}

const ATTEMPT_END: Record<string, string> = {
  TaskFailed: "FAILED",
  TaskTimedOut: "TIMED_OUT",
  TaskSucceeded: "SUCCEEDED",
};

interface SpanSource {
  status: string;
  attempts: number;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
}

export function layoutTimeline(input: TimelineInput): Timeline {
  const origin = Date.parse(input.run.startedAt);
  const at = (iso: string) => Date.parse(iso) - origin;
  const nowMs = input.now - origin;
  const runEnd = input.run.endedAt ? at(input.run.endedAt) : nowMs;
  const groups = groupTaskEvents(input.events ?? []);

  const bars = (source: SpanSource, events: TimelineEvent[] | undefined): TimelineBar[] => {
    const fromEvents = events ? barsFromEvents(events, source, at, runEnd) : [];
    if (fromEvents.length > 0) return fromEvents;
    if (!source.startedAt) return [];
    const end = source.endedAt ? at(source.endedAt) : runEnd;
    return [
      {
        start: at(source.startedAt),
        end: Math.max(end, at(source.startedAt)),
        kind: "attempt",
        attempt: Math.max(source.attempts, 1),
        status: source.status,
        open: !source.endedAt,
      },
    ];
  };

  const steps = [...(input.run.steps ?? [])];
  const position = new Map((input.order ?? []).map((id, i) => [id, i]));
  steps.sort((a, b) => {
    const pa = position.get(a.stepId);
    const pb = position.get(b.stepId);
    if (pa !== undefined && pb !== undefined) return pa - pb;
    if (pa !== undefined) return -1;
    if (pb !== undefined) return 1;
    return (a.startedAt ?? "~").localeCompare(b.startedAt ?? "~") || a.stepId.localeCompare(b.stepId);
  });

  const rows: TimelineRow[] = [];
  for (const step of steps) {
    const call = stateNames.call(step.stepId);
    const items = step.items ?? [];
    const itemRows = items.map<TimelineRow>((item) => ({
      key: `${step.stepId}#${item.index}`,
      stepId: step.stepId,
      item: item.index,
      depth: 1,
      label: `item ${item.index}`,
      status: item.status,
      attempts: item.attempts,
      bars: bars(item, groups.get(`${call}#${item.index}`)),
      critical: false,
    }));
    // A for_each step's own bar spans its items; a plain step's comes from its own Task state.
    const stepBars =
      items.length > 0
        ? span(
            itemRows.flatMap((row) => row.bars),
            step,
            at,
            runEnd,
          )
        : bars(step, groups.get(`${call}#`));
    rows.push({
      key: step.stepId,
      stepId: step.stepId,
      depth: 0,
      label: step.stepId,
      status: step.status,
      attempts: step.attempts,
      bars: stepBars,
      critical: false,
    });
    rows.push(...itemRows);
  }

  const criticalPath = criticalPathOf(rows, input.dependsOn ?? {});
  const onPath = new Set(criticalPath);
  for (const row of rows) if (row.depth === 0 && onPath.has(row.stepId)) row.critical = true;
  const lastBar = Math.max(0, ...rows.flatMap((row) => row.bars.map((bar) => bar.end)));
  return { start: 0, end: Math.max(runEnd, lastBar, 1), rows, criticalPath };
}

/** Task events by `<state name>#<item index or empty>`: a for_each item's events carry its index. */
function groupTaskEvents(events: TimelineEvent[]): Map<string, TimelineEvent[]> {
  const groups = new Map<string, TimelineEvent[]>();
  for (const event of [...events].sort((a, b) => a.id - b.id)) {
    if (!event.stateName) continue;
    const index = event.detail?.index;
    const key = `${event.stateName}#${typeof index === "number" ? index : ""}`;
    const list = groups.get(key) ?? [];
    list.push(event);
    groups.set(key, list);
  }
  return groups;
}

/**
 * Attempts and waits from one Task state's events. Step Functions on AWS says when a task was scheduled, started
 * and ended; the embedded interpreter says when the state was entered, failed, retried and exited, and the step
 * record says when the last attempt started executing, so the time before it is waiting (a server starting, a
 * process slot, a retry's interval).
 */
function barsFromEvents(
  events: TimelineEvent[],
  source: SpanSource,
  at: (iso: string) => number,
  runEnd: number,
): TimelineBar[] {
  const out: TimelineBar[] = [];
  let open: { start: number; waitingFrom?: number } | undefined;
  let attempt = 0;
  const close = (end: number, status: string) => {
    if (!open) return;
    attempt += 1;
    out.push({
      start: open.start,
      end: Math.max(end, open.start),
      kind: "attempt",
      attempt,
      status,
      open: false,
    });
    open = undefined;
  };
  for (const event of events) {
    const t = at(event.timestamp);
    switch (event.type) {
      case "TaskStateEntered":
        open = { start: t };
        break;
      case "StateRetried":
        // The next attempt begins after the retry's interval; until then the step waits.
        open = { start: t, waitingFrom: t };
        break;
      case "TaskScheduled":
        open = { start: t, waitingFrom: t };
        break;
      case "TaskStarted":
        if (open?.waitingFrom !== undefined && t > open.waitingFrom) {
          out.push({ start: open.waitingFrom, end: t, kind: "waiting", status: "WAITING", open: false });
        }
        open = { start: t };
        break;
      case "TaskStateExited":
        if (open) close(t, source.status);
        break;
      default: {
        const status = ATTEMPT_END[event.type];
        if (status) close(t, status);
      }
    }
  }
  // The record knows when the last attempt began executing: before that, this step waited.
  const recordedStart = source.startedAt ? at(source.startedAt) : undefined;
  const lastAttempt = [...out].reverse().find((bar) => bar.kind === "attempt");
  const adjust = (bar: { start: number; end: number } | undefined) => {
    if (!bar || recordedStart === undefined) return;
    if (recordedStart > bar.start && recordedStart < bar.end) {
      out.push({ start: bar.start, end: recordedStart, kind: "waiting", status: "WAITING", open: false });
      bar.start = recordedStart;
    }
  };
  if (open && source.endedAt) {
    // The record says the attempt ended, the history does not yet: the history lags the records (written in
    // windows, read by a poll), and the record is the truth for the end.
    close(at(source.endedAt), source.status);
    adjust(out[out.length - 1]);
  } else if (open) {
    // Still running: an attempt open until now (or the run's end).
    const bar = {
      start: open.start,
      end: runEnd,
      kind: "attempt" as const,
      attempt: attempt + 1,
      status: "RUNNING",
      open: true,
    };
    if (open.waitingFrom !== undefined && recordedStart === undefined) {
      out.push({ ...bar, kind: "waiting", status: "WAITING" });
    } else {
      adjust(bar);
      out.push(bar);
    }
  } else {
    adjust(lastAttempt);
  }
  return out.sort((a, b) => a.start - b.start || (a.kind === "waiting" ? -1 : 1));
}

/** A for_each step's envelope: from its first item's start to its last item's end (or its own record's). */
function span(
  bars: TimelineBar[],
  step: SpanSource,
  at: (iso: string) => number,
  runEnd: number,
): TimelineBar[] {
  const starts = bars.map((bar) => bar.start);
  if (step.startedAt) starts.push(at(step.startedAt));
  if (starts.length === 0) return [];
  const start = Math.min(...starts);
  const itemsEnd = Math.max(start, ...bars.map((bar) => bar.end));
  // The step's record may settle a moment before its last item's; the envelope covers both.
  const end =
    !step.endedAt && bars.some((bar) => bar.open)
      ? runEnd
      : Math.max(itemsEnd, step.endedAt ? at(step.endedAt) : 0);
  return [
    {
      start,
      end: Math.max(end, start),
      kind: "attempt",
      attempt: step.attempts,
      status: step.status,
      open: !step.endedAt,
    },
  ];
}

/**
 * The chain that decided the run's length: the step that ended last, then, among its dependencies, the one that
 * ended last (the one it waited for), and so on back to a step with none.
 */
function criticalPathOf(rows: TimelineRow[], dependsOn: Record<string, string[]>): string[] {
  const endOf = new Map<string, number>();
  for (const row of rows) {
    if (row.depth !== 0 || row.bars.length === 0) continue;
    endOf.set(row.stepId, Math.max(...row.bars.map((bar) => bar.end)));
  }
  let current: string | undefined;
  for (const [id, end] of endOf) if (current === undefined || end > endOf.get(current)!) current = id;
  const path: string[] = [];
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    path.unshift(current);
    let next: string | undefined;
    for (const dep of dependsOn[current] ?? []) {
      const end = endOf.get(dep);
      if (end !== undefined && (next === undefined || end > endOf.get(next)!)) next = dep;
    }
    current = next;
  }
  return path;
}

/** What a row looked like at `moment` (ms since the run started), for the scrubber. */
export function statusAt(row: TimelineRow, moment: number): string {
  const first = row.bars[0];
  if (!first || moment < first.start) return "PENDING";
  const inside = row.bars.find((bar) => moment >= bar.start && moment < bar.end);
  if (inside) return inside.kind === "waiting" ? "WAITING" : "RUNNING";
  const last = row.bars[row.bars.length - 1]!;
  if (last.open) return "RUNNING";
  return moment >= Math.max(...row.bars.map((bar) => bar.end)) ? row.status : "WAITING";
}
