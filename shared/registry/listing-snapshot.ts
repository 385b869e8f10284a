// Facet counts and totals of the server listing, from a snapshot each process keeps of every server's listing
// entry (name, status, tags, category, title, description), so that no request counts over the whole registry:
// counts per filter are computed once per snapshot and kept. Staleness is bounded: this process's own writes show
// at once (head-projection.ts tells the snapshot), other processes' (other Lambda containers) within CHECK_MS, when
// a list request finds the listing's generation moved and reloads in the background; a write that stopped before
// it could move the generation within FORCE_MS, when the snapshot reloads anyway. Loading projects again every
// head that needs it (a stopped write, an older layout): the repair of the listing, and its migration.
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
import type { ServerStatus } from "./schema.js";
import type { HeadItem, ProjectedHead } from "./server-items.js";

/** Other processes' writes show in facets and totals within this (plus the time a reload takes). */
export const CHECK_MS = 5_000;
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
  private summaries = new Map<string, ListingSummary>();
  private readonly counted = new Map<string, { facets: Facets; total: number }>();
  private generation: number | undefined;
  private loadedAt = 0;
  private checkedAt = 0;
  private loading: Promise<void> | undefined;
  /** Heads this process projected while a load was reading: applied again over what the load read. */
  private noted: Map<string, ListingSummary> | undefined;

  constructor(
    private readonly table: Table,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits for the first load; after it, starts a background check when the last is older than CHECK_MS. */
  async ready(): Promise<void> {
    if (this.loadedAt === 0) {
      if (!this.loading) {
        this.loading = this.load().finally(() => {
          this.loading = undefined;
        });
      }
      await this.loading;
      return;
    }
    if (this.loading || this.now() - this.checkedAt < CHECK_MS) return;
    this.checkedAt = this.now();
    this.loading = this.refresh()
      .catch((error: unknown) => logger.warn("listing snapshot refresh failed", { error }))
      .finally(() => (this.loading = undefined));
  }

  /** A head this process projected: its summary replaces the one the snapshot had. */
  readonly note: ProjectionObserver = (head) => {
    const summary = summaryOf(head);
    this.summaries.set(head.name, summary);
    this.noted?.set(head.name, summary);
    this.counted.clear();
  };

  /** Facets and total of the servers a filter matches, counted once per snapshot. */
  count(filter: ListingFilter): { facets: Facets; total: number } {
    const key = JSON.stringify([filter.status, filter.tag, filter.category, filter.includeDeleted]);
    let found = this.counted.get(key);
    if (!found) {
      const matched = [...this.summaries.values()].filter((summary) => matchesFilter(summary, filter));
      found = { facets: facetsOf(matched), total: matched.length };
      if (this.counted.size >= MEMO_LIMIT) this.counted.clear();
      this.counted.set(key, found);
    }
    return found;
  }

  /** Every summary (for a text search over the listing, which reads them all). */
  all(): Iterable<ListingSummary> {
    return this.summaries.values();
  }

  private async refresh(): Promise<void> {
    const generation = await readGeneration(this.table);
    if (generation !== this.generation || this.now() - this.loadedAt >= FORCE_MS) await this.load();
  }

  private async load(): Promise<void> {
    this.noted = new Map();
    try {
      // Read before the heads: a projection during the load moves it again, and the next check reloads.
      const generation = await readGeneration(this.table);
      const heads = await queryAll<HeadItem>(this.table, {
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": "SERVERS" },
      });
      const next = new Map<string, ListingSummary>();
      const stale = heads.filter((head) => needsProjection(this.table, head));
      for (const head of heads)
        if (!needsProjection(this.table, head)) next.set(head.name, summaryOf(head as ProjectedHead));
      for (let i = 0; i < stale.length; i += REPAIR_CONCURRENCY) {
        const repaired = await Promise.all(
          stale.slice(i, i + REPAIR_CONCURRENCY).map((head) => projectServer(this.table, head.name)),
        );
        for (const head of repaired) if (head) next.set(head.name, summaryOf(head));
      }
      for (const [name, summary] of this.noted) next.set(name, summary);
      this.summaries = next;
      this.counted.clear();
      this.generation = generation;
      this.loadedAt = this.checkedAt = this.now();
    } finally {
      this.noted = undefined;
    }
  }
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
