// Markdown to HTML: what a reader needs survives, nothing that runs script does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderMcdHtml } from "../../../shared/mcds/render.js";

const forbiddenElements =
  /<(script|iframe|style|form|svg|object|embed|meta|link|base|input|button|textarea|math)\b/i;
/** Every attribute of every tag: sanitize-html writes them double-quoted with `"` escaped, so this parse is exact. */
function attributes(html: string): [string, string][] {
  const found: [string, string][] = [];
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    for (const m of tag.matchAll(/\s([^\s=/>]+)(?:="([^"]*)")?/g))
      found.push([m[1]!.toLowerCase(), m[2] ?? ""]);
  }
  return found;
}

function assertSafe(html: string): void {
  expect(html).not.toMatch(forbiddenElements);
  for (const [name, value] of attributes(html)) {
    expect(name).not.toMatch(/^on/);
    // Browsers ignore whitespace and control characters inside a scheme; so must this check.
    const decoded = [...value.replaceAll("&amp;", "&")].filter((c) => c.charCodeAt(0) > 0x20).join("");
    if (["href", "src", "action", "formaction", "xlink:href"].includes(name)) {
      // A URL with a scheme must have one of the allowed schemes; anything else is a relative URL.
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(decoded)?.[1]?.toLowerCase();
      if (scheme !== undefined) expect(["http", "https", "mailto"]).toContain(scheme);
    }
  }
}

describe("renderMcdHtml", () => {
  it("renders GitHub-flavoured Markdown: headings, emphasis, code, tables, links, images", () => {
    const html = renderMcdHtml(
      "---\ntitle: Hidden\n---\n# Title\n\n*em* **strong** `code`\n\n```ts\nconst a = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[link](https://example.com) ![img](https://example.com/i.png)\n",
    );
    expect(html).not.toContain("Hidden");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<em>em</em> <strong>strong</strong> <code>code</code>");
    expect(html).toContain('<code class="language-ts">');
    expect(html).toContain("<table>");
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow">link</a>');
    expect(html).toContain('<img src="https://example.com/i.png" alt="img" />');
  });

  it.each([
    ["<script>alert(1)</script>"],
    ["<img src=x onerror=alert(1)>"],
    ["[x](javascript:alert(1))"],
    ['<a href="JaVaScRiPt:alert(1)">x</a>'],
    ['<a href="&#x6A;avascript:alert(1)">x</a>'],
    ['<a href=" javascript:alert(1)">x</a>'],
    ["<svg onload=alert(1)>"],
    ["<iframe src=https://evil.example></iframe>"],
    ["![x](data:image/png;base64,AAAA)"],
    ["<style>*{}</style>"],
    ["<form><button formaction=javascript:alert(1)>x</button></form>"],
    ["<math><mi xlink:href=javascript:alert(1)>x</mi></math>"],
    ["[x](vbscript:msgbox)"],
    ["<details open ontoggle=alert(1)>x</details>"],
  ])("neutralises %s", (attack) => {
    assertSafe(renderMcdHtml(`before\n\n${attack}\n\nafter`));
  });

  it("never lets script through for any mix of hostile fragments (fuzzed)", () => {
    const fragments = [
      "<script>",
      "</script>",
      "<img src=x onerror=alert(1)>",
      "javascript:",
      "[a](",
      ")",
      '<a href="',
      '">',
      "&#106;",
      "<svg/onload=alert(1)>",
      "<iframe>",
      "`",
      "\n\n",
      "data:text/html,",
      "<!--",
      "-->",
      "<![CDATA[",
      "text",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 12 }), (parts) => {
        assertSafe(renderMcdHtml(parts.join("")));
      }),
      { numRuns: 300 },
    );
  });
});
