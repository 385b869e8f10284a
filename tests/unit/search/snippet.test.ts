// Snippets are HTML built from untrusted text: only <mark> may come out as markup, whatever the text holds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSnippet, escapeHtml } from "../../../shared/search/snippet.js";

describe("buildSnippet", () => {
  it("marks whole matched words and escapes everything else", () => {
    expect(buildSnippet(["a <b>weather</b> & co"], ["weather"])).toBe(
      "a &lt;b&gt;<mark>weather</mark>&lt;/b&gt; &amp; co",
    );
    expect(buildSnippet(["weatherman weather"], ["weather"])).toBe("weatherman <mark>weather</mark>");
  });

  it("takes the first text that matches and a window around the match", () => {
    const long = `${"lorem ipsum ".repeat(40)}needle ${"dolor ".repeat(60)}`;
    const snippet = buildSnippet(["no match here", long], ["needle"]);
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet).toContain("<mark>needle</mark>");
    expect(snippet.length).toBeLessThan(260);
  });

  it("falls back to the start of the first text without a match", () => {
    expect(buildSnippet(["", "first <text>"], ["zzz"])).toBe("first &lt;text&gt;");
  });

  it("never emits markup other than <mark> (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 3 }),
        fc.array(fc.string(), { maxLength: 3 }),
        (texts, terms) => {
          const html = buildSnippet(texts, terms).replaceAll("<mark>", "").replaceAll("</mark>", "");
          expect(html).not.toMatch(/[<>"']/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});
