// Every server's head as this process last read it, for the registry's reads: facet counts and totals of the
// listing (counted once per snapshot and filter), and, while the snapshot is known to be current, whole pages of
// GET /v1/servers and GET /v1/servers/{name} without a store call (docs/operations.md#registry-reads). Staleness is
// bounded: this process's own writes show at once (head-projection.ts tells the snapshot); other processes' (other
// Lambda containers) within CHECK_MS, since a read is served from memory only while the listing's generation was
// found unmoved less than CHECK_MS ago (a background check every CHECK_MS / 2 renews that under traffic; when it is
// older, or the generation moved and the snapshot reloads, reads go to the store); a write that stopped before it
// could move the generation within FORCE_MS, when the snapshot reloads anyway, as the listing items it left behind
// do. Loading projects again every head that needs it (a stopped write, an older layout): the repair of the
// listing, and its migration.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { logger } from "../log.js";
import { queryAll, type Table } from "../store/table.js";
import {
  needsProjection,
  observeProjections,
  type ProjectionObserver,
  projectServer,
} from "./head-projection.js";
import { LISTING_STATE_KEY, type ListingFilter } from "./listing.js";
import type { ServerStatus, ServerVersionRecord } from "./schema.js";
import { type HeadItem, type ProjectedHead, type RunFacts, toRecord } from "./server-items.js";

/**
 * Other processes' writes show within this: in facets and totals (plus the time a reload takes), and in pages and
 * gets, which are served from memory only while the snapshot was confirmed current within this.
 */
export const CHECK_MS = 5_000;
/** A background check this often under traffic, so that the confirmation is renewed before CHECK_MS runs out. */
const REFRESH_MS = CHECK_MS / 2;
/** A reload at least this often, whatever the generation says: bounds what a stopped write leaves behind. */
export const FORCE_MS = 5 * 60_000;
/** Counts kept per snapshot; beyond it they are dropped and counted again as asked. */
const MEMO_LIMIT = 256;
const REPAIR_CONCURRENCY = 8;

export interface ListingSummary {
  name: string;
  status: ServerStatus;
  allDeleted: boolean;
  tags: string[];
  category?: string;
  title?: string;
  description?: string;
}

/** A server as a page and a get answer it: the latest version's record and what deciding `execution` needs. */
export interface ListedServer {
  /** The listing's key of the server (its name), where the next page starts after. */
  name: string;
  record: ServerVersionRecord;
  runFacts: RunFacts;
}

interface Entry {
  summary: ListingSummary;
  head: ProjectedHead;
  /** The head's record, made on first use (deriving the runtime is not free, and most heads are never shown). */
  listed?: ListedServer;
}

/** The servers a filter matches, in name order, with their facets: computed once per snapshot and filter. */
interface Matched {
  entries: Entry[];
  facets: Facets;
}

export interface Facets {
  tags: Record<string, number>;
  categories: Record<string, number>;
}

export function summaryOf(head: ProjectedHead): ListingSummary {
  const doc = head.latest.document;
  return {
    name: head.name,
    status: head.latest.status,
    allDeleted: head.allDeleted,
    tags: [...new Set(doc.tags ?? [])],
    ...(doc.category !== undefined ? { category: doc.category } : {}),
    ...(doc.title !== undefined ? { title: doc.title } : {}),
    description: doc.description,
  };
}

export function matchesFilter(summary: ListingSummary, filter: ListingFilter): boolean {
  return (
    (filter.includeDeleted || !summary.allDeleted) &&
    (filter.status === undefined || summary.status === filter.status) &&
    (filter.tag === undefined || summary.tags.includes(filter.tag)) &&
    (filter.category === undefined || summary.category === filter.category)
  );
}

export function facetsOf(summaries: Iterable<ListingSummary>): Facets {
  const facets: Facets = { tags: {}, categories: {} };
  for (const summary of summaries) {
    for (const tag of summary.tags) facets.tags[tag] = (facets.tags[tag] ?? 0) + 1;
    if (summary.category !== undefined)
      facets.categories[summary.category] = (facets.categories[summary.category] ?? 0) + 1;
  }
  return facets;
}

export class ListingSnapshot {
  private entries = new Map<string, Entry>();
  private readonly matched = new Map<string, Matched>();
  private generation: number | undefined;
  private loadedAt = 0;
  private checkedAt = 0;
  /** When the generation was last read equal to the snapshot's (taken before the read was sent). */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  /** Heads this process projected while a load was reading: applied again over what the load read. */
  private noted: Map<string, Entry> | undefined;

  constructor(
    private readonly table: Table,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Waits for the first load; after it, starts a background check when the last is older than CHECK_MS / 2. */
  async ready(): Promise<void> {
    if (this.loadedAt === 0) {
      await this.firstLoad();
      return;
    }
    this.poll();
  }

  private firstLoad(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /**
   * Whether pages and heads may be answered from memory: loaded, and confirmed current within CHECK_MS. Never
   * waits; starts the first load or a due check in the background.
   */
  isCurrent(): boolean {
    if (this.loadedAt === 0) {
      this.firstLoad().catch((error: unknown) => logger.warn("listing snapshot load failed", { error }));
      return false;
    }
    this.poll();
    return this.now() - this.confirmedAt < CHECK_MS;
  }

  private poll(): void {
    if (this.loading || this.now() - this.checkedAt < REFRESH_MS) return;
    this.checkedAt = this.now();
    this.loading = this.refresh()
      .catch((error: unknown) => logger.warn("listing snapshot refresh failed", { error }))
      .finally(() => (this.loading = undefined));
  }

  /** A head this process projected: it replaces the one the snapshot had. */
  readonly note: ProjectionObserver = (head) => {
    const entry: Entry = { summary: summaryOf(head), head };
    this.entries.set(head.name, entry);
    this.noted?.set(head.name, entry);
    this.matched.clear();
  };

  /** Facets and total of the servers a filter matches, counted once per snapshot. */
  count(filter: ListingFilter): { facets: Facets; total: number } {
    const { facets, entries } = this.match(filter);
    return { facets, total: entries.length };
  }

  /** A server's head as the snapshot holds it (undefined when it holds none: ask the store). */
  head(name: string): ProjectedHead | undefined {
    return this.entries.get(name)?.head;
  }

  /** A server as a page shows it, from the snapshot's head (undefined when it holds none). */
  listed(name: string): ListedServer | undefined {
    const entry = this.entries.get(name);
    return entry && listedOf(entry);
  }

  /** Up to `limit` servers after the name `after` that a filter matches, in the listing's order (listing.ts). */
  page(
    filter: ListingFilter,
    after: string | undefined,
    limit: number,
  ): { items: ListedServer[]; more: boolean } {
    const { entries } = this.match(filter);
    let from = 0;
    if (after !== undefined) {
      // The first name past `after`: a binary search over names in the listing's order.
      let to = entries.length;
      while (from < to) {
        const mid = (from + to) >>> 1;
        if (compareNames(entries[mid]!.summary.name, after) <= 0) from = mid + 1;
        else to = mid;
      }
    }
    const items = entries.slice(from, from + limit).map(listedOf);
    return { items, more: from + limit < entries.length };
  }

  /** Every summary (for a text search over the listing, which reads them all). */
  all(): Iterable<ListingSummary> {
    return [...this.entries.values()].map((entry) => entry.summary);
  }

  private match(filter: ListingFilter): Matched {
    const key = JSON.stringify([filter.status, filter.tag, filter.category, filter.includeDeleted]);
    let found = this.matched.get(key);
    if (!found) {
      const entries = [...this.entries.values()]
        .filter((entry) => matchesFilter(entry.summary, filter))
        .sort((a, b) => compareNames(a.summary.name, b.summary.name));
      found = { entries, facets: facetsOf(entries.map((entry) => entry.summary)) };
      if (this.matched.size >= MEMO_LIMIT) this.matched.clear();
      this.matched.set(key, found);
    }
    return found;
  }

  private async refresh(): Promise<void> {
    const asked = this.now();
    const generation = await readGeneration(this.table);
    if (generation !== this.generation || asked - this.loadedAt >= FORCE_MS) await this.load();
    else this.confirmedAt = asked;
  }

  private async load(): Promise<void> {
    this.noted = new Map();
    try {
      // Read before the heads: a projection during the load moves it again, and the next check reloads.
      const asked = this.now();
      const generation = await readGeneration(this.table);
      const heads = await queryAll<HeadItem>(this.table, {
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": "SERVERS" },
      });
      const next = new Map<string, Entry>();
      const entry = (head: ProjectedHead): Entry => ({ summary: summaryOf(head), head });
      const stale = heads.filter((head) => needsProjection(this.table, head));
      for (const head of heads)
        if (!needsProjection(this.table, head)) next.set(head.name, entry(head as ProjectedHead));
      for (let i = 0; i < stale.length; i += REPAIR_CONCURRENCY) {
        const repaired = await Promise.all(
          stale.slice(i, i + REPAIR_CONCURRENCY).map((head) => projectServer(this.table, head.name)),
        );
        for (const head of repaired) if (head) next.set(head.name, entry(head));
      }
      for (const [name, noted] of this.noted) next.set(name, noted);
      this.entries = next;
      this.matched.clear();
      this.generation = generation;
      this.confirmedAt = asked;
      this.loadedAt = this.checkedAt = this.now();
    } finally {
      this.noted = undefined;
    }
  }
}

function listedOf(entry: Entry): ListedServer {
  entry.listed ??= {
    name: entry.summary.name,
    record: toRecord(entry.head.latest, entry.head.latestVersion),
    runFacts: entry.head.runFacts ?? { grants: [] },
  };
  return entry.listed;
}

/**
 * The order of the listing's sort key (the server's name): DynamoDB compares UTF-8 bytes, which is code point
 * order; `<` on strings compares UTF-16 code units, which puts an astral character (a surrogate pair) below
 * U+E000–U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const surrogate = (c: number) => c >= 0xd800 && c <= 0xdfff;
    if (surrogate(x) !== surrogate(y) && (x >= 0xe000 || y >= 0xe000)) return surrogate(x) ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

async function readGeneration(table: Table): Promise<number> {
  const result = await table.doc.send(new GetCommand({ TableName: table.name, Key: LISTING_STATE_KEY }));
  return (result.Item?.generation as number | undefined) ?? 0;
}

const snapshots = new WeakMap<Table, ListingSnapshot>();

/** The process's snapshot of a table's listing, told of every projection this process makes. */
export function listingSnapshot(table: Table): ListingSnapshot {
  let snapshot = snapshots.get(table);
  if (!snapshot) {
    snapshot = new ListingSnapshot(table);
    snapshots.set(table, snapshot);
    observeProjections(table, snapshot.note);
  }
  return snapshot;
}
