// The official MCP registry's v0.1 read API over this registry (docs/registry-api.md): what an IDE or another
// registry may read. Only versions an admin approved to run (approval or runtime policy, shared/registry/approval.ts),
// never deleted ones; each as the official envelope around the server.json export, without what runs it (runtime,
// commands, secret names, environment and header values).
import { NotFoundError } from "../errors.js";
import { decodeCursor, encodeCursor } from "../store/cursor.js";
import type { Table } from "../store/table.js";
import * as z from "../zod.js";
import { decideRunPermission } from "./approval.js";
import { readSources, type ServerSources } from "./head-projection.js";
import { readListingPage } from "./listing.js";
import { listingSnapshot } from "./listing-snapshot.js";
import { displayedRuntimePolicy, type RuntimePolicyRules } from "./runtime-policy.js";
import {
  MCPFLOW_META_KEY,
  type RunPermission,
  type ServerDocument,
  type ServerVersionRecord,
} from "./schema.js";
import { toRecord } from "./server-items.js";
import { exportServerJson } from "./server-json.js";
import { pickLatest, sortNewestFirst } from "./versions.js";

export const OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official";

export interface OfficialServerResponse {
  server: Record<string, unknown>;
  _meta: {
    [OFFICIAL_META_KEY]: {
      status: "active" | "deprecated" | "deleted";
      statusMessage?: string;
      publishedAt: string;
      updatedAt: string;
      isLatest: boolean;
    };
  };
}

export interface OfficialServerList {
  servers: OfficialServerResponse[];
  metadata: { nextCursor?: string; count: number };
}

export interface OfficialListQuery {
  cursor?: string;
  limit: number;
  search?: string;
  updated_since?: string;
  version?: string;
}

/**
 * A version is in the read API when it is not deleted and an admin let it run: it is what the organisation vouches
 * for. Its entry counts as updated when it became visible, so a registry syncing with `updated_since` sees it.
 */
function publicView(record: ServerVersionRecord, permission: RunPermission): ServerVersionRecord | undefined {
  if (record.status === "deleted" || !permission.mayRun) return undefined;
  const approvedAt = permission.reason === "approved" ? permission.approval?.approvedAt : undefined;
  return approvedAt && approvedAt > record.updatedAt ? { ...record, updatedAt: approvedAt } : record;
}

type Input = Record<string, unknown>;

/** An input (argument, environment variable, header) without what must stay private. */
function withoutValue(input: Input, always: boolean): Input {
  const { value, default: fallback, variables, ...rest } = input;
  const secret = input.isSecret === true;
  return {
    ...rest,
    ...(value !== undefined && !always && !secret ? { value } : {}),
    ...(fallback !== undefined && !secret ? { default: fallback } : {}),
    ...(variables && typeof variables === "object"
      ? {
          variables: Object.fromEntries(
            Object.entries(variables as Record<string, Input>).map(([key, variable]) => [
              key,
              withoutValue(variable, always),
            ]),
          ),
        }
      : {}),
  };
}

const map = (items: unknown, f: (item: Input) => Input) =>
  Array.isArray(items) ? (items as Input[]).map(f) : items;

/**
 * server.json as exported, without mcpflow's runtime (command, arguments, environment, secret names) and without the
 * values of environment variables and headers (clients ask their user for them); a secret input keeps no value or
 * default anywhere.
 */
export function publicServerJson(doc: ServerDocument): Record<string, unknown> {
  const { packages, remotes, _meta, ...rest } = exportServerJson({ ...doc, runtime: undefined }) as Input;
  // A runtime may also sit under mcpflow's _meta key (as an import left it): it goes too.
  let meta = _meta as Record<string, unknown> | undefined;
  const ours = meta?.[MCPFLOW_META_KEY];
  if (ours && typeof ours === "object") {
    const { runtime: _, ...kept } = ours as Record<string, unknown>;
    meta =
      Object.keys(kept).length > 0
        ? { ...meta, [MCPFLOW_META_KEY]: kept }
        : withoutKey(meta!, MCPFLOW_META_KEY);
  }
  return {
    ...rest,
    ...(packages
      ? {
          packages: map(packages, (pkg) => ({
            ...pkg,
            ...(pkg.environmentVariables
              ? { environmentVariables: map(pkg.environmentVariables, (v) => withoutValue(v, true)) }
              : {}),
            ...(pkg.packageArguments
              ? { packageArguments: map(pkg.packageArguments, (a) => withoutValue(a, false)) }
              : {}),
            ...(pkg.runtimeArguments
              ? { runtimeArguments: map(pkg.runtimeArguments, (a) => withoutValue(a, false)) }
              : {}),
          })),
        }
      : {}),
    ...(remotes
      ? {
          remotes: map(remotes, (remote) => ({
            ...remote,
            ...(remote.headers ? { headers: map(remote.headers, (h) => withoutValue(h, true)) } : {}),
            ...(remote.variables && typeof remote.variables === "object"
              ? {
                  variables: Object.fromEntries(
                    Object.entries(remote.variables as Record<string, Input>).map(([k, v]) => [
                      k,
                      withoutValue(v, false),
                    ]),
                  ),
                }
              : {}),
          })),
        }
      : {}),
    ...(meta && Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
}

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _, ...rest } = record;
  return rest;
}

export function officialResponse(record: ServerVersionRecord, isLatest: boolean): OfficialServerResponse {
  return {
    server: publicServerJson(record.server),
    _meta: {
      [OFFICIAL_META_KEY]: {
        status: record.status,
        ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
        publishedAt: record.publishedAt,
        updatedAt: record.updatedAt,
        isLatest,
      },
    },
  };
}

interface PublicVersion {
  record: ServerVersionRecord;
  isLatest: boolean;
}

/**
 * A server's public versions, newest first; `isLatest` is the latest of these, not of every version. From the
 * server's items as readSources reads them (two queries) and the policy as this process shows it
 * (displayedRuntimePolicy): no read per version.
 */
function publicVersions(sources: ServerSources, policy: RuntimePolicyRules): PublicVersion[] {
  const visible = sources.versions.flatMap((item) => {
    const record = toRecord(item, sources.head?.latestVersion);
    const approval = sources.approvals.get(item.version);
    const facts = { ...(approval ? { approval } : {}), grants: sources.grants };
    return publicView(record, decideRunPermission(record, facts, policy)) ?? [];
  });
  const candidates = visible.map((record) => ({
    record,
    version: record.server.version,
    publishedAt: record.publishedAt,
  }));
  const latest = pickLatest(candidates)?.record;
  return sortNewestFirst(candidates).map(({ record }) => ({ record, isLatest: record === latest }));
}

interface CursorPosition {
  name: string;
  publishedAt: string;
  version: string;
}

const byPosition = (a: CursorPosition, b: CursorPosition) =>
  compare(a.name, b.name) || compare(a.publishedAt, b.publishedAt) || compare(a.version, b.version);

/** Code-unit order, as a cursor compares; localeCompare would skip or repeat entries between pages. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A cursor is [name, publishedAt, version] of the page's last entry. */
const PositionTuple = z.tuple([z.string(), z.string(), z.string()]);

/** Servers are read a few at a time: one query per server, and a registry holds thousands. */
const READ_CONCURRENCY = 8;

export class OfficialRegistry {
  constructor(private readonly table: Table) {}

  private async publicVersionsOf(name: string, policy?: RuntimePolicyRules): Promise<PublicVersion[]> {
    const [sources, rules] = await Promise.all([
      readSources(this.table, name),
      policy ?? displayedRuntimePolicy(this.table),
    ]);
    return publicVersions(sources, rules);
  }

  /**
   * GET /v0.1/servers: every public version (or the latest, or one version) of every server, by name. The names
   * come from the listing's LIVE partition from the cursor's server on, a few servers' items at a time, until
   * the page is full: a page reads the servers it shows (and those it passes over for holding no public version).
   */
  async list(query: OfficialListQuery): Promise<OfficialServerList> {
    const tuple = decodeCursor(
      query.cursor,
      PositionTuple,
      "must be a metadata.nextCursor value returned by a previous page",
    );
    const after = tuple && { name: tuple[0], publishedAt: tuple[1], version: tuple[2] };
    const needle = query.search?.toLowerCase();
    const since = query.updated_since ? Date.parse(query.updated_since) : undefined;
    // The first list in a process brings the listing in line (its migration included), as GET /v1/servers does.
    await listingSnapshot(this.table).ready();
    const policy = await displayedRuntimePolicy(this.table);

    const page: (PublicVersion & CursorPosition)[] = [];
    let more = false;
    // The cursor's server first (it may hold versions after the cursor's), then the live servers after it.
    let names = after ? [after.name] : [];
    let from = after?.name;
    for (;;) {
      const listed = await readListingPage(this.table, { includeDeleted: false }, from, 100);
      names.push(...listed.items.map((item) => item.sk));
      names = names.filter((name) => !needle || name.toLowerCase().includes(needle));
      for (let i = 0; i < names.length && !more; i += READ_CONCURRENCY) {
        const batch = names.slice(i, i + READ_CONCURRENCY);
        const versions = await Promise.all(batch.map((name) => this.publicVersionsOf(name, policy)));
        const entries = versions
          .flat()
          .filter(({ record, isLatest }) =>
            query.version === "latest" ? isLatest : !query.version || record.server.version === query.version,
          )
          .filter(({ record }) => since === undefined || Date.parse(record.updatedAt) > since)
          .map((entry) => ({
            ...entry,
            name: entry.record.server.name,
            publishedAt: entry.record.publishedAt,
            version: entry.record.server.version,
          }))
          .filter((entry) => !after || byPosition(entry, after) > 0)
          .sort(byPosition);
        for (const entry of entries) {
          if (page.length === query.limit) {
            more = true;
            break;
          }
          page.push(entry);
        }
      }
      from = listed.items.at(-1)?.sk;
      if (more || !listed.more || !from) break;
      names = [];
    }
    const last = page.at(-1);
    return {
      servers: page.map(({ record, isLatest }) => officialResponse(record, isLatest)),
      metadata: {
        ...(more && last ? { nextCursor: encodeCursor([last.name, last.publishedAt, last.version]) } : {}),
        count: page.length,
      },
    };
  }

  /** GET /v0.1/servers/{name}/versions: a server's public versions, newest first. */
  async versions(name: string): Promise<OfficialServerList> {
    const versions = await this.publicVersionsOf(name);
    if (versions.length === 0) throw new NotFoundError("Server not found");
    return {
      servers: versions.map(({ record, isLatest }) => officialResponse(record, isLatest)),
      metadata: { count: versions.length },
    };
  }

  /** GET /v0.1/servers/{name}/versions/{version}: one public version, or the latest of them. */
  async version(name: string, version: string): Promise<OfficialServerResponse> {
    const versions = await this.publicVersionsOf(name);
    if (versions.length === 0) throw new NotFoundError("Server not found");
    const found = versions.find(({ record, isLatest }) =>
      version === "latest" ? isLatest : record.server.version === version,
    );
    if (!found) throw new NotFoundError("Server version not found");
    return officialResponse(found.record, found.isLatest);
  }
}
