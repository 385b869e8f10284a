// CodeMirror 6 for YAML, Markdown and JSON: line numbers, history, search, diagnostics that the page computes
// (the workflow validation's field errors, placed on their lines) and completion the page supplies (the workflow
// schema's keys). Loaded only where an editor is shown.
import type { CompletionSource } from "@codemirror/autocomplete";
import { json } from "@codemirror/lang-json";
import { markdown } from "@codemirror/lang-markdown";
import { yaml } from "@codemirror/lang-yaml";
import { type Diagnostic, linter, lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

export type { Diagnostic };

const LANGUAGES: Record<"yaml" | "markdown" | "json", () => Extension> = { yaml, markdown, json };

export function CodeEditor(props: {
  value: string;
  language: "yaml" | "markdown" | "json";
  label: string;
  readOnly?: boolean;
  diagnostics?: Diagnostic[];
  /** Completion offered as one types (or on Ctrl+Space), besides the language's own. */
  completions?: CompletionSource | undefined;
  onChange?(value: string): void;
  minHeight?: string;
  /** The editor once created (null when destroyed), for a page that dispatches its own changes into its history. */
  onView?(view: EditorView | null): void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const completions = useRef(props.completions);
  completions.current = props.completions;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is created once; value changes flow below
  useEffect(() => {
    // One function for the editor's life: CodeMirror matches a completion result to its source by identity, and a
    // new function on every lookup made it drop each result and ask again, so the popup never opened.
    const autocomplete: CompletionSource = (context) => completions.current?.(context) ?? null;
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          LANGUAGES[props.language](),
          linter(null),
          EditorState.languageData.of(() => [{ autocomplete }]),
          lintGutter(),
          EditorView.lineWrapping,
          EditorState.readOnly.of(props.readOnly === true),
          EditorView.editable.of(props.readOnly !== true),
          EditorView.contentAttributes.of({ "aria-label": props.label, tabindex: "0" }),
          EditorView.theme({
            "&": { minHeight: props.minHeight ?? "16rem" },
            ".cm-scroller": { minHeight: props.minHeight ?? "16rem" },
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    props.onView?.(editor);
    return () => {
      props.onView?.(null);
      editor.destroy();
    };
  }, []);

  // A value set from outside (a loaded version, a merge) replaces the text; typing does not come back here.
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== props.value) {
      editor.dispatch({ changes: { from: 0, to: current.length, insert: props.value } });
    }
  }, [props.value]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const length = editor.state.doc.length;
    const clamped = (props.diagnostics ?? []).map((d) => ({
      ...d,
      from: Math.min(d.from, length),
      to: Math.min(Math.max(d.to, d.from), length),
    }));
    editor.dispatch(setDiagnostics(editor.state, clamped));
  }, [props.diagnostics]);

  return <div ref={host} className="code-editor" />;
}
