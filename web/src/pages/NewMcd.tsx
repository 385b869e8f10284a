// A new MCD: Markdown with front matter (slug, title, tags, links) and a live preview, saved as version 1.
import { lazy, Suspense } from "react";
import { Loading } from "../components/common.js";

const McdEditor = lazy(() => import("../mcd/McdEditor.js").then((m) => ({ default: m.McdEditor })));

const TEMPLATE = `---
slug: my-context
title: My context
tags: [example]
links:
  servers: []
  workflows: []
---
# My context

What a model should know, and which servers and workflows to use.
`;

export function NewMcd() {
  return (
    <>
      <h1>New MCD</h1>
      <Suspense fallback={<Loading what="the editor" />}>
        <McdEditor initial={TEMPLATE} />
      </Suspense>
    </>
  );
}
