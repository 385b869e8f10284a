// Markdown to HTML: what a reader needs survives, nothing that runs script does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderMcdHtml } from "../../../shared/mcds/render.js";

const forbiddenElements =
  /<(script|iframe|style|form|svg|object|embed|meta|link|base|input|button|textarea|math)\b/i;
/** Every attribute of every tag: the sanitizer writes them double-quoted with `"` escaped, so this parse is exact. */
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

  it.each([
    ['<a href="jav&#x61;script:alert(1)">x</a>'],
    ['<a href="&#106avascript:alert(1)">x</a>'],
    ['<a href="javascript&colon;alert(1)">x</a>'],
    ['<a href="java\tscript:alert(1)">x</a>'],
    ['<a href="java&Tab;script:alert(1)">x</a>'],
    ['<a href="JAVASCRIPT:alert(1)">x</a>'],
    ['<a href="data:text/html,<script>alert(1)</script>">x</a>'],
    ['<a href="//evil.example/x">x</a>'],
    ['<a href="\\\\evil.example/x">x</a>'],
    ["[x](//evil.example)"],
  ])("drops the href of %s, keeping the link text", (attack) => {
    const html = renderMcdHtml(attack);
    assertSafe(html);
    expect(html).toBe('<p><a rel="noopener noreferrer nofollow">x</a></p>\n');
  });

  it("keeps http, https, mailto and relative links; replaces any rel", () => {
    expect(renderMcdHtml('<a href="HTTPS://example.com" rel="opener">x</a>')).toBe(
      '<p><a href="HTTPS://example.com" rel="noopener noreferrer nofollow">x</a></p>\n',
    );
    expect(renderMcdHtml('<a href="mailto:a@b.example">m</a> <a href="/docs?a=1#top" title="t">r</a>')).toBe(
      '<p><a href="mailto:a@b.example" rel="noopener noreferrer nofollow">m</a> ' +
        '<a href="/docs?a=1#top" title="t" rel="noopener noreferrer nofollow">r</a></p>\n',
    );
  });

  it("lets images load only over http(s) or a relative URL, without event handlers", () => {
    expect(renderMcdHtml("x <img src=x onerror=alert(1)> y")).toBe('<p>x <img src="x" /> y</p>\n');
    expect(
      renderMcdHtml('<img src="mailto:a@b.example" alt="m"> <img src="/r.png" width="10" onload="x()">'),
    ).toBe('<p><img alt="m" /> <img src="/r.png" width="10" /></p>\n');
  });

  it("drops style, class, id and other attributes not on the allow-list; code keeps only language-*", () => {
    expect(renderMcdHtml('<p style="color:red" class="x" id="y">hi</p>')).toBe("<p>hi</p>");
    expect(renderMcdHtml('<code class="language-ts evil">x</code> <code class="foo">y</code>')).toBe(
      '<p><code class="language-ts">x</code> <code>y</code></p>\n',
    );
    expect(renderMcdHtml('<ol start="3" type="a"><li>x</li></ol>')).toBe('<ol start="3"><li>x</li></ol>');
  });

  it("drops script, style, textarea, iframe and noscript with their content", () => {
    const html = renderMcdHtml(
      '<script>bad()</script><style>p{}</style><textarea>t</textarea><iframe src="https://x">i</iframe><noscript>n</noscript>kept',
    );
    expect(html).toBe("kept");
    expect(renderMcdHtml("<svg><script>alert(1)</script><text>svg text</text></svg>")).toBe(
      "<p>svg text</p>\n",
    );
    // An unclosed script runs to the end, as a browser reads it.
    expect(renderMcdHtml("before <script>never closed <b>x</b>")).toBe("<p>before ");
  });

  it("reduces other unknown tags, nested or unclosed, to their escaped text; removes comments", () => {
    expect(renderMcdHtml("<div><section><b>bold</b> <u>under</u></section></div>")).toBe("bold under");
    expect(renderMcdHtml("<custom-el x=1>text</custom-el> a <3 b")).toBe("<p>text a &lt;3 b</p>\n");
    expect(renderMcdHtml("<details><summary>s</summary><b>open")).toBe("<details><summary>s</summary>open");
    expect(renderMcdHtml("<p>a <!-- hidden --> b</p>")).toBe("<p>a  b</p>");
    expect(renderMcdHtml("<scr<script>ipt>alert(1)</script>")).toBe("<p>&lt;scr</p>\n");
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
