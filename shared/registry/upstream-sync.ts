// Sync from an upstream MCP registry's v0.1 API (the official registry, another mcpflow): an admin names a source
// (URL, name filters, a start date); a sync reads the versions updated since the last complete one, page by page,
// and imports each with the server.json import rules (importServer), answering what became of each item. A page's
// cursor is committed after its items, so a sync that stops (a crash, a timeout, an upstream error) goes on from
// the last committed cursor: items of the page in flight are read again and answer `skipped-exists`. A cursor the
// upstream refuses (400, 404, 410, 422: it expired, the upstream was rebuilt) is never sent again: a stored one is
// dropped and the run starts again from its beginning, once per call; one the upstream answered in this very call
// ends the run with the error. Nothing a sync imports may run until an admin approves it (decision 0004): it
// publishes as an editor would.
import { randomUUID } from "node:crypto";
import { ConflictError, DomainError, UnprocessableError, UpstreamError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import { logger } from "../log.js";
import { outboundPolicyFromEnv } from "../outbound/lookup.js";
import { OFFICIAL_META_KEY } from "./official-api.js";
import { importServer, type RegistryContext } from "./publishing.js";
import { runtimeAllowedHosts } from "./runtime-policy.js";
import {
  readUpstreamPage,
  sourceUrlProblem,
  UPSTREAM_LIMITS,
  UpstreamCursorRefusedError,
  type UpstreamLimits,
} from "./upstream-client.js";
import type { SyncCounts, SyncItem, SyncReport, SyncSource, SyncSourceBody } from "./upstream-schema.js";
import { publicSource, type StoredSource, type SyncRun, SyncSources } from "./upstream-sources.js";

export interface SyncLimits extends UpstreamLimits {
  /** A sync call starts no new page after this long (API Gateway ends a request at 29 s). */
  budgetMs: number;
  /** Pages one run may take in all; past it the upstream is taken to loop and the run is given up. */
  maxRunPages: number;
  /** How long a sync holds its source between commits; a sync that died frees it after this. */
  leaseMs: number;
}

export const SYNC_LIMITS: SyncLimits = {
  ...UPSTREAM_LIMITS,
  budgetMs: 15_000,
  maxRunPages: 2_000,
  leaseMs: 120_000,
};

export interface SyncOptions {
  limits?: Partial<SyncLimits>;
  /** Stops the sync between items (the embedded platform's shutdown); the page in flight is not committed. */
  signal?: AbortSignal;
  now?: () => Date;
}

/** Who a scheduled sync publishes as: an editor's rights, so nothing it imports is approved to run. */
export const SCHEDULED_SYNC_CALLER: Caller = {
  id: "registry-sync",
  kind: "api-key",
  name: "scheduled registry sync",
  role: "editor",
};

const ZERO: SyncCounts = { imported: 0, skippedExists: 0, skippedDeleted: 0, refused: 0 };
const COUNTED: Record<SyncItem["outcome"], keyof SyncCounts> = {
  imported: "imported",
  "skipped-exists": "skippedExists",
  "skipped-deleted": "skippedDeleted",
  refused: "refused",
};
/** Upstream text echoed in a report is cut here: a name or version longer than this is refused anyway. */
const ECHO_CHARS = 256;

export async function createSource(
  context: RegistryContext,
  body: SyncSourceBody,
  caller: Caller,
): Promise<SyncSource> {
  const problem = sourceUrlProblem(body.url, outboundPolicyFromEnv());
  if (problem) {
    throw new UnprocessableError(`The registry source's url ${problem}.`, {
      issues: [{ field: "url", rule: problem }],
    });
  }
  const source = await new SyncSources(context.platform.table).create({
    id: randomUUID().replaceAll("-", ""),
    url: body.url.replace(/\/+$/, ""),
    ...(body.names ? { names: body.names } : {}),
    ...(body.namePrefix ? { namePrefix: body.namePrefix } : {}),
    ...(body.updatedSince ? { watermark: new Date(body.updatedSince).toISOString() } : {}),
    createdAt: new Date().toISOString(),
    createdBy: caller.id,
  });
  return publicSource(source);
}

function matches(name: string, source: SyncSource): boolean {
  if (!source.names && !source.namePrefix) return true;
  return (
    (source.names?.includes(name) ?? false) ||
    (source.namePrefix !== undefined && name.startsWith(source.namePrefix))
  );
}

/** The official `search` (a substring of the name) narrows what the upstream sends when one filter names it all. */
function searchFor(source: SyncSource): string | undefined {
  if (source.namePrefix && !source.names) return source.namePrefix;
  if (!source.namePrefix && source.names?.length === 1) return source.names[0];
  return undefined;
}

const text = (value: unknown) => (typeof value === "string" ? value.slice(0, ECHO_CHARS) : undefined);

function updatedAtOf(meta: unknown): { status?: unknown; updatedAt?: string } {
  const official =
    meta && typeof meta === "object" ? (meta as Record<string, unknown>)[OFFICIAL_META_KEY] : undefined;
  if (!official || typeof official !== "object") return {};
  const { status, updatedAt } = official as { status?: unknown; updatedAt?: unknown };
  const valid = typeof updatedAt === "string" && !Number.isNaN(Date.parse(updatedAt));
  return { status, ...(valid ? { updatedAt: new Date(updatedAt).toISOString() } : {}) };
}

/** What becomes of one upstream entry; undefined when the source's filters leave it out. */
async function syncItem(
  context: RegistryContext,
  source: SyncSource,
  entry: unknown,
  caller: Caller,
): Promise<SyncItem | undefined> {
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
    return { outcome: "refused", reason: "not a v0.1 list entry ({server, _meta})" };
  }
  const { server, _meta } = entry as { server?: unknown; _meta?: unknown };
  const named = server && typeof server === "object" ? (server as Record<string, unknown>) : {};
  const id = {
    ...(text(named.name) !== undefined ? { name: text(named.name) } : {}),
    ...(text(named.version) !== undefined ? { version: text(named.version) } : {}),
  };
  if (
    (source.names || source.namePrefix) &&
    (typeof named.name !== "string" || !matches(named.name, source))
  ) {
    return undefined;
  }
  if (updatedAtOf(_meta).status === "deleted") {
    return {
      ...id,
      outcome: "skipped-deleted",
      reason: "deleted upstream: not imported (nothing here is deleted)",
    };
  }
  let result: Awaited<ReturnType<typeof importServer>>;
  try {
    result = await importServer(context, server, caller);
  } catch (error) {
    // A rule of the registry that refuses this one version (a Fargate size, an unrunnable runtime) refuses it
    // alone; anything else (the store failing) stops the sync with the cursor where it was.
    if (!(error instanceof DomainError)) throw error;
    return {
      ...id,
      outcome: "refused",
      reason: error.message,
      ...(error.issues.length ? { errors: error.issues } : {}),
    };
  }
  if (result.outcome === "exists") {
    return {
      ...id,
      outcome: "skipped-exists",
      reason: "this version is here already (versions are immutable)",
    };
  }
  if (result.outcome === "invalid") {
    return {
      ...id,
      outcome: "refused",
      reason: "does not pass the server.json import rules",
      ...(result.errors ? { errors: result.errors } : {}),
    };
  }
  const execution = result.record?.execution;
  return {
    ...id,
    outcome: "imported",
    reason: execution?.mayRun
      ? `imported; the admin's runtime policy lets it run (${execution.allowListRule ?? execution.reason})`
      : `imported; not approved to run (a sync approves nothing): ${execution?.missing ?? "an admin decides"}`,
    ...(execution ? { execution } : {}),
  };
}

/** Keeps the later of two ISO instants. */
const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : a > b ? a : b);

/**
 * Syncs one source: resumes its unfinished run or starts one from the watermark, and reads pages until the list
 * ends, the time budget is spent, or the upstream fails. Throws ConflictError while another sync holds the source,
 * UpstreamError / UpstreamTimeoutError when the upstream fails (imported items stay, the cursor is kept).
 */
export async function syncSource(
  context: RegistryContext,
  id: string,
  caller: Caller,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const limits = { ...SYNC_LIMITS, ...options.limits };
  const now = options.now ?? (() => new Date());
  const sources = new SyncSources(context.platform.table);
  const owner = randomUUID();
  const started = now();
  const leaseUntil = () => new Date(now().getTime() + limits.leaseMs);
  const source = await sources.claim(id, owner, started, leaseUntil());

  // The admin's runtime-policy hosts may resolve to private addresses: an internal registry is named there.
  const policy = outboundPolicyFromEnv(process.env, await runtimeAllowedHosts(context.platform.table));

  const run: SyncRun = source.run ?? {
    ...(source.watermark ? { since: source.watermark } : {}),
    startedAt: started.toISOString(),
    pages: 0,
    counts: { ...ZERO },
  };
  const items: SyncItem[] = [];
  const counts: SyncCounts = { ...ZERO };
  /** The cursor an earlier call committed: the one a refusal drops once, starting the run again. */
  const storedCursor = source.run?.cursor;
  /** Why this call started its run again from the beginning (the upstream refused the stored cursor). */
  let restarted: string | undefined;
  const lost = () => new ConflictError(`Registry source ${id} was deleted or taken over during the sync.`);
  const end = async (outcome: {
    complete: boolean;
    error?: string;
    keepRun: boolean;
    watermark?: string;
  }) => {
    const lastSync = {
      startedAt: started.toISOString(),
      endedAt: now().toISOString(),
      by: caller.id,
      complete: outcome.complete,
      counts,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(restarted ? { restarted } : {}),
    };
    const released = await sources.release(id, owner, {
      lastSync,
      ...(outcome.keepRun ? { run } : {}),
      ...(outcome.watermark ? { watermark: outcome.watermark } : {}),
    });
    if (!released) throw lost();
    return publicSource({
      ...source,
      ...(outcome.watermark ? { watermark: outcome.watermark } : {}),
      lastSync,
      ...(outcome.keepRun && run.cursor
        ? {
            resumes: {
              ...(run.since ? { since: run.since } : {}),
              cursor: run.cursor,
              startedAt: run.startedAt,
              pages: run.pages,
            },
          }
        : { resumes: undefined }),
    } as StoredSource);
  };
  const fail = async (error: unknown, keepRun: boolean): Promise<never> => {
    const message = error instanceof DomainError ? error.message : "The sync stopped.";
    await end({ complete: false, error: message, keepRun }).catch((failure: unknown) =>
      logger.warn("registry sync could not record its end", { source: id, error: failure }),
    );
    throw error;
  };

  for (;;) {
    let page: Awaited<ReturnType<typeof readUpstreamPage>>;
    try {
      page = await readUpstreamPage(
        { base: source.url, since: run.since, cursor: run.cursor, search: searchFor(source) },
        policy,
        limits,
        options.signal,
      );
    } catch (error) {
      if (!(error instanceof UpstreamCursorRefusedError)) return await fail(error, true);
      const from = run.since ? `updated_since ${run.since}` : "the first page";
      if (run.cursor !== storedCursor || restarted) {
        // A cursor the upstream answered in this call and refuses now: starting again would only come back here.
        logger.warn("registry sync: the upstream refused the cursor it had answered; the run is dropped", {
          source: id,
          status: error.upstreamStatus,
        });
        return await fail(
          new UpstreamCursorRefusedError(
            `${error.message} The run was dropped: the next sync starts again from ${from}.`,
            error.upstreamStatus,
          ),
          false,
        );
      }
      restarted = `The upstream registry refused the stored cursor (it answered ${error.upstreamStatus}); it was dropped and the run started again from ${from}.`;
      logger.warn(
        "registry sync: the upstream refused the stored cursor; the run starts again from its beginning",
        {
          source: id,
          status: error.upstreamStatus,
          since: run.since,
        },
      );
      delete run.cursor;
      run.pages = 0;
      if (!(await sources.commitPage(id, owner, run, leaseUntil()))) throw lost();
      continue;
    }
    for (const entry of page.servers) {
      if (options.signal?.aborted) return await fail(options.signal.reason, true);
      let item: SyncItem | undefined;
      try {
        item = await syncItem(context, source, entry, caller);
      } catch (error) {
        return await fail(error, true);
      }
      run.newest = later(run.newest, updatedAtOf(entryMeta(entry)).updatedAt);
      if (!item) continue;
      items.push(item);
      counts[COUNTED[item.outcome]]++;
      run.counts[COUNTED[item.outcome]]++;
    }
    run.pages++;
    if (!page.nextCursor) {
      // Complete: the next run asks for what changed after the newest update this one saw, but never for a time
      // after this run began (an upstream clock ahead of ours, or a hostile date, would hide what comes next).
      const newest = run.newest && run.newest > run.startedAt ? run.startedAt : run.newest;
      const watermark = later(run.since, newest);
      const updated = await end({ complete: true, keepRun: false, ...(watermark ? { watermark } : {}) });
      return { source: updated, complete: true, counts, items };
    }
    if (page.nextCursor === run.cursor) {
      return await fail(
        new UpstreamError("The upstream registry answered the same cursor again; the sync was given up."),
        false,
      );
    }
    if (run.pages >= limits.maxRunPages) {
      return await fail(
        new UpstreamError(
          `The upstream registry had more than ${limits.maxRunPages} pages; the sync was given up (narrow the filters).`,
        ),
        false,
      );
    }
    run.cursor = page.nextCursor;
    if (!(await sources.commitPage(id, owner, run, leaseUntil()))) throw lost();
    if (options.signal?.aborted) return await fail(options.signal.reason, true);
    if (now().getTime() - started.getTime() >= limits.budgetMs) {
      const updated = await end({ complete: false, keepRun: true });
      return { source: updated, complete: false, counts, items };
    }
  }
}

const entryMeta = (entry: unknown) =>
  entry && typeof entry === "object" ? (entry as { _meta?: unknown })._meta : undefined;

/** Left for the page in flight and the end's write when a scheduled run has a deadline (a Lambda's timeout). */
const DEADLINE_MARGIN_MS = 12_000;

/**
 * The schedule's work: one bounded sync of every source, each going on from where the last one stopped. A source
 * that fails is logged and the others still run; a source another sync holds is left to it. With a deadline (the
 * Lambda's), each source gets what remains of it, and sources that would not fit wait for the next tick.
 */
export async function syncAllSources(
  context: RegistryContext,
  options: SyncOptions & { deadline?: number } = {},
): Promise<{ id: string; complete?: boolean; error?: string }[]> {
  const outcomes: { id: string; complete?: boolean; error?: string }[] = [];
  const { deadline, ...syncOptions } = options;
  for (const source of await new SyncSources(context.platform.table).list()) {
    if (options.signal?.aborted) break;
    const left = deadline === undefined ? undefined : deadline - Date.now() - DEADLINE_MARGIN_MS;
    if (left !== undefined && left <= 0) break;
    const budgetMs = Math.min(
      options.limits?.budgetMs ?? SYNC_LIMITS.budgetMs,
      left ?? Number.POSITIVE_INFINITY,
    );
    try {
      const report = await syncSource(context, source.id, SCHEDULED_SYNC_CALLER, {
        ...syncOptions,
        limits: { ...options.limits, budgetMs },
      });
      logger.info("registry sync", { source: source.id, complete: report.complete, ...report.counts });
      outcomes.push({ id: source.id, complete: report.complete });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ConflictError)) {
        logger.warn("registry sync failed", { source: source.id, error: message });
      }
      outcomes.push({ id: source.id, error: message });
    }
  }
  return outcomes;
}
