// A step of a run: status, timing, attempts, server and tool, its arguments, its output (text, JSON or the MCP
// content as returned), its error, and its items for a for_each step.
import { useState } from "react";
import type { StepRecord } from "../api/types.js";
import { CodeBlock, durationBetween, formatDuration, StatusBadge, Time } from "../components/common.js";

interface NormalisedOutput {
  text?: string;
  json?: unknown;
  content?: unknown;
}

export function OutputView({ output }: { output: unknown }) {
  const normalised = (output && typeof output === "object" ? output : { json: output }) as NormalisedOutput;
  const modes = (["text", "json", "content"] as const).filter(
    (mode) => normalised[mode] !== undefined && normalised[mode] !== null,
  );
  const [mode, setMode] = useState<(typeof modes)[number] | undefined>(modes[0]);
  const current = mode && modes.includes(mode) ? mode : modes[0];
  if (!current) return <CodeBlock>{JSON.stringify(output, null, 2)}</CodeBlock>;
  return (
    <div>
      <fieldset className="toolbar toggle" style={{ margin: "0.25rem 0" }}>
        <legend className="sr-only">Output as</legend>
        {modes.map((m) => (
          <button
            key={m}
            type="button"
            className={m === current ? undefined : "secondary"}
            aria-pressed={m === current}
            onClick={() => setMode(m)}
          >
            {m}
          </button>
        ))}
      </fieldset>
      <CodeBlock>
        {current === "text" ? String(normalised.text) : JSON.stringify(normalised[current], null, 2)}
      </CodeBlock>
    </div>
  );
}

export function StepPanel({ step, onClose }: { step: StepRecord; onClose(): void }) {
  const duration = durationBetween(step.startedAt, step.endedAt);
  return (
    <aside className="step-panel" aria-labelledby="step-panel-title">
      <div style={{ display: "flex", justifyContent: "space-between", alignItems: "start" }}>
        <h2 id="step-panel-title">
          Step {step.stepId} <StatusBadge status={step.status} />
        </h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="facts">
        <dt>Tool</dt>
        <dd>
          <code>{step.tool}</code>
        </dd>
        <dt>Server</dt>
        <dd>{step.server}</dd>
        <dt>Attempts</dt>
        <dd>{step.attempts}</dd>
        <dt>Started</dt>
        <dd>
          <Time iso={step.startedAt} />
        </dd>
        <dt>Duration</dt>
        <dd>{duration !== undefined ? formatDuration(duration) : "—"}</dd>
      </dl>
      {step.error && (
        <div className="problem" role="note">
          <strong>{step.error.error}</strong>
          {step.error.cause && <p>{step.error.cause}</p>}
        </div>
      )}
      {step.arguments !== undefined && (
        <>
          <h3>Arguments</h3>
          <CodeBlock>{JSON.stringify(step.arguments, null, 2)}</CodeBlock>
        </>
      )}
      {step.output !== undefined && (
        <>
          <h3>Output</h3>
          <OutputView output={step.output} />
        </>
      )}
      {step.outputBlob && (
        <p className="muted">
          The output is large ({step.outputBlob.bytes} bytes) and stored apart:{" "}
          <code>{step.outputBlob.key}</code>
        </p>
      )}
      {step.items && step.items.length > 0 && (
        <>
          <h3>Items</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {step.items.map((item) => (
                <tr key={item.index}>
                  <td>{item.index}</td>
                  <td>
                    <StatusBadge status={item.status} />
                  </td>
                  <td>{item.attempts}</td>
                  <td>
                    {item.startedAt
                      ? formatDuration(durationBetween(item.startedAt, item.endedAt) ?? 0)
                      : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {step.items.map((item) => (
            <details key={item.index}>
              <summary>Item {item.index}: arguments and output</summary>
              <CodeBlock>{JSON.stringify(item.arguments, null, 2)}</CodeBlock>
              {item.output !== undefined && <OutputView output={item.output} />}
              {item.error && (
                <p className="error">
                  {item.error.error}: {item.error.cause}
                </p>
              )}
            </details>
          ))}
        </>
      )}
    </aside>
  );
}
