// Small pieces every page uses: status badges, durations, times, a problem's message and a loading line.
import type { ReactNode } from "react";
import { ApiProblem } from "../api/client.js";

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

/** "850 ms", "4.2 s", "3 min 5 s", "2 h 4 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function durationBetween(start?: string, end?: string, now = Date.now()): number | undefined {
  if (!start) return undefined;
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

export function Time({ iso }: { iso: string | undefined }) {
  if (!iso) return <span>—</span>;
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}

/** A run row's status, start and duration cells, as every list of runs shows them. */
export function RunStateCells({ run }: { run: { status: string; startedAt: string; endedAt?: string } }) {
  return (
    <>
      <td>
        <StatusBadge status={run.status} />
      </td>
      <td>
        <Time iso={run.startedAt} />
      </td>
      <td>{formatDuration(durationBetween(run.startedAt, run.endedAt) ?? 0)}</td>
    </>
  );
}

export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiProblem) {
    return (
      <div role="alert" className="problem">
        <strong>{error.problem.title ?? `Error ${error.status}`}</strong>
        {error.problem.detail && <p>{error.problem.detail}</p>}
        {error.problem.errors && error.problem.errors.length > 0 && (
          <ul>
            {error.problem.errors.map((item) => (
              <li key={`${item.field}:${item.rule}`}>
                <code>{item.field}</code> {item.rule}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return (
    <p role="alert" className="problem">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Preformatted text that may scroll: focusable, so a keyboard user can scroll it (WCAG 2.1.1). */
export function CodeBlock({ children }: { children: ReactNode }) {
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to be scrolled
  return <pre tabIndex={0}>{children}</pre>;
}
