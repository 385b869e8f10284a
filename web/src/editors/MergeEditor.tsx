// Two texts side by side with their differences marked (CodeMirror's merge view): a version diff read-only, or an
// edit conflict where the right side (the caller's text) stays editable and chunks from the left (the version
// saved meanwhile) can be taken over one by one.
import { markdown } from "@codemirror/lang-markdown";
import { yaml } from "@codemirror/lang-yaml";
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

export function MergeEditor(props: {
  left: string;
  right: string;
  language: "yaml" | "markdown";
  leftLabel: string;
  rightLabel: string;
  /** Editable right side with "take this chunk" buttons; read-only diff otherwise. */
  onRightChange?(value: string): void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const onChange = useRef(props.onRightChange);
  onChange.current = props.onRightChange;
  const editable = props.onRightChange !== undefined;

  // An editable right side is the caller's working copy: its own edits must not re-create the view.
  const rightKey = editable ? "" : props.right;
  const initialRight = useRef(props.right);
  initialRight.current = editable ? initialRight.current : props.right;

  // biome-ignore lint/correctness/useExhaustiveDependencies: rightKey stands for props.right when read-only
  useEffect(() => {
    const language = props.language === "yaml" ? yaml() : markdown();
    const merge = new MergeView({
      parent: host.current!,
      a: {
        doc: props.left,
        extensions: [
          basicSetup,
          language,
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.contentAttributes.of({ "aria-label": props.leftLabel, tabindex: "0" }),
        ],
      },
      b: {
        doc: initialRight.current,
        extensions: [
          basicSetup,
          language,
          EditorState.readOnly.of(!editable),
          EditorView.editable.of(editable),
          EditorView.contentAttributes.of({ "aria-label": props.rightLabel, tabindex: "0" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current?.(update.state.doc.toString());
          }),
        ],
      },
      ...(editable ? { revertControls: "a-to-b" as const } : {}),
      highlightChanges: true,
      gutter: true,
    });
    return () => merge.destroy();
  }, [props.left, rightKey, props.language, props.leftLabel, props.rightLabel, editable]);

  return (
    <div>
      <div className="merge-labels">
        <strong>{props.leftLabel}</strong>
        <strong>{props.rightLabel}</strong>
      </div>
      <div ref={host} className="merge-editor" />
    </div>
  );
}
