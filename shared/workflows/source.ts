// The text a workflow version was saved from (YAML or JSON, comments and key order included), kept beside the
// parsed definition so that the console's editor and builder edit what the user wrote, not a re-serialisation.
import * as z from "../zod.js";

export const SourceFormat = z.enum(["yaml", "json"]);
export type SourceFormat = z.infer<typeof SourceFormat>;

export const WorkflowSource = z.object({
  /** The text exactly as it was saved (or, for `derived`, the pinned definition as indented JSON). */
  text: z.string(),
  format: SourceFormat,
  /**
   * `saved`: the body the version was saved from. `derived`: the version was saved before texts were kept (or
   * in-process without one), and the text is its pinned definition written out when read.
   */
  origin: z.enum(["saved", "derived"]),
});
export type WorkflowSource = z.infer<typeof WorkflowSource>;

/** The format of a body by its content type; YAML unless it says JSON, as the route reads it. */
export function sourceFormatOf(contentType: string | undefined): SourceFormat {
  return contentType !== undefined && /\bjson\b/i.test(contentType) ? "json" : "yaml";
}
