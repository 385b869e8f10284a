// The MCD editor: Markdown (front matter included) on the left, the page as it will be rendered on the right,
// with the server's own renderer and sanitizer (shared/mcds/render.ts). Saving sends If-Match with the version
// the edit started from; when someone saved in between (412), the two texts are shown as a merge view — theirs
// read-only, ours editable with "take this change" controls — and the merged text is saved on top of theirs.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useDeferredValue, useState } from "react";
import { renderMcdHtml } from "../../../shared/mcds/render.js";
import { ApiProblem, unwrap } from "../api/client.js";
import type { McdDocument } from "../api/types.js";
import { useApp } from "../app-context.js";
import { ProblemMessage } from "../components/common.js";
import { CodeEditor } from "../editors/CodeEditor.js";
import { MergeEditor } from "../editors/MergeEditor.js";

interface Conflict {
  theirs: McdDocument;
  mine: string;
}

export function McdEditor(props: {
  slug?: string | undefined;
  base?: McdDocument | undefined;
  initial: string;
}) {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [text, setText] = useState(props.initial);
  const [baseVersion, setBaseVersion] = useState(props.base?.version);
  const [conflict, setConflict] = useState<Conflict>();
  const [merged, setMerged] = useState("");
  const preview = useDeferredValue(text);

  const save = useMutation({
    mutationFn: async (body: { markdown: string; version?: number | undefined }) => {
      if (!props.slug) {
        return unwrap(
          await client.POST("/v1/mcds", {
            body: body.markdown as never,
            headers: { "content-type": "text/markdown" },
            bodySerializer: (b: unknown) => b as string,
          }),
        );
      }
      // With front matter the text says its own title, tags and links; without, they stay as they were.
      const hasFrontMatter = /^---\r?\n/.test(body.markdown);
      return unwrap(
        await client.PUT("/v1/mcds/{slug}", {
          params: { path: { slug: props.slug }, header: { "If-Match": String(body.version) } },
          body:
            hasFrontMatter || !props.base
              ? { body: body.markdown }
              : {
                  title: props.base.title,
                  tags: props.base.tags,
                  links: props.base.links,
                  body: body.markdown,
                },
        }),
      );
    },
    onSuccess: async (saved) => {
      setConflict(undefined);
      setBaseVersion(saved.version);
      await queryClient.invalidateQueries({ queryKey: ["mcd", saved.slug] });
      await queryClient.invalidateQueries({ queryKey: ["mcds"] });
      navigate({ to: "/mcds/$slug", params: { slug: saved.slug }, search: { mode: "read" } });
    },
    onError: async (error, body) => {
      if (!(error instanceof ApiProblem) || error.status !== 412 || !props.slug) return;
      const theirs = unwrap(await client.GET("/v1/mcds/{slug}", { params: { path: { slug: props.slug } } }));
      setMerged(body.markdown);
      setConflict({ theirs, mine: body.markdown });
    },
  });

  if (conflict) {
    return (
      <section aria-labelledby="conflict-title">
        <h2 id="conflict-title">Someone saved version {conflict.theirs.version} while you were editing</h2>
        <p className="warning">
          Nothing is lost: your text is on the right and stays editable. Take their changes where you want
          them (the arrows between the sides), then save the merge as the version after{" "}
          {conflict.theirs.version}.
        </p>
        <MergeEditor
          left={conflict.theirs.body}
          right={conflict.mine}
          language="markdown"
          leftLabel={`Version ${conflict.theirs.version} by ${conflict.theirs.createdBy}`}
          rightLabel="Your text"
          onRightChange={setMerged}
        />
        <div className="toolbar">
          <button
            type="button"
            disabled={save.isPending}
            onClick={() => save.mutate({ markdown: merged, version: conflict.theirs.version })}
          >
            Save the merge
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setText(merged);
              setBaseVersion(conflict.theirs.version);
              setConflict(undefined);
            }}
          >
            Keep editing
          </button>
        </div>
        <ProblemMessage
          error={save.error instanceof ApiProblem && save.error.status === 412 ? undefined : save.error}
        />
      </section>
    );
  }

  return (
    <div>
      <div className="mcd-editor">
        <div>
          <h2 id="mcd-source">Markdown</h2>
          <CodeEditor
            value={text}
            language="markdown"
            label="MCD Markdown"
            onChange={setText}
            minHeight="28rem"
          />
        </div>
        <div>
          <h2 id="mcd-preview">Preview</h2>
          {/* The same sanitizer as the API's /html: the preview cannot run what the page would not. */}
          <article
            className="markdown preview"
            aria-labelledby="mcd-preview"
            // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by renderMcdHtml's allow-list
            dangerouslySetInnerHTML={{ __html: renderMcdHtml(preview) }}
          />
        </div>
      </div>
      <div className="toolbar">
        <button
          type="button"
          disabled={save.isPending}
          onClick={() => save.mutate({ markdown: text, version: baseVersion })}
        >
          {props.slug ? `Save (on version ${baseVersion})` : "Create MCD"}
        </button>
      </div>
      <ProblemMessage
        error={save.error instanceof ApiProblem && save.error.status === 412 ? undefined : save.error}
      />
    </div>
  );
}
