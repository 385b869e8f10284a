// The search sources mcpflow itself owns: servers (from the registry) and MCDs. Workflows register theirs from
// the workflows area through registerSearchSource / indexWorkflow.
import { stripFrontMatter } from "../mcds/front-matter-text.js";
import { listMcdSlugs, readLatestMcd } from "../mcds/read.js";
import { getPlatform, type Platform } from "../platform.js";
import { listServerHeads, readServerHead, type ServerHead } from "../registry/heads.js";
import { addRegistryChangeHook } from "../registry/hooks.js";
import type { ServerDocument } from "../registry/schema.js";
import { getProbe } from "../registry/tools.js";
import * as z from "../zod.js";
import type { SearchDocument } from "./documents.js";
import { recordSearchChange, registerSearchSource } from "./freshness.js";

/** Tools come from probing, which stores them next to the version; accepted in either shape when present. */
const ProbedTools = z.array(
  z.union([
    z.pipe(
      z.string(),
      z.transform((name) => ({ name })),
    ),
    z.object({ name: z.string(), description: z.optional(z.string()) }),
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

/** The latest non-deleted version with the tools its last probe found; undefined removes it from the index. */
async function serverDocument(
  platform: Platform,
  head: ServerHead | undefined,
): Promise<SearchDocument | undefined> {
  if (!head || head.allDeleted) return undefined;
  const probe = await getProbe(platform.table, head.name, head.latestVersion);
  return serverSearchDocument(head.latest.document, { tools: probe?.tools ?? [] });
}

async function loadServer(platform: Platform, name: string): Promise<SearchDocument | undefined> {
  return serverDocument(platform, await readServerHead(platform.table, name));
}

async function loadMcd(platform: Platform, slug: string): Promise<SearchDocument | undefined> {
  const mcd = await readLatestMcd(platform, slug);
  return mcd && { type: "mcd", id: mcd.slug, title: mcd.title, tags: mcd.tags, body: mcdBodyText(mcd.body) };
}

let installed = false;

/** Registers the server and MCD sources and the registry hook; safe to call from every handler module. */
export function installBuiltInSearchSources(): void {
  if (installed) return;
  installed = true;
  registerSearchSource("server", {
    async all(platform) {
      const docs = await Promise.all(
        (await listServerHeads(platform.table)).map((head) => serverDocument(platform, head)),
      );
      return docs.filter((doc): doc is SearchDocument => doc !== undefined);
    },
    one: loadServer,
  });
  registerSearchSource("mcd", {
    async all(platform) {
      const docs = await Promise.all((await listMcdSlugs(platform)).map((slug) => loadMcd(platform, slug)));
      return docs.filter((doc): doc is SearchDocument => doc !== undefined);
    },
    one: loadMcd,
  });
  addRegistryChangeHook({
    async serverChanged(name) {
      await recordSearchChange(await getPlatform(), { type: "server", id: name, op: "upsert" });
    },
  });
}
