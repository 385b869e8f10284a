// Builds the highlighted snippet of a hit: a short window of text around the first matched word, HTML-escaped,
// with every matched word wrapped in <mark>. Pure, so it can be fuzzed on hostile text.

const WINDOW = 180;
const LEAD = 60;

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The words to mark, compiled once per query: whole words only, Unicode-aware (the index's terms are whole tokens,
 * so `\b`, ASCII-only, would miss é or ü). Undefined when there is nothing to mark.
 */
export function termPattern(terms: readonly string[]): RegExp | undefined {
  const usable = [...new Set(terms.filter((t) => t.length > 0))].sort((a, b) => b.length - a.length);
  if (usable.length === 0) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${usable.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

/** Whitespace runs in this much raw text around a match are enough to fill a window once collapsed. */
const RAW_MARGIN = 4 * WINDOW;

const collapse = (text: string) => text.replace(/\s+/g, " ");

/**
 * The snippet from the first of `texts` that contains a marked word; without a match, the start of the first
 * non-empty text. `terms` is a word list or a pattern from termPattern (a query's hits share one). Only a bounded
 * stretch of a long text around the match is normalised, so a 100,000-character body costs no more than a title.
 */
export function buildSnippet(
  texts: readonly string[],
  terms: readonly string[] | RegExp | undefined,
): string {
  const pattern = Array.isArray(terms) ? termPattern(terms) : (terms as RegExp | undefined);
  let source: string | undefined;
  let at = 0;
  if (pattern) {
    for (const candidate of texts) {
      pattern.lastIndex = 0;
      const found = pattern.exec(candidate);
      if (found) {
        source = candidate;
        at = found.index;
        break;
      }
    }
  }
  if (source === undefined) {
    source = texts.find((t) => t.trim().length > 0);
    if (source === undefined) return "";
  }
  // Cut a raw stretch around the match, then collapse whitespace in it alone.
  const rawStart = Math.max(0, at - RAW_MARGIN);
  const rawEnd = Math.min(source.length, at + RAW_MARGIN);
  const before = collapse(source.slice(rawStart, at));
  const after = collapse(source.slice(at, rawEnd));
  let text = `${before}${after}`;
  let matchAt = before.length;
  if (rawStart === 0) {
    const trimmed = text.trimStart();
    matchAt = Math.max(0, matchAt - (text.length - trimmed.length));
    text = trimmed;
  }
  if (rawEnd === source.length) text = text.trimEnd();
  const cutBefore = rawStart > 0;
  const cutAfter = rawEnd < source.length;
  let start = Math.max(0, matchAt - LEAD);
  // Do not cut a word in half at the start of the window.
  if (start > 0) {
    const space = text.indexOf(" ", start);
    if (space !== -1 && space < matchAt) start = space + 1;
  }
  const end = Math.min(text.length, start + WINDOW);
  const window = text.slice(start, end);
  const prefix = start > 0 || cutBefore ? "…" : "";
  const suffix = end < text.length || cutAfter ? "…" : "";
  return `${prefix}${highlight(window, pattern)}${suffix}`;
}

export function highlight(text: string, pattern: RegExp | undefined): string {
  if (!pattern) return escapeHtml(text);
  let out = "";
  let last = 0;
  pattern.lastIndex = 0;
  for (const match of text.matchAll(pattern)) {
    out += escapeHtml(text.slice(last, match.index));
    out += `<mark>${escapeHtml(match[0])}</mark>`;
    last = match.index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}
