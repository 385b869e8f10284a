// A new workflow: an empty one in the builder (canvas and YAML side by side), validated as it is typed, saved as
// version 1.
import { lazy, Suspense } from "react";
import { Loading } from "../components/common.js";

const WorkflowEditor = lazy(() =>
  import("../workflow/WorkflowEditor.js").then((m) => ({ default: m.WorkflowEditor })),
);

const TEMPLATE = `# A new workflow: add steps from the catalog on the canvas, or write them here. Each step calls an MCP
# tool; depends_on orders them, for_each fans out, when skips (docs/workflows.md).
name: my-workflow
steps: []
`;

export function NewWorkflow() {
  return (
    <>
      <h1>New workflow</h1>
      <p className="muted">
        Build it on the canvas (add steps from the catalog, draw edges for <code>depends_on</code>) or write
        the YAML; both edit the same text. Errors appear on the line they concern.
      </p>
      <Suspense fallback={<Loading what="the editor" />}>
        <WorkflowEditor initial={TEMPLATE} />
      </Suspense>
    </>
  );
}
