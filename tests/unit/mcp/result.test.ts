// normaliseToolResult: the one output shape every step gets, and which results count as tool errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MCP_TOOL_ERROR, McpToolError } from "../../../shared/mcp/errors.js";
import { MAX_OUTPUT_DEPTH, normaliseToolResult, ToolOutput } from "../../../shared/mcp/result.js";
import { jsonDepth } from "../../../shared/store/depth.js";

function nested(depth: number): string {
  let text = "1";
  for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `[${text}]` : `{"a":${text}}`;
  return text;
}

describe("output depth", () => {
  it("counts nesting without recursion, a scalar 0 and an empty array 1", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth([])).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth(JSON.parse(nested(100_000)))).toBe(100_000);
  });

  it(`keeps JSON nested ${MAX_OUTPUT_DEPTH} levels, the most a stored step record allows`, () => {
    const text = nested(MAX_OUTPUT_DEPTH);
    expect(jsonDepth(normaliseToolResult({ content: [{ type: "text", text }] }).json)).toBe(MAX_OUTPUT_DEPTH);
  });

  it("fails deeper JSON as a tool error that names the limit, as DynamoDB would refuse it on AWS", () => {
    for (const depth of [MAX_OUTPUT_DEPTH + 1, 40, 5_000]) {
      const call = () => normaliseToolResult({ content: [{ type: "text", text: nested(depth) }] }, "deep");
      expect(call).toThrow(McpToolError);
      expect(call).toThrow(
        `tool "deep" failed: its result's JSON is nested more than ${MAX_OUTPUT_DEPTH} levels deep; a step output may nest at most ${MAX_OUTPUT_DEPTH} levels`,
      );
    }
    const structured = () =>
      normaliseToolResult({ content: [], structuredContent: JSON.parse(`{"x":${nested(40)}}`) }, "deep");
    expect(structured).toThrow("nested more than 30 levels deep");
  });
});

describe("normaliseToolResult", () => {
  it("joins text blocks with newlines and ignores non-text blocks in text", () => {
    const content = [
      { type: "text" as const, text: "line one" },
      { type: "image" as const, data: "AAAA", mimeType: "image/png" },
      { type: "text" as const, text: "line two" },
    ];
    expect(normaliseToolResult({ content })).toEqual({ text: "line one\nline two", json: null, content });
  });

  it("prefers structuredContent for json", () => {
    const output = normaliseToolResult({
      content: [{ type: "text", text: '{"a":1}' }],
      structuredContent: { a: 2 },
    });
    expect(output.json).toEqual({ a: 2 });
  });

  it("parses text that is JSON into json", () => {
    expect(normaliseToolResult({ content: [{ type: "text", text: ' [1, {"b": true}] ' }] }).json).toEqual([
      1,
      { b: true },
    ]);
    expect(normaliseToolResult({ content: [{ type: "text", text: "42" }] }).json).toBe(42);
  });

  it("leaves json null for text that is not JSON, and for no content", () => {
    expect(normaliseToolResult({ content: [{ type: "text", text: "{not json" }] }).json).toBeNull();
    expect(normaliseToolResult({ content: [] })).toEqual({ text: "", json: null, content: [] });
  });

  it("throws McpToolError (Mcp.ToolError) with the tool's text for isError results", () => {
    const content = [{ type: "text" as const, text: "city not found" }];
    let thrown: unknown;
    try {
      normaliseToolResult({ content, isError: true }, "weather");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(McpToolError);
    expect(thrown).toMatchObject({
      errorName: MCP_TOOL_ERROR,
      toolName: "weather",
      text: "city not found",
      content,
      message: 'tool "weather" failed: city not found',
    });
  });

  it("fuzz: any content list yields a valid ToolOutput or McpToolError, never anything else", () => {
    const block = fc.oneof(
      fc.record({ type: fc.constant("text"), text: fc.string() }),
      fc.record({ type: fc.constant("image"), data: fc.base64String(), mimeType: fc.constant("image/png") }),
      fc.record({ type: fc.constant("resource_link"), uri: fc.webUrl(), name: fc.string() }),
    );
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 6 }),
        fc.option(fc.boolean(), { nil: undefined }),
        fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        (content, isError, structuredContent) => {
          try {
            const output = normaliseToolResult({ content: content as never, isError, structuredContent });
            expect(isError).not.toBe(true);
            expect(ToolOutput.safeParse(output).success).toBe(true);
            expect(output.content).toEqual(content);
            if (structuredContent !== undefined) expect(output.json).toEqual(structuredContent);
          } catch (error) {
            expect(isError).toBe(true);
            expect(error).toBeInstanceOf(McpToolError);
          }
        },
      ),
    );
  });
});
