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

/** Whole words only, Unicode-aware: the index's terms are whole tokens, so `\b` (ASCII-only) would miss é or ü. */
function termPattern(terms: readonly string[]): RegExp | undefined {
  const usable = [...new Set(terms.filter((t) => t.length > 0))].sort((a, b) => b.length - a.length);
  if (usable.length === 0) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${usable.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

/**
 * The snippet for `terms` from the first of `texts` that contains one of them; without a match, the start of
 * the first non-empty text.
 */
export function buildSnippet(texts: readonly string[], terms: readonly string[]): string {
  const pattern = termPattern(terms);
  const candidates = texts.map((t) => t.replace(/\s+/g, " ").trim()).filter((t) => t.length > 0);
  if (candidates.length === 0) return "";
  let text = candidates[0]!;
  let at = 0;
  if (pattern) {
    for (const candidate of candidates) {
      pattern.lastIndex = 0;
      const found = pattern.exec(candidate);
      if (found) {
        text = candidate;
        at = found.index;
        break;
      }
    }
  }
  let start = Math.max(0, at - LEAD);
  // Do not cut a word in half at the start of the window.
  if (start > 0) {
    const space = text.indexOf(" ", start);
    if (space !== -1 && space < at) start = space + 1;
  }
  const end = Math.min(text.length, start + WINDOW);
  const window = text.slice(start, end);
  const prefix = start > 0 ? "…" : "";
  const suffix = end < text.length ? "…" : "";
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
