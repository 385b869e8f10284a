// The one shape a workflow step sees from any tool call: text for people and templates, json for paths.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { jsonDepth, MAX_VALUE_DEPTH } from "../store/depth.js";
import * as z from "../zod.js";
import { McpToolError } from "./errors.js";

export const ToolOutput = z.object({
  /** The text content blocks joined with "\n"; "" when there are none. */
  text: z.string(),
  /** structuredContent, else the text parsed as JSON when it is JSON, else null. */
  json: z.unknown(),
  /** The content blocks as the server sent them (text, image, audio, resource, resource_link). */
  content: z.array(z.unknown()),
});
export type ToolOutput = z.infer<typeof ToolOutput>;

type ToolResultLike = Pick<CallToolResult, "content" | "structuredContent" | "isError"> & {
  [key: string]: unknown;
};

function textOf(content: readonly unknown[]): string {
  return content
    .filter((c): c is { type: "text"; text: string } => {
      const block = c as { type?: unknown; text?: unknown } | null;
      return block?.type === "text" && typeof block.text === "string";
    })
    .map((c) => c.text)
    .join("\n");
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  try {
    return JSON.parse(trimmed);
  } catch {
    return null;
  }
}

/**
 * How deep a tool's JSON may nest: a step record keeps it two levels down (`output.json`), and DynamoDB stores 32
 * (shared/store/depth.ts). Checked here so that the step fails naming the limit, not the store or the stack.
 */
export const MAX_OUTPUT_DEPTH = MAX_VALUE_DEPTH;

/** Turns a tools/call result into ToolOutput; a result with `isError: true` throws McpToolError. */
export function normaliseToolResult(result: ToolResultLike, toolName = "tool"): ToolOutput {
  const content = Array.isArray(result.content) ? [...result.content] : [];
  const text = textOf(content);
  if (result.isError === true) {
    throw new McpToolError(toolName, text, { content });
  }
  const json = result.structuredContent !== undefined ? result.structuredContent : parseJson(text);
  for (const [what, value] of [
    ["JSON", json],
    ["content", content],
  ] as const) {
    const depth = jsonDepth(value, MAX_OUTPUT_DEPTH);
    if (depth > MAX_OUTPUT_DEPTH) {
      throw new McpToolError(
        toolName,
        `its result's ${what} is nested more than ${MAX_OUTPUT_DEPTH} levels deep; a step output may nest at most ${MAX_OUTPUT_DEPTH} levels (DynamoDB stores 32, the step record uses 2)`,
      );
    }
  }
  return { text, json, content };
}
