// Snippets are HTML built from untrusted text: only <mark> may come out as markup, whatever the text holds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildSnippet,
  escapeHtml,
  highlight,
  markedWords,
  snippetAt,
} from "../../../shared/search/snippet.js";

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

  it("cuts the same window as collapsing the whole stretch around the match would (fuzzed)", () => {
    // Words, single spaces and whitespace runs of every kind and length, so the near part of a stretch is sometimes
    // too short and sometimes cut inside a run.
    const piece = fc.oneof(
      fc.constantFrom("needle", "Needle", "hay", "a", "<b>", "x".repeat(70)),
      fc.constantFrom(" ", "  ", "\n", "\t \r\n", "\v\f", "\u00a0", " ".repeat(90), "\n".repeat(300)),
      // Whitespace beyond ASCII, and look-alikes that are not whitespace to \s (U+0085, U+180E, U+200B).
      fc.constantFrom("\u2028", "\u3000 ", "\ufeff", "\u2009\u200a", "\u0085", "\u180e", "\u200b"),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 200 }), fc.nat(), (pieces, pick) => {
        const text = pieces.join("");
        const marked = markedWords(["needle"]);
        const starts = [...text.matchAll(/needle/giu)].map((m) => m.index);
        const at = starts.length === 0 ? 0 : starts[pick % starts.length]!;
        expect(snippetAt(text, at, marked)).toBe(wholeStretchSnippet(text, at, marked));
      }),
      { numRuns: 2000 },
    );
  });

  it("marks the same words in ASCII text as the Unicode word pattern does (fuzzed)", () => {
    // A no-break space is not ASCII and not part of a word: with it at the end, highlight takes the Unicode path.
    // Every ASCII letter and digit edge (0 9 A Z a z) and the characters beside them (/ : @ [ ` {).
    const text = fc.array(fc.constantFrom(..."09AZaz/:@[`{ _<&>".split(""), "Weather", "weathers"), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(
        text,
        fc.subarray(["weather", "0", "09", "a", "z", "az", "9z", "a0", "zz"]),
        (pieces, terms) => {
          const ascii = pieces.join("");
          const marked = markedWords(terms);
          expect(`${highlight(ascii, marked)}\u00a0`).toBe(highlight(`${ascii}\u00a0`, marked));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});

/** The snippet as first written: every raw character within 720 of the match collapsed, then the window cut. */
function wholeStretchSnippet(source: string, at: number, marked: ReturnType<typeof markedWords>): string {
  const collapse = (t: string) => t.replace(/\s+/g, " ");
  const rawStart = Math.max(0, at - 720);
  const rawEnd = Math.min(source.length, at + 720);
  const before = collapse(source.slice(rawStart, at));
  let text = `${before}${collapse(source.slice(at, rawEnd))}`;
  let matchAt = before.length;
  if (rawStart === 0) {
    const trimmed = text.trimStart();
    matchAt = Math.max(0, matchAt - (text.length - trimmed.length));
    text = trimmed;
  }
  if (rawEnd === source.length) text = text.trimEnd();
  let start = Math.max(0, matchAt - 60);
  if (start > 0) {
    const space = text.indexOf(" ", start);
    if (space !== -1 && space < matchAt) start = space + 1;
  }
  const end = Math.min(text.length, start + 180);
  const prefix = start > 0 || rawStart > 0 ? "…" : "";
  const suffix = end < text.length || rawEnd < source.length ? "…" : "";
  return `${prefix}${highlight(text.slice(start, end), marked)}${suffix}`;
}
