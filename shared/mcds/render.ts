// Markdown to HTML that is safe to show in a browser: marked renders, js-xss (`xss`) keeps only an allow-list
// of tags, attributes and URL schemes. Raw HTML in Markdown is allowed through marked and then cut down here,
// so the sanitizer, not the Markdown parser, is the one security boundary.

import { Marked } from "marked";
import { FilterXSS, type IFilterXSSOptions, type IWhiteList } from "xss";
import { escapeHtml } from "../search/snippet.js";
import { splitFrontMatter } from "./front-matter.js";

const marked = new Marked({ gfm: true, breaks: false, async: false });

/** Allowed tags and, for each, its allowed attributes; everything else is dropped. */
const ALLOWED: IWhiteList = {
  ...Object.fromEntries(
    [
      ...["h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "span"],
      ...["em", "strong", "del", "s", "sup", "sub", "kbd", "mark", "ul", "li", "dl", "dt", "dd"],
      ...["table", "thead", "tbody", "tr", "details", "summary"],
    ].map((tag) => [tag, []]),
  ),
  a: ["href", "title", "rel"],
  img: ["src", "alt", "title", "width", "height"],
  code: ["class"],
  th: ["align"],
  td: ["align"],
  ol: ["start"],
};
/** Of `code`'s classes only these survive (marked's fenced-code language). */
const CODE_CLASS = /^language-[A-Za-z0-9_+-]+$/;
/** URL attributes and their schemes: no javascript:, vbscript: or data: anywhere; images only over http(s). */
const SCHEMES: Record<string, readonly string[]> = {
  href: ["http", "https", "mailto"],
  src: ["http", "https"],
};
/** Dropped together with their content, as browsers treat it as raw text or never show it as text. */
const DROP_WITH_CONTENT = new Set([
  ...["script", "style", "textarea", "option", "xmp", "noscript", "iframe", "noembed", "noframes", "title"],
  "template",
]);
/** Written as `<br />`: marked writes `<br>`, `<hr>`, `<img ...>`. */
const VOID = new Set(["br", "hr", "img"]);
const REL = "noopener noreferrer nofollow";

/** Named entities decoded before the scheme check; any other one where a scheme could be makes the URL refused. */
const NAMED: Record<string, string> = {
  ...{ colon: ":", tab: "\t", newline: "\n", amp: "&", quot: '"', apos: "'", lt: "<", gt: ">" },
  ...{ sol: "/", quest: "?", num: "#", nbsp: "\u00a0" },
};
const UNKNOWN = "\uffff";

/**
 * Whether a raw (entity-encoded) URL attribute value is allowed: with a scheme, one of `schemes` (decoded first, so
 * `jav&#x61;script:` or `java&Tab;script:` are caught, and with whitespace and control characters removed as
 * browsers do); without one, a relative URL, but not a protocol-relative `//host` one.
 */
function urlAllowed(raw: string, schemes: readonly string[]): boolean {
  const decoded = raw
    .replace(/&#(x[0-9a-f]+|\d+);?/gi, (_, code: string) => {
      const point = code[0] === "x" || code[0] === "X" ? Number.parseInt(code.slice(1), 16) : Number(code);
      return point <= 0x10ffff ? String.fromCodePoint(point) : "\ufffd";
    })
    .replace(/&([a-z][a-z0-9]*);?/gi, (_, name: string) => NAMED[name.toLowerCase()] ?? UNKNOWN)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
    .replace(/[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028\u2029\u205f\u3000\ufeff]/g, "");
  // A scheme ends at the first `:` before any `/`, `?` or `#`; an entity we cannot decode there may hide one.
  const head = /^[^/?#]*/.exec(decoded)?.[0] ?? "";
  if (head.includes(UNKNOWN)) return false;
  if (head.includes(":")) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(head)?.[1]?.toLowerCase();
    return scheme !== undefined && schemes.includes(scheme);
  }
  // A relative URL, but `//host` (or `\\host`, which browsers read the same) is another site.
  return !/^[/\\]{2}/.test(decoded);
}

/** An attribute value as written in the source, quoted for output: the browser decodes it as we checked it. */
function quoted(raw: string): string {
  return `"${raw.replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")}"`;
}

/** Allowed attributes (the allow-list has already matched tag and name): values checked, then written quoted. */
function attribute(tag: string, name: string, value: string): string {
  const schemes = tag === "img" ? SCHEMES.src : SCHEMES[name];
  if (schemes) return urlAllowed(value, schemes) ? `${name}=${quoted(value)}` : "";
  if (tag === "a" && name === "rel") return ""; // replaced by REL
  if (tag === "code" && name === "class") {
    const classes = value.split(/\s+/).filter((c) => CODE_CLASS.test(c));
    return classes.length > 0 ? `${name}=${quoted(classes.join(" "))}` : "";
  }
  return `${name}=${quoted(value)}`;
}

const BASE: IFilterXSSOptions = {
  whiteList: ALLOWED,
  css: false, // no style attribute is allowed, so cssfilter is never needed
  allowCommentTag: false, // comments are removed
  stripBlankChar: false,
  onTagAttr: (tag, name, value, isWhiteAttr) => (isWhiteAttr ? attribute(tag, name, value) : ""),
};
/** Writes one allowed opening tag with its checked attributes; used to add `rel` and the void tags' ` /`. */
const tagWriter = new FilterXSS(BASE);

/** A sanitizer for one document: it tracks which dropped-with-content element it is inside. */
function sanitizer() {
  const cuts: [number, number][] = [];
  let dropping: { tag: string; from: number } | undefined;
  const filter = new FilterXSS({
    ...BASE,
    onTag(tag, html, { isClosing }) {
      if (isClosing || !(tag === "a" || VOID.has(tag))) return undefined;
      const written = tagWriter.process(html).replace(/ ?\/?>$/, "");
      return tag === "a" ? `${written} rel="${REL}">` : `${written} />`;
    },
    onIgnoreTag(tag, html, { isClosing, position }) {
      // Not a tag at all (`a < b`, `<3`): text, which the default escapes.
      if (!/^<\/?[a-z!?]/i.test(html)) return undefined;
      if (dropping) {
        if (isClosing && tag === dropping.tag) {
          cuts.push([dropping.from, position ?? 0]);
          dropping = undefined;
        }
      } else if (!isClosing && DROP_WITH_CONTENT.has(tag)) {
        dropping = { tag, from: position ?? 0 };
      }
      // Any other unknown tag (svg, math, form, div...) goes; its content stays as text.
      return "";
    },
  });
  return (html: string): string => {
    let out = filter.process(html);
    // An element left open runs to the end, as a browser would read it.
    if (dropping) cuts.push([dropping.from, out.length]);
    for (const [from, to] of cuts.reverse()) out = out.slice(0, from) + out.slice(to);
    return out;
  };
}

/** Renders an MCD body (front matter left out) to sanitized HTML. */
export function renderMcdHtml(markdown: string): string {
  const { content } = splitFrontMatterSafe(markdown);
  const raw = marked.parse(content) as string;
  return sanitizer()(raw);
}

/** Rendering never fails on a stored body: broken front matter is shown as text. */
function splitFrontMatterSafe(markdown: string) {
  try {
    return splitFrontMatter(markdown);
  } catch {
    return { data: undefined, content: markdown };
  }
}

/** The page around the rendered body; the CSP header makes any missed script inert as a second line of defence. */
export function htmlPage(title: string, bodyHtml: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>\n${bodyHtml}\n</body></html>\n`;
}

export const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "default-src 'none'; img-src http: https:; style-src 'unsafe-inline'; sandbox",
  "x-content-type-options": "nosniff",
} as const;
