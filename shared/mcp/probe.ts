// Asking a server what it is and what it offers (initialize, tools, resources, prompts). The result is stored
// with the server version; its schema is in probe-result.ts.
import type { Runtime } from "../registry/schema.js";
import { type ConnectOptions, connectServer, type McpConnection } from "./connect.js";
import { ProbeResult } from "./probe-result.js";

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Reads everything a probe reports from an open connection. tools/list failing fails the probe. */
export async function probeConnection(
  connection: McpConnection,
  now: () => Date = () => new Date(),
): Promise<ProbeResult> {
  const warnings: string[] = [];
  const tools = await connection.listTools();
  const optional = async <T>(advertised: boolean, what: string, list: () => Promise<T[]>): Promise<T[]> => {
    if (!advertised) return [];
    try {
      return await list();
    } catch (error) {
      warnings.push(
        `${what} failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      );
      return [];
    }
  };
  const resources = await optional(connection.capabilities.resources !== undefined, "resources/list", () =>
    connection.listResources(),
  );
  const prompts = await optional(connection.capabilities.prompts !== undefined, "prompts/list", () =>
    connection.listPrompts(),
  );
  const info = connection.serverInfo;
  return ProbeResult.parse(
    defined({
      serverInfo: defined({ name: info.name, version: info.version, title: info.title }),
      protocolVersion: connection.protocolVersion,
      capabilities: connection.capabilities as Record<string, unknown>,
      instructions: connection.instructions,
      tools: tools.map((t) =>
        defined({
          name: t.name,
          title: t.title,
          description: t.description,
          inputSchema: t.inputSchema,
          outputSchema: t.outputSchema,
          annotations: t.annotations,
        }),
      ),
      resources: resources.map((r) =>
        defined({
          uri: r.uri,
          name: r.name,
          title: r.title,
          description: r.description,
          mimeType: r.mimeType,
        }),
      ),
      prompts: prompts.map((p) =>
        defined({
          name: p.name,
          title: p.title,
          description: p.description,
          arguments: p.arguments?.map((a) =>
            defined({ name: a.name, description: a.description, required: a.required }),
          ),
        }),
      ),
      warnings: warnings.length > 0 ? warnings : undefined,
      probedAt: now().toISOString(),
    }),
  );
}

/** Connects, probes and always closes the server again. */
export async function probeServer(runtime: Runtime, options: ConnectOptions): Promise<ProbeResult> {
  const connection = await connectServer(runtime, options);
  try {
    return await probeConnection(connection);
  } finally {
    await connection.close();
  }
}
