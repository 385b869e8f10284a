// What a probe reports (initialize, tools, resources, prompts). It is stored with the server version and returned
// by the API, so its schema lives apart from the MCP client that produces it: route contracts import this file,
// not the SDK.
import * as z from "../zod.js";

const JsonObject = z.record(z.string(), z.unknown());

export const ProbedTool = z.object({
  name: z.string(),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  inputSchema: JsonObject,
  outputSchema: z.optional(JsonObject),
  annotations: z.optional(JsonObject),
});

export const ProbedResource = z.object({
  uri: z.string(),
  name: z.string(),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  mimeType: z.optional(z.string()),
});

export const ProbedPrompt = z.object({
  name: z.string(),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  arguments: z.optional(
    z.array(
      z.object({ name: z.string(), description: z.optional(z.string()), required: z.optional(z.boolean()) }),
    ),
  ),
});

export const ProbeResult = z.object({
  serverInfo: z.object({ name: z.string(), version: z.string(), title: z.optional(z.string()) }),
  protocolVersion: z.string(),
  capabilities: JsonObject,
  instructions: z.optional(z.string()),
  tools: z.array(ProbedTool),
  resources: z.array(ProbedResource),
  prompts: z.array(ProbedPrompt),
  /** Lists the server advertised but failed to serve; the probe still succeeds when tools/list did. */
  warnings: z.optional(z.array(z.string())),
  probedAt: z.iso.datetime(),
});

export type ProbedTool = z.infer<typeof ProbedTool>;
export type ProbedResource = z.infer<typeof ProbedResource>;
export type ProbedPrompt = z.infer<typeof ProbedPrompt>;
export type ProbeResult = z.infer<typeof ProbeResult>;
