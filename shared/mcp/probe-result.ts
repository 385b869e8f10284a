// What a probe reports (initialize, tools, resources, prompts). It is stored with the server version and returned
// by the API, so its schema lives apart from the MCP client that produces it: route contracts import this file,
// not the SDK.
import * as z from "zod";

const JsonObject = z.record(z.string(), z.unknown());

export const ProbedTool = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: JsonObject,
  outputSchema: JsonObject.optional(),
  annotations: JsonObject.optional(),
});

export const ProbedResource = z.object({
  uri: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
});

export const ProbedPrompt = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  arguments: z
    .array(
      z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() }),
    )
    .optional(),
});

export const ProbeResult = z.object({
  serverInfo: z.object({ name: z.string(), version: z.string(), title: z.string().optional() }),
  protocolVersion: z.string(),
  capabilities: JsonObject,
  instructions: z.string().optional(),
  tools: z.array(ProbedTool),
  resources: z.array(ProbedResource),
  prompts: z.array(ProbedPrompt),
  /** Lists the server advertised but failed to serve; the probe still succeeds when tools/list did. */
  warnings: z.array(z.string()).optional(),
  probedAt: z.iso.datetime(),
});

export type ProbedTool = z.infer<typeof ProbedTool>;
export type ProbedResource = z.infer<typeof ProbedResource>;
export type ProbedPrompt = z.infer<typeof ProbedPrompt>;
export type ProbeResult = z.infer<typeof ProbeResult>;
