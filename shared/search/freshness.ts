// Keeps each container's in-memory index in step with the store. Every indexed write bumps a generation counter
// item (atomic ADD) and writes a change-log item under that generation; a query first reads the counter (one
// GetItem) and, if it moved, replays the missed changes by reloading each changed thing from the store.
// Replaying reloads instead of trusting the log's order, so two racing writers cannot leave an older state behind.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { logger } from "../log.js";
import type { Platform } from "../platform.js";
import type { Table } from "../store/table.js";
import type { SearchDocument, SearchType } from "./documents.js";
import { SearchEngine } from "./engine.js";

export interface SearchSource {
  /** Every searchable document of this type, read from the store: the rebuild path. */
  all(platform: Platform): Promise<SearchDocument[]>;
  /** One document as the store has it now, or undefined when it is gone (deleted, or every version deleted). */
  one?(platform: Platform, id: string): Promise<SearchDocument | undefined>;
}

export interface SearchChange {
  type: SearchType;
  id: string;
  op: "upsert" | "remove";
  /** The document itself, for sources without `one`; capped to keep the log item far below 400 KB. */
  doc?: SearchDocument;
}

const COUNTER_KEY = { pk: "SEARCH", sk: "GENERATION" };
const LOG_PK = "SEARCH#LOG";
const logSortKey = (generation: number) => `G#${String(generation).padStart(12, "0")}`;
/** Log items expire after a day (the table's TTL attribute); an index further behind than that rebuilds. */
const LOG_TTL_SECONDS = 24 * 3600;
/** Replaying more changes than this costs more than rebuilding a small corpus. */
const MAX_REPLAY = 1000;
/** A generation whose log item is still missing after this long belongs to a writer that failed: rebuild. */
const GAP_GRACE_MS = 5_000;
/** Safety net for writes whose counter bump failed: no index lives longer than this without a rebuild. */
const MAX_INDEX_AGE_MS = 15 * 60_000;
const MAX_INLINE_DOC_CHARS = 100_000;

/** How each type of document is read from the store; the composition root (shared/compose.ts) names them. */
export type SearchSources = Readonly<Partial<Record<SearchType, SearchSource>>>;

interface IndexState {
  engine: SearchEngine;
  /** Every change up to this generation is in the engine. */
  applied: number;
  builtAt: number;
  gapSince?: number;
  running?: Promise<void>;
  queued?: Promise<void>;
  /** This container's own changes, applied one after another (see recordSearchChange). */
  applying?: Promise<void>;
}

// One index per table object: a test platform restarted on a new store gets a new index.
const states = new WeakMap<Table, IndexState>();
const building = new WeakMap<Table, Promise<IndexState>>();
/**
 * Tables whose every indexed write goes through this module, which applies each change to the index as it records
 * it: the embedded platform's (its home lock keeps every other platform off the store, and its functions share one
 * module graph). Their queries skip the counter read, which costs a dynalite round trip (~1 ms of this process's
 * CPU) per query; the index age limit still rebuilds them.
 */
const soleWriters = new WeakSet<Table>();

/** Declares this process the only writer of the table's searchable items (see soleWriters). */
export function markSoleWriter(table: Table): void {
  soleWriters.add(table);
}

async function readGeneration(table: Table): Promise<number> {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: COUNTER_KEY, ConsistentRead: true }),
  );
  return Number(result.Item?.generation ?? 0);
}

/** Reads every source into a new engine and swaps it in whole, so a query never sees a half-built index. */
export async function rebuildSearchIndex(platform: Platform, sources: SearchSources): Promise<SearchEngine> {
  const generation = await readGeneration(platform.table);
  const engine = new SearchEngine();
  for (const source of Object.values(sources)) {
    for (const doc of await source.all(platform)) engine.upsert(doc);
  }
  const previous = states.get(platform.table);
  const state: IndexState = { engine, applied: generation, builtAt: Date.now() };
  if (previous) {
    // Keep the scheduling fields of the live state so waiting queries are not orphaned.
    Object.assign(previous, { engine, applied: generation, builtAt: state.builtAt, gapSince: undefined });
    return engine;
  }
  states.set(platform.table, state);
  return engine;
}

async function stateFor(platform: Platform, sources: SearchSources): Promise<IndexState> {
  const existing = states.get(platform.table);
  if (existing) return existing;
  let pending = building.get(platform.table);
  if (!pending) {
    pending = rebuildSearchIndex(platform, sources).then(() => states.get(platform.table)!);
    building.set(platform.table, pending);
    pending.finally(() => building.delete(platform.table)).catch(() => undefined);
  }
  return pending;
}

async function applyChange(
  platform: Platform,
  sources: SearchSources,
  engine: SearchEngine,
  change: SearchChange,
): Promise<void> {
  if (change.op === "remove") {
    engine.remove(change.type, change.id);
    return;
  }
  const source = sources[change.type];
  if (source?.one) {
    const doc = await source.one(platform, change.id);
    if (doc) engine.upsert(doc);
    else engine.remove(change.type, change.id);
  } else if (change.doc) {
    engine.upsert(change.doc);
  }
}

async function catchUp(platform: Platform, sources: SearchSources, state: IndexState): Promise<void> {
  const generation = await readGeneration(platform.table);
  if (generation === state.applied && Date.now() - state.builtAt < MAX_INDEX_AGE_MS) return;
  if (
    generation < state.applied ||
    generation - state.applied > MAX_REPLAY ||
    Date.now() - state.builtAt >= MAX_INDEX_AGE_MS
  ) {
    await rebuildSearchIndex(platform, sources);
    return;
  }
  const page = await platform.table.doc.send(
    new QueryCommand({
      TableName: platform.table.name,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": LOG_PK,
        ":from": logSortKey(state.applied + 1),
        ":to": logSortKey(generation),
      },
      ConsistentRead: true,
    }),
  );
  let next = state.applied + 1;
  for (const item of page.Items ?? []) {
    const at = Number(item.generation);
    if (at !== next) break;
    await applyChange(platform, sources, state.engine, item.change as SearchChange);
    next += 1;
  }
  state.applied = Math.max(state.applied, next - 1);
  if (state.applied >= generation) {
    state.gapSince = undefined;
    return;
  }
  // A generation was taken but its log item is not there (yet): wait briefly, then stop trusting the log.
  state.gapSince ??= Date.now();
  if (Date.now() - state.gapSince > GAP_GRACE_MS) await rebuildSearchIndex(platform, sources);
}

/** Serialises catch-ups per container; queries that arrive while one runs share the next one. */
function sync(platform: Platform, sources: SearchSources, state: IndexState): Promise<void> {
  if (state.queued) return state.queued;
  const start = (): Promise<void> => {
    const run = catchUp(platform, sources, state).finally(() => {
      if (state.running === run) state.running = undefined;
    });
    state.running = run;
    return run;
  };
  if (!state.running) return start();
  const queued = state.running
    .catch(() => undefined)
    .then(() => {
      state.queued = undefined;
      return start();
    });
  state.queued = queued;
  return queued;
}

/** The index, brought up to date with every write that finished before this call. */
export async function freshSearchEngine(platform: Platform, sources: SearchSources): Promise<SearchEngine> {
  const state = await stateFor(platform, sources);
  if (soleWriters.has(platform.table) && Date.now() - state.builtAt < MAX_INDEX_AGE_MS) return state.engine;
  await sync(platform, sources, state);
  return state.engine;
}

/**
 * Records that something searchable changed: bumps the generation, logs the change, and applies it to this
 * container's index at once. Called after the store write succeeded; a failure here is logged, not thrown,
 * because the write itself stands (the index age limit heals it).
 */
export async function recordSearchChange(
  platform: Platform,
  sources: SearchSources,
  change: SearchChange,
): Promise<void> {
  const { table } = platform;
  const logged: SearchChange =
    change.doc && JSON.stringify(change.doc).length > MAX_INLINE_DOC_CHARS
      ? { type: change.type, id: change.id, op: change.op }
      : change;
  let generation: number | undefined;
  try {
    const bumped = await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: COUNTER_KEY,
        UpdateExpression: "ADD generation :one",
        ExpressionAttributeValues: { ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    const taken = Number(bumped.Attributes?.generation);
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: LOG_PK,
          sk: logSortKey(taken),
          generation: taken,
          change: logged,
          at: new Date().toISOString(),
          ttl: Math.floor(Date.now() / 1000) + LOG_TTL_SECONDS,
        },
      }),
    );
    generation = taken;
  } catch (error) {
    logger.error("search index change not recorded", { error, type: change.type, id: change.id });
  }
  // This container's index takes the change even when recording it failed: the write itself stands, and a sole
  // writer's index reads no counter that would bring it in later. One after another: each reload reads the store
  // as it is then, so the last one sees the last write even when two saves of one item race.
  const state = states.get(table);
  if (!state) return;
  const apply = async () => {
    try {
      await applyChange(platform, sources, state.engine, change);
      if (generation !== undefined && state.applied === generation - 1) state.applied = generation;
    } catch (error) {
      logger.error("search index change not applied", { error, type: change.type, id: change.id });
    }
  };
  const applied = (state.applying ?? Promise.resolve()).then(apply);
  state.applying = applied;
  await applied;
  if (state.applying === applied) state.applying = undefined;
}
