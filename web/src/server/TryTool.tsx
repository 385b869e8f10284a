// Try a tool: pick one of the version's tools, fill the form generated from its inputSchema (or JSON), and call it.
// The call is a recorded one-step run (POST …/tools/{tool}/call, operator), under the same approval and secret rules
// as any run; a tool that does not declare itself read-only or non-destructive asks for confirmation first.
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { unwrap } from "../api/client.js";
import type { ProbedTool } from "../api/types.js";
import { useApp, useCan } from "../app-context.js";
import {
  durationBetween,
  Empty,
  formatDuration,
  Loading,
  ProblemMessage,
  StatusBadge,
} from "../components/common.js";
import { SchemaForm } from "../forms/SchemaForm.js";
import { OutputView } from "../run/StepPanel.js";

/** MCP's defaults make a tool destructive unless it says otherwise; the API wants `confirm: true` for those. */
export function mayBeDestructive(tool: Pick<ProbedTool, "annotations">): boolean {
  const hints = tool.annotations ?? {};
  return hints.readOnlyHint !== true && hints.destructiveHint !== false;
}

export function TryTool({
  name,
  version,
  tool,
}: {
  name: string;
  version: string;
  tool: string | undefined;
}) {
  const { client } = useApp();
  const canRun = useCan("operator");
  const navigate = useNavigate();
  const tools = useQuery({
    queryKey: ["server", name, "tools", version],
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/servers/{name}/versions/{version}/tools", {
          params: { path: { name, version } },
        }),
      ),
  });
  const chosen = tools.data?.tools.find((t) => t.name === tool) ?? tools.data?.tools[0];
  const call = useMutation({
    mutationFn: async (input: { args: Record<string, unknown>; confirm: boolean }) =>
      unwrap(
        await client.POST("/v1/servers/{name}/versions/{version}/tools/{tool}/call", {
          params: { path: { name, version, tool: chosen!.name } },
          body: { arguments: input.args, confirm: input.confirm },
        }),
      ),
  });

  if (!canRun) return <Empty>Trying a tool needs the operator role.</Empty>;
  if (tools.isPending) return <Loading what="tools" />;
  if (tools.error || !chosen)
    return <Empty>No tools known for this version yet: an editor probes it first.</Empty>;
  const step = call.data?.steps?.[0];
  return (
    <div className="grid-2">
      <section aria-labelledby="try-title">
        <h2 id="try-title">Try a tool</h2>
        <div className="field">
          <label htmlFor="try-tool">Tool</label>
          <select
            id="try-tool"
            value={chosen.name}
            onChange={(event) => {
              call.reset();
              navigate({
                to: "/servers/$name",
                params: { name },
                search: { version, tab: "try", tool: event.target.value },
                replace: true,
              });
            }}
          >
            {tools.data.tools.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <p>{chosen.description}</p>
        {mayBeDestructive(chosen) && (
          <p className="warning">
            This tool does not say it is read-only: calling it may change things. You will be asked to
            confirm.
          </p>
        )}
        <SchemaForm
          key={chosen.name}
          schema={chosen.inputSchema}
          idPrefix={`try-${chosen.name}`}
          submitLabel={`Call ${chosen.name}`}
          busy={call.isPending}
          onSubmit={(args) => {
            const destructive = mayBeDestructive(chosen);
            if (destructive && !window.confirm(`${chosen.name} may change things. Call it?`)) return;
            call.mutate({ args, confirm: destructive });
          }}
        />
      </section>
      <section aria-labelledby="try-result" aria-live="polite">
        <h2 id="try-result">Result</h2>
        {call.isPending && <Loading what="the result" />}
        <ProblemMessage error={call.error} />
        {call.data && (
          <>
            <p>
              <StatusBadge status={call.data.status} /> in{" "}
              {formatDuration(
                durationBetween(step?.startedAt ?? call.data.startedAt, step?.endedAt ?? call.data.endedAt) ??
                  0,
              )}{" "}
              ·{" "}
              <Link to="/runs/$id" params={{ id: call.data.id }}>
                the recorded run
              </Link>
            </p>
            {step?.error && (
              <div className="problem">
                <strong>{step.error.error}</strong>
                {step.error.cause && <p>{step.error.cause}</p>}
              </div>
            )}
            {step?.output !== undefined && <OutputView output={step.output} />}
          </>
        )}
        {!call.data && !call.isPending && !call.error && (
          <p className="muted">Call the tool to see what it answers.</p>
        )}
      </section>
    </div>
  );
}
