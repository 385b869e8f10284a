// The run's timeline (Gantt): a row per step and per for_each item, a bar per attempt, waits hatched, the
// critical path marked, and a scrubber whose moment the graph view replays. Drawn as SVG from layoutTimeline.
import { type RefObject, useEffect, useRef, useState } from "react";
import { formatDuration } from "../components/common.js";
import type { Timeline } from "./timeline.js";

const LABEL_WIDTH = 150;
const ROW_HEIGHT = 26;
const MIN_TRACK_WIDTH = 320;

/** The width the chart has to fill, followed as the window or the step panel changes it. */
function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function TimelineView(props: {
  timeline: Timeline;
  selected?: string | undefined;
  onSelect(stepId: string): void;
  moment?: number | undefined;
}) {
  const { timeline } = props;
  const [box, width] = useWidth();
  const TRACK_WIDTH = Math.max(MIN_TRACK_WIDTH, width - LABEL_WIDTH - 24);
  const scale = (ms: number) => LABEL_WIDTH + (ms / timeline.end) * TRACK_WIDTH;
  const height = timeline.rows.length * ROW_HEIGHT + 30;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * timeline.end);
  return (
    <figure className="timeline">
      <figcaption className="muted">
        One bar per attempt; hatched: waiting; <span className="critical-key">outlined</span>: the critical
        path ({timeline.criticalPath.join(" → ") || "none yet"}).
      </figcaption>
      <div className="table-wrap" ref={box}>
        <svg
          width={LABEL_WIDTH + TRACK_WIDTH + 20}
          height={height}
          viewBox={`0 0 ${LABEL_WIDTH + TRACK_WIDTH + 20} ${height}`}
          role="img"
          aria-label={`Timeline of ${timeline.rows.length} rows over ${formatDuration(timeline.end)}`}
        >
          <defs>
            <pattern
              id="waiting"
              width="6"
              height="6"
              patternUnits="userSpaceOnUse"
              patternTransform="rotate(45)"
            >
              <rect width="6" height="6" fill="#ddf4ff" />
              <line x1="0" y1="0" x2="0" y2="6" stroke="#0969da" strokeWidth="2" />
            </pattern>
          </defs>
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={scale(tick)} x2={scale(tick)} y1={0} y2={height - 20} stroke="#d0d7de" />
              <text x={scale(tick)} y={height - 6} fontSize="11" textAnchor="middle" fill="#57606a">
                {formatDuration(tick)}
              </text>
            </g>
          ))}
          {timeline.rows.map((row, i) => {
            const y = i * ROW_HEIGHT;
            const selected = props.selected === row.stepId && row.depth === 0;
            return (
              <g key={row.key} className={`timeline-row ${selected ? "selected" : ""}`} data-row={row.key}>
                <text
                  x={8 + row.depth * 14}
                  y={y + 17}
                  fontSize="12"
                  fill="#1b1f24"
                  fontWeight={row.depth === 0 ? 600 : 400}
                >
                  {row.label}
                  {row.attempts > 1 && row.depth === 1 ? ` (${row.attempts} attempts)` : ""}
                </text>
                {row.bars.map((bar) => (
                  // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; the step list below the chart is the keyboard way
                  <rect
                    key={`${bar.kind}-${bar.start}-${bar.attempt ?? 0}`}
                    className={`bar bar-${bar.kind} status-${bar.status.toLowerCase()}`}
                    data-status={bar.status}
                    data-kind={bar.kind}
                    x={scale(bar.start)}
                    y={y + 5}
                    width={Math.max(scale(bar.end) - scale(bar.start), 2)}
                    height={ROW_HEIGHT - 10}
                    rx="3"
                    fill={bar.kind === "waiting" ? "url(#waiting)" : undefined}
                    stroke={row.critical ? "#1b1f24" : "none"}
                    strokeWidth={row.critical ? 2 : 0}
                    onClick={() => props.onSelect(row.stepId)}
                  >
                    <title>
                      {row.label} {bar.kind === "waiting" ? "waiting" : `attempt ${bar.attempt ?? 1}`}:{" "}
                      {bar.status}, {formatDuration(bar.end - bar.start)}
                    </title>
                  </rect>
                ))}
              </g>
            );
          })}
          {props.moment !== undefined && (
            <line
              x1={scale(props.moment)}
              x2={scale(props.moment)}
              y1={0}
              y2={height - 20}
              stroke="#cf222e"
              strokeWidth="2"
            />
          )}
        </svg>
      </div>
      <ul className="plain timeline-steps" aria-label="Steps on the timeline">
        {timeline.rows
          .filter((row) => row.depth === 0)
          .map((row) => (
            <li key={row.key}>
              <button type="button" className="link" onClick={() => props.onSelect(row.stepId)}>
                {row.stepId}
              </button>{" "}
              {row.status}, {row.bars.filter((bar) => bar.kind === "attempt").length} bar(s)
              {row.critical ? ", on the critical path" : ""}
            </li>
          ))}
      </ul>
    </figure>
  );
}
