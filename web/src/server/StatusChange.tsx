// A version's status actions (deprecate, reactivate for editors; delete for admins), each asking first what it would
// break: the workflow versions that pin the version (latest or not) and the MCDs that describe the server, from
// GET /v1/dependencies/impact. A delete the API would refuse (workflows pin the version) says so and cannot be sent.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useRef, useState } from "react";
import { unwrap } from "../api/client.js";
import type { ServerVersionRecord } from "../api/types.js";
import { useApp, useCan } from "../app-context.js";
import { Empty, Loading, ProblemMessage } from "../components/common.js";

type Change = "deprecate" | "delete";

const PATCH: Record<Change, { status: "deprecated" | "deleted"; label: string }> = {
  deprecate: { status: "deprecated", label: "Deprecate" },
  delete: { status: "deleted", label: "Delete" },
};

export function StatusActions({ record }: { record: ServerVersionRecord }) {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const canEdit = useCan("editor");
  const isAdmin = useCan("admin");
  const [change, setChange] = useState<Change | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  const name = record.server.name;
  const version = record.server.version;
  const reactivate = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.PATCH("/v1/servers/{name}/versions/{version}", {
          params: { path: { name, version } },
          body: { status: "active" },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["server", name] }),
  });
  if (!canEdit || record.status === "deleted") return null;
  const ask = (next: Change) => {
    setChange(next);
    dialog.current?.showModal();
  };
  return (
    <span className="actions">
      {record.status === "active" ? (
        <button type="button" className="secondary" onClick={() => ask("deprecate")}>
          Deprecate {version}…
        </button>
      ) : (
        <button
          type="button"
          className="secondary"
          onClick={() => reactivate.mutate()}
          disabled={reactivate.isPending}
        >
          Reactivate {version}
        </button>
      )}
      {isAdmin && (
        <button type="button" className="danger" onClick={() => ask("delete")}>
          Delete {version}…
        </button>
      )}
      <ProblemMessage error={reactivate.error} />
      <dialog ref={dialog} aria-labelledby={`impact-title-${version}`} onClose={() => setChange(undefined)}>
        {change && (
          <ImpactConfirmation
            record={record}
            change={change}
            titleId={`impact-title-${version}`}
            onDone={() => dialog.current?.close()}
          />
        )}
      </dialog>
    </span>
  );
}

function ImpactConfirmation({
  record,
  change,
  titleId,
  onDone,
}: {
  record: ServerVersionRecord;
  change: Change;
  titleId: string;
  onDone(): void;
}) {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const name = record.server.name;
  const version = record.server.version;
  const impact = useQuery({
    queryKey: ["impact", name, version, change],
    // Always asked afresh: a workflow saved a moment ago must be on the list.
    staleTime: 0,
    gcTime: 0,
    queryFn: async () =>
      unwrap(
        await client.GET("/v1/dependencies/impact", {
          params: { query: { server: name, version, change } },
        }),
      ),
  });
  const apply = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.PATCH("/v1/servers/{name}/versions/{version}", {
          params: { path: { name, version } },
          body: { status: PATCH[change].status },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["server", name] });
      onDone();
    },
  });
  const { label } = PATCH[change];
  return (
    <>
      <h2 id={titleId}>
        {label} {name}@{version}?
      </h2>
      {impact.isPending && <Loading what="what depends on it" />}
      <ProblemMessage error={impact.error} />
      {impact.data && (
        <>
          <h3>Workflow versions that pin it</h3>
          {impact.data.workflows.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <ul className="plain" aria-label="Workflow versions that pin it">
              {impact.data.workflows.map((w) => (
                <li key={`${w.name}@${w.version}`}>
                  <Link to="/workflows/$name" params={{ name: w.name }} search={{ version: w.version }}>
                    {w.name} v{w.version}
                  </Link>{" "}
                  {w.isLatest ? (
                    <span className="badge status-failed">latest</span>
                  ) : (
                    <span className="badge">older version</span>
                  )}{" "}
                  <span className="muted">steps {w.steps.map((s) => s.id).join(", ")}</span>
                </li>
              ))}
            </ul>
          )}
          <h3>MCDs that describe the server</h3>
          {impact.data.mcds.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <ul className="plain" aria-label="MCDs that describe the server">
              {impact.data.mcds.map((m) => (
                <li key={m.slug}>
                  <Link to="/mcds/$slug" params={{ slug: m.slug }}>
                    {m.title}
                  </Link>
                </li>
              ))}
            </ul>
          )}
          {impact.data.blocked ? (
            <p role="alert" className="problem">
              It cannot be deleted while workflows pin it: save them on another version (or delete them)
              first.
            </p>
          ) : (
            change === "deprecate" &&
            impact.data.workflows.length > 0 && (
              <p>These workflow versions keep running; new saves should move to another version.</p>
            )
          )}
        </>
      )}
      <ProblemMessage error={apply.error} />
      <div className="toolbar">
        <button
          type="button"
          className={change === "delete" ? "danger" : undefined}
          disabled={!impact.data || impact.data.blocked || apply.isPending}
          onClick={() => apply.mutate()}
        >
          {label} {version}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </>
  );
}
