// A new workflow: a YAML template in the editor, validated as it is typed, saved as version 1.
import { lazy, Suspense } from "react";
import { Loading } from "../components/common.js";

const WorkflowEditor = lazy(() =>
  import("../workflow/WorkflowEditor.js").then((m) => ({ default: m.WorkflowEditor })),
);

const TEMPLATE = `# A workflow: steps call MCP tools; depends_on orders them, for_each fans out, when skips.
name: my-workflow
description: What this workflow does
input:
  type: object
  properties:
    message: { type: string }
steps:
  - id: first
    server: io.github.example/server
    tool: echo
    arguments:
      message: "{{ input.message }}"
`;

export function NewWorkflow() {
  return (
    <>
      <h1>New workflow</h1>
      <p className="muted">
        Name the servers as <code>name@version</code> (or just the name for the latest). Errors appear on the
        line they concern.
      </p>
      <Suspense fallback={<Loading what="the editor" />}>
        <WorkflowEditor initial={TEMPLATE} />
      </Suspense>
    </>
  );
}
