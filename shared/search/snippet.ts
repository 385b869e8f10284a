// Builds the highlighted snippet of a hit: a short window of text around the first matched word, HTML-escaped,
// with every matched word wrapped in <mark>. Pure, so it can be fuzzed on hostile text.

const WINDOW = 180;
const LEAD = 60;

const HTML_SPECIAL = /[&<>"']/;

export function escapeHtml(text: string): string {
  if (!HTML_SPECIAL.test(text)) return text;
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A word as the index cuts text into words: a run of letters and digits. Compiled once, so it runs as native code. */
const WORD = /[\p{L}\p{N}]+/gu;

/** The lower-cased words a snippet marks (the index's terms are lower-cased whole words). */
export interface MarkedWords {
  words: ReadonlySet<string>;
  longest: number;
}

/**
 * The words to mark, gathered once per query. Marking goes word by word through a pattern compiled once: a pattern
 * built per query runs interpreted at first, and with Unicode classes that cost ~0.1 ms a snippet. Undefined when
 * there is nothing to mark.
 */
export function markedWords(terms: readonly string[]): MarkedWords | undefined {
  const words = new Set(terms.filter((t) => t.length > 0).map((t) => t.toLowerCase()));
  if (words.size === 0) return undefined;
  return { words, longest: Math.max(...[...words].map((w) => w.length)) };
}

/** Calls `found` with each marked word of `text` (its index and length) until it returns true. */
function eachMarked(text: string, marked: MarkedWords, found: (at: number, length: number) => boolean): void {
  if (!NON_ASCII.test(text)) {
    eachMarkedAscii(text, marked, found);
    return;
  }
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match !== null; match = WORD.exec(text)) {
    const word = match[0];
    // Lower-casing never shortens a word, so one longer than every marked word is none of them.
    if (word.length > marked.longest) continue;
    if (marked.words.has(word.toLowerCase()) && found(match.index, word.length)) return;
  }
}

const NON_ASCII = /[\u0080-\uffff]/;

/** In ASCII a letter or digit (`[\p{L}\p{N}]`) is one of [0-9A-Za-z]. */
const isAsciiWordUnit = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * eachMarked for ASCII text, by character codes: the same words as the Unicode pattern, without a match object per
 * word (the pattern's cost was a fifth of a snippet).
 */
function eachMarkedAscii(
  text: string,
  marked: MarkedWords,
  found: (at: number, length: number) => boolean,
): void {
  const length = text.length;
  let at = 0;
  while (at < length) {
    if (!isAsciiWordUnit(text.charCodeAt(at))) {
      at++;
      continue;
    }
    let end = at + 1;
    while (end < length && isAsciiWordUnit(text.charCodeAt(end))) end++;
    if (
      end - at <= marked.longest &&
      marked.words.has(text.slice(at, end).toLowerCase()) &&
      found(at, end - at)
    ) {
      return;
    }
    at = end;
  }
}

/** Whitespace runs in this much raw text around a match are enough to fill a window once collapsed. */
const RAW_MARGIN = 4 * WINDOW;

/** Whether a UTF-16 unit is whitespace as `\s` and `trim` see it: ECMAScript's WhiteSpace and LineTerminator. */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `source.slice(from, to)` with each whitespace run as one space (what `.replace(/\s+/g, " ")` makes of it). */
function collapse(source: string, from: number, to: number): string {
  let out = "";
  let copied = from;
  for (let i = from; i < to; i++) {
    if (!isSpace(source.charCodeAt(i))) continue;
    let end = i + 1;
    while (end < to && isSpace(source.charCodeAt(end))) end++;
    if (end > i + 1 || source.charCodeAt(i) !== 32) {
      out += `${source.slice(copied, i)} `;
      copied = end;
    }
    i = end - 1;
  }
  return copied === from ? source.slice(from, to) : out + source.slice(copied, to);
}

/** Where to start collapsing so that `chars` characters come out before `at` (or `floor`, if that comes first). */
function collapsedBack(source: string, at: number, chars: number, floor: number): number {
  let i = at;
  for (let n = 0; n < chars && i > floor; n++) {
    i--;
    if (isSpace(source.charCodeAt(i))) while (i > floor && isSpace(source.charCodeAt(i - 1))) i--;
  }
  return i;
}

/** Where to stop collapsing so that `chars` characters come out from `at` (or `ceiling`, if that comes first). */
function collapsedAhead(source: string, at: number, chars: number, ceiling: number): number {
  let i = at;
  for (let n = 0; n < chars && i < ceiling; n++) {
    if (isSpace(source.charCodeAt(i))) while (i + 1 < ceiling && isSpace(source.charCodeAt(i + 1))) i++;
    i++;
  }
  return i;
}

/**
 * The snippet from the first of `texts` that contains a marked word; without a match, the start of the first
 * non-empty text. `terms` is a word list or the words from markedWords (a query's hits share them). Only a bounded
 * stretch of a long text around the match is normalised, so a 100,000-character body costs no more than a title.
 */
export function buildSnippet(
  texts: readonly string[],
  terms: readonly string[] | MarkedWords | undefined,
): string {
  const marked = Array.isArray(terms) ? markedWords(terms) : (terms as MarkedWords | undefined);
  if (marked) {
    for (const candidate of texts) {
      let at = -1;
      eachMarked(candidate, marked, (index) => {
        at = index;
        return true;
      });
      if (at !== -1) return snippetAt(candidate, at, marked);
    }
  }
  return snippetAt(
    texts.find((t) => t.trim().length > 0),
    0,
    marked,
  );
}

/**
 * The snippet of `source` around the word at `at`, the first marked word in it (0 when it holds none): what
 * buildSnippet makes once it found that word. The search engine calls it directly, as its index knows where each
 * document's words first stand. Empty without a source.
 */
export function snippetAt(source: string | undefined, at: number, marked: MarkedWords | undefined): string {
  if (source === undefined) return "";
  // The raw stretch around the match whose whitespace the snippet collapses.
  const rawStart = Math.max(0, at - RAW_MARGIN);
  const rawEnd = Math.min(source.length, at + RAW_MARGIN);
  // Only the window and what tells whether text goes on past it are collapsed: the lead and two more characters
  // before the match, the window and two more after it. Raw text cut anywhere collapses to a part of the whole
  // stretch's collapse (a whitespace run cut in two still becomes one space), so the window comes out the same as
  // from the whole stretch, which cost a fifth of a query to collapse.
  const nearStart = collapsedBack(source, at, LEAD + 2, rawStart);
  const nearEnd = collapsedAhead(source, at, WINDOW + 2, rawEnd);
  const before = collapse(source, nearStart, at);
  const after = collapse(source, at, nearEnd);
  let text = `${before}${after}`;
  let matchAt = before.length;
  if (nearStart === 0) {
    const trimmed = text.trimStart();
    matchAt = Math.max(0, matchAt - (text.length - trimmed.length));
    text = trimmed;
  }
  if (nearEnd === source.length) text = text.trimEnd();
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
  return `${prefix}${highlight(window, marked)}${suffix}`;
}

export function highlight(text: string, marked: MarkedWords | undefined): string {
  if (!marked) return escapeHtml(text);
  let out = "";
  let last = 0;
  eachMarked(text, marked, (at, length) => {
    out += `${escapeHtml(text.slice(last, at))}<mark>${escapeHtml(text.slice(at, at + length))}</mark>`;
    last = at + length;
    return false;
  });
  return out + escapeHtml(text.slice(last));
}
