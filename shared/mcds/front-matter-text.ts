// Where YAML front matter ends, found without parsing it: the search index only needs the Markdown after it,
// and keeping the YAML parser out of that path keeps it out of the search and registry bundles.
export const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/;

export function stripFrontMatter(markdown: string): string {
  const match = FRONT_MATTER.exec(markdown);
  return match ? markdown.slice(match[0].length) : markdown;
}
