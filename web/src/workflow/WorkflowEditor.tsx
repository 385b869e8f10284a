// The workflow's YAML in a code editor, validated as it is typed (POST /v1/workflows/validate, the same checks a
// save runs: schema, servers and tools against their probes, the compile), each error drawn on the step and
// field it names; Save stores the next version (or the first, for a new workflow).
import { isolateHistory, redo, undo } from "@codemirror/commands";
import type { EditorView } from "@codemirror/view";
import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { TextEditError } from "../../../shared/workflows/text-edit.js";
import { ApiProblem, unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Loading, ProblemMessage } from "../components/common.js";
import { CodeEditor, type Diagnostic } from "../editors/CodeEditor.js";
import { useWorkflowCompletion } from "../editors/workflow-completion.js";
import type { ApplyEdit } from "./WorkflowBuilder.js";
import { rangeOfField } from "./yaml-positions.js";

const WorkflowBuilder = lazy(() =>
  import("./WorkflowBuilder.js").then((m) => ({ default: m.WorkflowBuilder })),
);

const CONTENT_TYPES = { yaml: "application/yaml", json: "application/json" } as const;
const asText = (body: unknown) => body as string;

type Check =
  | { state: "checking" }
  | { state: "valid"; steps: number }
  | { state: "invalid"; problem: ApiProblem };

export function WorkflowEditor(props: {
  name?: string | undefined;
  initial: string;
  /** The text's format: it is sent as such, so the version keeps the text as the user wrote it. */
  format?: "yaml" | "json";
  readOnly?: boolean;
}) {
  const { client } = useApp();
  const contentType = CONTENT_TYPES[props.format ?? "yaml"];
  const navigate = useNavigate();
  const [text, setText] = useState(props.initial);
  const [check, setCheck] = useState<Check>({ state: "checking" });
  const completions = useWorkflowCompletion();
  const view = useRef<EditorView | null>(null);
  const [editError, setEditError] = useState<string | undefined>();

  // A canvas action becomes one transaction of the editor, alone in its history event: Undo takes back exactly it.
  const apply = useCallback<ApplyEdit>((edit) => {
    const editor = view.current;
    if (!editor) return;
    try {
      const changes = edit(editor.state.doc.toString());
      setEditError(undefined);
      if (changes.length === 0) return;
      editor.dispatch({ changes, annotations: isolateHistory.of("full"), userEvent: "input.builder" });
    } catch (error) {
      if (!(error instanceof TextEditError)) throw error;
      setEditError(error.message);
    }
  }, []);

  useEffect(() => {
    if (props.readOnly) return;
    setCheck({ state: "checking" });
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const result = await client.POST("/v1/workflows/validate", {
          body: text as never,
          headers: { "content-type": contentType },
          bodySerializer: asText,
          signal: controller.signal,
        });
        const data = unwrap(result);
        setCheck({ state: "valid", steps: data.definition.steps.length });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiProblem) setCheck({ state: "invalid", problem: error });
      }
    }, 500);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, client, props.readOnly, contentType]);

  const diagnostics = useMemo<Diagnostic[]>(() => {
    if (check.state !== "invalid") return [];
    const errors = check.problem.problem.errors ?? [{ field: "", rule: check.problem.message }];
    return errors.map((error) => ({
      ...rangeOfField(text, error.field),
      severity: "error",
      message: `${error.field ? `${error.field.replace(/^body\.?/, "")}: ` : ""}${error.rule}`,
    }));
  }, [check, text]);

  const headers = { "content-type": contentType };
  const save = useMutation({
    mutationFn: async () => {
      const result = props.name
        ? await client.PUT("/v1/workflows/{name}", {
            params: { path: { name: props.name } },
            body: text as never,
            headers,
            bodySerializer: asText,
          })
        : await client.POST("/v1/workflows", { body: text as never, headers, bodySerializer: asText });
      return unwrap(result);
    },
    onSuccess: (saved) =>
      navigate({
        to: "/workflows/$name",
        params: { name: saved.name },
        search: { tab: "graph", version: saved.version },
      }),
  });

  const code = (
    <CodeEditor
      value={props.initial}
      language="yaml"
      label="Workflow YAML"
      readOnly={props.readOnly}
      diagnostics={diagnostics}
      completions={props.readOnly ? undefined : completions}
      onChange={setText}
      onView={(editor) => {
        view.current = editor;
      }}
      minHeight="24rem"
    />
  );
  return (
    <div>
      {props.readOnly ? (
        code
      ) : (
        <div className="builder">
          <Suspense fallback={<Loading what="the canvas" />}>
            <WorkflowBuilder
              text={text}
              apply={apply}
              readOnly={false}
              undo={() => view.current && undo(view.current)}
              redo={() => view.current && redo(view.current)}
            />
          </Suspense>
          <div className="builder-code">{code}</div>
        </div>
      )}
      {editError && (
        <p role="alert" className="error">
          {editError}
        </p>
      )}
      {!props.readOnly && (
        <div className="toolbar">
          <p role="status" aria-live="polite" className={check.state === "invalid" ? "error" : "muted"}>
            {check.state === "checking" && "Checking…"}
            {check.state === "valid" && `Valid: ${check.steps} step${check.steps === 1 ? "" : "s"}.`}
            {check.state === "invalid" &&
              `${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"}`}
          </p>
          <button
            type="button"
            onClick={() => save.mutate()}
            disabled={save.isPending || check.state === "invalid"}
          >
            {props.name ? "Save new version" : "Create workflow"}
          </button>
        </div>
      )}
      {check.state === "invalid" && (
        <ul className="problem" aria-label="Validation problems">
          {diagnostics.map((d) => (
            <li key={`${d.from}:${d.message}`}>{d.message}</li>
          ))}
        </ul>
      )}
      <ProblemMessage error={save.error} />
    </div>
  );
}
