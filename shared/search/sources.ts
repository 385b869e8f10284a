// How servers (from the registry) and MCDs are read into the search index. The workflows' source is in
// shared/workflows/search-source.ts; shared/compose.ts hands all three to the index.
import { stripFrontMatter } from "../mcds/front-matter-text.js";
import { listMcdSlugs, readLatestMcd } from "../mcds/read.js";
import type { Platform } from "../platform.js";
import { listServerHeads, readServerHead, type ServerHead } from "../registry/heads.js";
import type { ServerDocument } from "../registry/schema.js";
import { getProbe } from "../registry/tools.js";
import * as z from "../zod.js";
import type { SearchDocument } from "./documents.js";
import type { SearchSource } from "./freshness.js";

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

export const serverSearchSource: SearchSource = {
  async all(platform) {
    const docs = await Promise.all(
      (await listServerHeads(platform.table)).map((head) => serverDocument(platform, head)),
    );
    return docs.filter((doc): doc is SearchDocument => doc !== undefined);
  },
  one: loadServer,
};

export const mcdSearchSource: SearchSource = {
  async all(platform) {
    const docs = await Promise.all((await listMcdSlugs(platform)).map((slug) => loadMcd(platform, slug)));
    return docs.filter((doc): doc is SearchDocument => doc !== undefined);
  },
  one: loadMcd,
};
