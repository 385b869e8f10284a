// The workflow editor's completion, wired to the API: the definition's JSON schema from the OpenAPI document the
// API serves (fetched once, when the editor is first used), server references from the registry (name@version of
// each latest version) and the tools of the step's server (its probed tool list). Each lookup is cached by TanStack
// Query, so typing does not repeat it.
import type { CompletionSource } from "@codemirror/autocomplete";
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef } from "react";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import {
  type JsonSchema,
  type Resolve,
  resolverFor,
  type Suggestion,
  siblingValue,
  workflowCompletion,
} from "./yaml-completion.js";

const CACHED = { staleTime: 5 * 60_000 };

export function useWorkflowCompletion(): CompletionSource {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const schema = useRef<{ root: JsonSchema; resolve: Resolve }>(undefined);
  return useMemo(() => {
    const loadSchema = async () => {
      if (schema.current) return;
      const document = (await queryClient.fetchQuery({
        queryKey: ["openapi"],
        queryFn: async () => unwrap(await client.GET("/v1/openapi.json")),
        ...CACHED,
      })) as { components?: { schemas?: Record<string, JsonSchema> } };
      const components = document.components?.schemas ?? {};
      const root = components.WorkflowDefinitionInput;
      if (root) schema.current = { root, resolve: resolverFor(components) };
    };
    const servers = async (): Promise<Suggestion[]> => {
      const list = await queryClient.fetchQuery({
        queryKey: ["completion", "servers"],
        queryFn: async () => unwrap(await client.GET("/v1/servers", { params: { query: { limit: 100 } } })),
        ...CACHED,
      });
      return list.servers.map((record) => ({
        label: `${record.server.name}@${record.server.version}`,
        ...(record.server.description ? { info: record.server.description } : {}),
      }));
    };
    const tools = async (reference: string | undefined): Promise<Suggestion[]> => {
      const match = reference ? /^(.+\/[^@]+)@(.+)$/.exec(reference) : null;
      if (!match) return [];
      const [, name, version] = match as unknown as [string, string, string];
      const answer = await queryClient.fetchQuery({
        queryKey: ["completion", "tools", name, version],
        queryFn: async () =>
          unwrap(
            await client.GET("/v1/servers/{name}/versions/{version}/tools", {
              params: { path: { name, version } },
            }),
          ),
        ...CACHED,
      });
      return answer.tools.map((tool) => ({
        label: tool.name,
        ...(tool.description ? { info: tool.description } : {}),
      }));
    };
    const source = workflowCompletion({
      schema: () => schema.current,
      values: async (key, { text, pos }) => {
        try {
          if (key === "server") return await servers();
          if (key === "tool") return await tools(siblingValue(text, pos, "server"));
        } catch {
          // A lookup that fails (no access, a server without probed tools) offers nothing rather than an error.
        }
        return [];
      },
    });
    return async (context) => {
      await loadSchema().catch(() => undefined);
      return source(context);
    };
  }, [client, queryClient]);
}
