// YAML front matter in an MCD body, and the merge of front matter with the request's explicit fields:
// explicit fields win, field by field; front matter keys other than slug/title/tags/links are left in the body.
import { ValidationError } from "../errors.js";
import { validationError } from "../validation.js";
import { parseYaml } from "../yaml.js";
import { FRONT_MATTER } from "./front-matter-text.js";
import { McdFields, type McdWriteBody } from "./schema.js";

const MERGED_KEYS = ["slug", "title", "tags", "links"] as const;

export interface SplitMarkdown {
  /** The parsed front matter, or undefined when the body has none. */
  data: Record<string, unknown> | undefined;
  /** The Markdown after the front matter. */
  content: string;
}

export function splitFrontMatter(markdown: string): SplitMarkdown {
  const match = FRONT_MATTER.exec(markdown);
  if (!match) return { data: undefined, content: markdown };
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? "", { maxAliasCount: 100 }) ?? {};
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : "cannot be parsed";
    throw new ValidationError(`The front matter is not valid YAML: ${reason}`, {
      issues: [{ field: "body.frontMatter", rule: "must be valid YAML" }],
    });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ValidationError("The front matter must be a YAML mapping.", {
      issues: [{ field: "body.frontMatter", rule: "must be a mapping of keys to values" }],
    });
  }
  return { data: data as Record<string, unknown>, content: markdown.slice(match[0].length) };
}

/**
 * The MCD a write request describes. `pathSlug` is the slug of PUT /v1/mcds/{slug}; a body that names another
 * slug is refused rather than silently renamed.
 */
export function resolveMcdInput(input: McdWriteBody, pathSlug?: string): McdFields {
  const explicit: Record<string, unknown> = typeof input === "string" ? { body: input } : { ...input };
  const body = typeof explicit.body === "string" ? explicit.body : "";
  const { data } = splitFrontMatter(body);
  const candidate: Record<string, unknown> = {};
  for (const key of MERGED_KEYS) {
    if (explicit[key] !== undefined) candidate[key] = explicit[key];
    else if (data?.[key] !== undefined) candidate[key] = data[key];
  }
  candidate.body = body;
  if (pathSlug !== undefined) {
    if (candidate.slug !== undefined && candidate.slug !== pathSlug) {
      throw new ValidationError(`The body names slug ${String(candidate.slug)}, the path ${pathSlug}.`, {
        issues: [{ field: "body.slug", rule: `must be ${pathSlug}, the slug in the path, or left out` }],
      });
    }
    candidate.slug = pathSlug;
  }
  const parsed = McdFields.safeParse(candidate);
  if (!parsed.success) throw validationError(parsed.error, "body");
  return parsed.data;
}
