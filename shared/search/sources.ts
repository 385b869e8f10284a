// The search sources mcpflow itself owns: servers (from the registry) and MCDs. Workflows register theirs from
// the workflows area through registerSearchSource / indexWorkflow.
import { z } from "zod";
import { NotFoundError } from "../errors.js";
import { stripFrontMatter } from "../mcds/front-matter-text.js";
import { McdService } from "../mcds/service.js";
import { getPlatform, type Platform } from "../platform.js";
import type { ServerDocument } from "../registry/schema.js";
import { addRegistryChangeHook, Registry } from "../registry/service.js";
import type { SearchDocument } from "./documents.js";
import { recordSearchChange, registerSearchSource } from "./freshness.js";

/** Tools come from probing, which stores them next to the version; accepted in either shape when present. */
const ProbedTools = z.array(
  z.union([
    z.string().transform((name) => ({ name })),
    z.object({ name: z.string(), description: z.string().optional() }),
  ]),
);

export function serverSearchDocument(
  server: ServerDocument,
  extra: { tools?: unknown } = {},
): SearchDocument {
  const tools = ProbedTools.safeParse(extra.tools ?? []);
  return {
    type: "server",
    id: server.name,
    title: server.title ?? server.name,
    description: server.description,
    tags: [...(server.tags ?? []), ...(server.category ? [server.category] : [])],
    tools: tools.success ? tools.data : [],
  };
}

function mcdBodyText(body: string): string {
  return stripFrontMatter(body);
}

async function loadServer(platform: Platform, name: string): Promise<SearchDocument | undefined> {
  try {
    // The latest non-deleted version; NotFound when there is none, which removes the server from the index.
    const record = await new Registry(platform.table).getLatest(name);
    return serverSearchDocument(record.server, record as { tools?: unknown });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

async function loadMcd(platform: Platform, slug: string): Promise<SearchDocument | undefined> {
  try {
    const mcd = await new McdService(platform).get(slug);
    return { type: "mcd", id: mcd.slug, title: mcd.title, tags: mcd.tags, body: mcdBodyText(mcd.body) };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

let installed = false;

/** Registers the server and MCD sources and the registry hook; safe to call from every handler module. */
export function installBuiltInSearchSources(): void {
  if (installed) return;
  installed = true;
  registerSearchSource("server", {
    async all(platform) {
      const heads = await new Registry(platform.table).listHeads();
      return heads
        .filter((head) => !head.allDeleted)
        .map((head) => serverSearchDocument(head.latest.document, head.latest as { tools?: unknown }));
    },
    one: loadServer,
  });
  registerSearchSource("mcd", {
    async all(platform) {
      const service = new McdService(platform);
      const docs: SearchDocument[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.list({ limit: 100, cursor });
        for (const head of page.items) {
          const doc = await loadMcd(platform, head.slug);
          if (doc) docs.push(doc);
        }
        cursor = page.nextCursor;
      } while (cursor);
      return docs;
    },
    one: loadMcd,
  });
  addRegistryChangeHook({
    async serverChanged(name) {
      await recordSearchChange(await getPlatform(), { type: "server", id: name, op: "upsert" });
    },
  });
}
