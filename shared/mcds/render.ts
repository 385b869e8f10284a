// Markdown to HTML that is safe to show in a browser: marked renders, sanitize-html keeps only an allow-list
// of tags, attributes and URL schemes. Raw HTML in Markdown is allowed through marked and then cut down here,
// so the sanitizer, not the Markdown parser, is the one security boundary.
import { Marked } from "marked";
import sanitizeHtml from "sanitize-html";
import { escapeHtml } from "../search/snippet.js";
import { splitFrontMatter } from "./front-matter.js";

const marked = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...["h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "span"],
    ...["em", "strong", "del", "s", "sup", "sub", "kbd", "mark", "ul", "ol", "li", "dl", "dt", "dd"],
    ...["a", "img", "table", "thead", "tbody", "tr", "th", "td", "details", "summary"],
  ],
  allowedAttributes: {
    a: ["href", "title", "rel"],
    img: ["src", "alt", "title", "width", "height"],
    code: ["class"],
    th: ["align"],
    td: ["align"],
    ol: ["start"],
  },
  allowedClasses: { code: [/^language-[A-Za-z0-9_+-]+$/] },
  // No javascript:, vbscript: or data: anywhere; sanitize-html also decodes entities before checking schemes.
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
  allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
  allowProtocolRelative: false,
  // script, style, textarea... are dropped with their content; every other unknown tag keeps only its text.
  disallowedTagsMode: "discard",
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow" }),
  },
};

/** Renders an MCD body (front matter left out) to sanitized HTML. */
export function renderMcdHtml(markdown: string): string {
  const { content } = splitFrontMatterSafe(markdown);
  const raw = marked.parse(content) as string;
  return sanitizeHtml(raw, SANITIZE);
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
