// The registry's items in the table and their keys: a server's version, head, approvals and grants share the
// partition `SERVER#<name>`; the listing's projections live in partitions of their own (listing.ts). Translation
// only: the rules that write them are in head-projection.ts and service.ts.
import { deriveRuntime } from "./runtime.js";
import type { ServerDocument, ServerStatus, ServerVersionRecord } from "./schema.js";

export const serverKey = (name: string) => `SERVER#${name}`;
export const versionKey = (version: string) => `V#${version}`;
export const HEAD_SK = "HEAD";

export interface VersionItem {
  pk: string;
  sk: string;
  name: string;
  version: string;
  document: ServerDocument;
  status: ServerStatus;
  statusMessage?: string;
  publishedAt: string;
  updatedAt: string;
  publishedBy: string;
  /** Delete-versus-pin bookkeeping (deleteVersion, pinVersions); never part of a record. */
  retiringAt?: string;
  retiringMark?: string;
  lastPinAt?: string;
  pinnedBy?: Set<string>;
}

/** The latest version as the head keeps it: the version item without its pin and delete bookkeeping. */
export type LatestVersion = Omit<VersionItem, "retiringAt" | "retiringMark" | "lastPinAt" | "pinnedBy">;

/** An admin's approval of one version's runtime (approval.ts writes it at `APPROVAL#<version>`). */
export interface ApprovalFacts {
  runtimeDigest: string;
  approvedBy: string;
  approvedAt: string;
}

/** A secret's grant (secret-grants.ts writes it at `GRANT#<key>`): which versions receive it. */
export interface GrantFacts {
  key: string;
  versions: string;
}

/**
 * What deciding whether the latest version may run needs besides the runtime policy, kept on the head and on the
 * listing items, so that a get or a page shows `execution` without reading approvals and grants.
 */
export interface RunFacts {
  approval?: ApprovalFacts;
  grants: GrantFacts[];
}

/** The head's projection format; a head written by an older one is projected again when read (lazy migration). */
export const HEAD_LAYOUT = 2;

export interface HeadItem {
  pk: string;
  sk: typeof HEAD_SK;
  gsi1pk: "SERVERS";
  gsi1sk: string;
  name: string;
  /** Absent on a placeholder: a first publish marked the head pending before its version existed. */
  latestVersion?: string;
  latest?: LatestVersion;
  allDeleted?: boolean;
  revision?: number;
  layout?: number;
  runFacts?: RunFacts;
  /** Listing partitions that may hold this server's item: the current ones, plus stale ones until removed. */
  listedKeys?: string[];
  /** The revision the listing items were last brought in line with. */
  listedRevision?: number;
  /** Tokens (`<ISO time>#<uuid>`) of writes under way; a head with any is projected again by whoever reads it. */
  pending?: Set<string>;
}

/** A head that names a latest version (not a placeholder). */
export type ProjectedHead = HeadItem & {
  latestVersion: string;
  latest: LatestVersion;
  allDeleted: boolean;
  revision: number;
};

export function isProjected(head: HeadItem | undefined): head is ProjectedHead {
  return head?.latest !== undefined && head.latestVersion !== undefined && head.revision !== undefined;
}

/** A version as the API answers it; `isLatest` when it is the head's latest version. */
export function toRecord(item: LatestVersion, latestVersion: string | undefined): ServerVersionRecord {
  const { runtime, source } = deriveRuntime(item.document);
  return {
    server: item.document,
    ...(runtime ? { runtime } : {}),
    runtimeSource: source,
    status: item.status,
    ...(item.statusMessage ? { statusMessage: item.statusMessage } : {}),
    isLatest: item.version === latestVersion,
    publishedAt: item.publishedAt,
    updatedAt: item.updatedAt,
    publishedBy: item.publishedBy,
  };
}
