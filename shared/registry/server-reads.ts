// The registry's read API as GET /v1/servers and GET /v1/servers/{name}[/versions/{v}] answer it: a page from the
// listing index, facets from the process's snapshot, and `execution` from the run facts the head and the listing
// items carry. Apart from the Registry service so that only the registry function carries the listing snapshot and
// the run-permission decision (the workflows and runs functions are near their bundle budget, decision 0003).

import { NotFoundError } from "../errors.js";
import { decodeCursor, encodeCursor } from "../store/cursor.js";
import { getMany, type Table } from "../store/table.js";
import * as z from "../zod.js";
import { decideRunPermission, displayedRunPermission } from "./approval.js";
import { needsProjection, projectServer, readHead } from "./head-projection.js";
import { type ListingFilter, readListingItems, readListingPage } from "./listing.js";
import {
  facetsOf,
  type ListedServer,
  type ListingSnapshot,
  type ListingSummary,
  listingSnapshot,
  matchesFilter,
} from "./listing-snapshot.js";
import { displayedRuntimePolicy } from "./runtime-policy.js";
import type { RuntimePolicy } from "./runtime-policy-schema.js";
import type { RunPermission, ServerListQuery, ServerVersionRecord } from "./schema.js";
import {
  type ApprovalFacts,
  HEAD_SK,
  type HeadItem,
  isProjected,
  type ProjectedHead,
  type RunFacts,
  serverKey,
  toRecord,
  type VersionItem,
  versionKey,
} from "./server-items.js";

/** The head, one version and its approval in one BatchGetItem; the head projected first when it needs it. */
async function readHeadAndVersion(
  table: Table,
  name: string,
  version: string,
): Promise<{ head?: ProjectedHead; item?: VersionItem; approval?: ApprovalFacts }> {
  const sks = [HEAD_SK, versionKey(version), `APPROVAL#${version}`];
  const found = new Map<string, Record<string, unknown>>();
  const keys = sks.map((sk) => ({ pk: serverKey(name), sk }));
  for (const item of await getMany<Record<string, unknown>>(table, keys))
    if (item) found.set(item.sk as string, item);
  let head = found.get(HEAD_SK) as HeadItem | undefined;
  if (head && needsProjection(table, head)) head = await projectServer(table, name);
  return {
    ...(isProjected(head) ? { head } : {}),
    item: found.get(sks[1]!) as VersionItem | undefined,
    approval: found.get(sks[2]!) as ApprovalFacts | undefined,
  };
}

export class RegistryReads {
  constructor(private readonly table: Table) {}

  /**
   * The latest version with whether it may run (`execution`), from the head's run facts: the process's snapshot
   * of the head while it is current (listing-snapshot.ts), else one read.
   */
  async describeLatest(name: string, includeDeleted = false): Promise<ServerVersionRecord> {
    const snapshot = listingSnapshot(this.table);
    const kept = snapshot.isCurrent() ? snapshot.head(name) : undefined;
    const head = kept ?? (await readHead(this.table, name));
    if (!head) throw new NotFoundError(`No server named ${name}.`);
    if (head.allDeleted && !includeDeleted) throw new NotFoundError(`Every version of ${name} is deleted.`);
    const listed = (kept && snapshot.listed(name)) || {
      record: toRecord(head.latest, head.latestVersion),
      runFacts: head.runFacts ?? { grants: [] },
    };
    return (await this.withExecution([listed]))[0]!;
  }

  /** One version with `execution`: head, version and the version's approval in one BatchGetItem. */
  async describeVersion(name: string, version: string): Promise<ServerVersionRecord> {
    const { head, item, approval } = await readHeadAndVersion(this.table, name, version);
    if (!item) throw new NotFoundError(`No version ${version} of ${name}.`);
    const record = toRecord(item, head?.latestVersion);
    const facts = { ...(approval ? { approval } : {}), grants: head?.runFacts?.grants ?? [] };
    return { ...record, execution: await displayedRunPermission(this.table, record, facts) };
  }

  /**
   * A page of servers with facets. Without `search`, the page is the process's listing snapshot's while it is
   * current, else one query of the listing partition the filters name (listing.ts), from the cursor on, in name
   * order; facets and total come from the snapshot (listing-snapshot.ts: this process's writes at once, others'
   * within CHECK_MS). With `search`, the
   * match is over the snapshot (ranked by the search index when one is given, else a substring of name, title,
   * description, tags or category), and the page's items are read by name.
   */
  async list(query: ServerListQuery, ranker?: ServerRanker): Promise<ServerList> {
    const snapshot = listingSnapshot(this.table);
    await snapshot.ready();
    const filter: ListingFilter = {
      includeDeleted: query.include_deleted === "true" || query.status === "deleted",
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.tag !== undefined ? { tag: query.tag } : {}),
      ...(query.category !== undefined ? { category: query.category } : {}),
    };
    const after = decodeCursor(query.cursor, ListPosition)?.after;
    if (query.search?.trim()) return this.searchList(query, filter, after, snapshot, ranker);
    const { facets, total } = snapshot.count(filter);
    const page = snapshot.isCurrent()
      ? snapshot.page(filter, after, query.limit)
      : await readListingPage(this.table, filter, after, query.limit).then(({ items, more }) => ({
          items: items.map(({ sk, record, runFacts }) => ({ name: sk, record, runFacts })),
          more,
        }));
    const servers = await this.withExecution(page.items);
    const last = page.items.at(-1);
    return {
      servers,
      facets,
      total,
      ...(page.more && last ? { nextCursor: encodeCursor({ after: last.name }) } : {}),
    };
  }

  private async searchList(
    query: ServerListQuery,
    filter: ListingFilter,
    after: string | undefined,
    snapshot: ListingSnapshot,
    ranker: ServerRanker | undefined,
  ): Promise<ServerList> {
    const search = query.search!;
    const ranked = ranker ? await ranker.rankServers(search) : undefined;
    const needle = search.toLowerCase();
    const score = (summary: ListingSummary) => ranked?.get(summary.name) ?? 0;
    const matched = [...snapshot.all()]
      .filter((summary) => matchesFilter(summary, filter))
      .filter((summary) => (ranked ? ranked.has(summary.name) : substringMatch(summary, needle)))
      // Code-unit order, the same order the cursor's `>` compares in; localeCompare would skip or repeat names.
      .sort((a, b) => score(b) - score(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Ranked pages continue after the cursor's name in ranked order; name-ordered pages compare names.
    const rest = !after
      ? matched
      : ranked
        ? matched.slice(matched.findIndex((summary) => summary.name === after) + 1)
        : matched.filter((summary) => summary.name > after);
    const page = rest.slice(0, query.limit);
    const names = page.map((summary) => summary.name);
    const items = snapshot.isCurrent()
      ? names.map((name) => snapshot.listed(name)).filter((item) => item !== undefined)
      : await readListingItems(this.table, names);
    const last = page.at(-1);
    return {
      servers: await this.withExecution(items),
      facets: facetsOf(matched),
      total: matched.length,
      ...(rest.length > page.length && last ? { nextCursor: encodeCursor({ after: last.name }) } : {}),
    };
  }

  /** List entries with `execution`, from the run facts each listing item carries and the displayed policy. */
  private async withExecution(
    items: Pick<ListedServer, "record" | "runFacts">[],
  ): Promise<ServerVersionRecord[]> {
    const policy = await displayedRuntimePolicy(this.table);
    return items.map((item) => ({ ...item.record, execution: decided(item, policy) }));
  }
}

/**
 * The decisions on records the snapshot keeps (the same objects while it holds the same head), per policy copy:
 * deciding hashes the runtime (canonical JSON and SHA-256), which a page would otherwise do 30 times a request.
 */
const decisions = new WeakMap<
  ServerVersionRecord,
  { facts: RunFacts; policy: object; permission: RunPermission }
>();

function decided(item: Pick<ListedServer, "record" | "runFacts">, policy: RuntimePolicy): RunPermission {
  const kept = decisions.get(item.record);
  if (kept && kept.facts === item.runFacts && kept.policy === policy) return kept.permission;
  const permission = decideRunPermission(item.record, item.runFacts, policy);
  decisions.set(item.record, { facts: item.runFacts, policy, permission });
  return permission;
}

/** Relevance of the servers matching `q`, keyed by name (SearchIndex.rankServers). */
export interface ServerRanker {
  rankServers(q: string): Promise<Map<string, number>>;
}

export interface ServerList {
  servers: ServerVersionRecord[];
  facets: { tags: Record<string, number>; categories: Record<string, number> };
  total: number;
  nextCursor?: string;
}

function substringMatch(summary: ListingSummary, needle: string): boolean {
  return [summary.name, summary.title, summary.description, ...summary.tags, summary.category]
    .filter((value): value is string => typeof value === "string")
    .some((value) => value.toLowerCase().includes(needle));
}

/** Where a page of the server listing ended: the last name on it. */
const ListPosition = z.strictObject({ after: z.string() });
