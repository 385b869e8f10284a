// The shapes of registry sync (upstream-sync.ts): a source an admin names (an upstream v0.1 registry and its
// filters), where its sync stands, and what became of each upstream item.
import * as z from "../zod.js";
import { RunPermission, ServerName } from "./schema.js";

export const SourceId = z
  .string()
  .check(z.regex(/^[0-9a-f]{32}$/, "must be a source id as POST /v1/registry-sources answered it"));

export const SyncSourceBody = z.strictObject({
  url: z.string().check(
    z.maxLength(500, "must be at most 500 characters"),
    z.meta({
      description:
        "the upstream registry's base URL, without /v0.1 (https; http only to loopback where the platform allows it)",
      examples: ["https://registry.modelcontextprotocol.io"],
    }),
  ),
  names: z.optional(
    z
      .array(ServerName)
      .check(
        z.minLength(1),
        z.maxLength(100),
        z.meta({ description: "import only these servers (exact names)" }),
      ),
  ),
  namePrefix: z.optional(
    z.string().check(
      z.minLength(2),
      z.maxLength(200),
      z.regex(
        /^[a-zA-Z0-9.-]+(\/[a-zA-Z0-9._-]*)?$/,
        "must be the start of a server name (`io.github.acme/` or `io.github.acme/weather-`)",
      ),
      z.meta({
        description: "import only servers whose name starts with this (with `names`: either matches)",
      }),
    ),
  ),
  updatedSince: z.optional(
    z.iso
      .datetime({ offset: true, error: "must be an RFC 3339 date-time such as 2025-08-07T13:15:04Z" })
      .check(z.meta({ description: "the first sync imports only versions the upstream updated after this" })),
  ),
});
export type SyncSourceBody = z.infer<typeof SyncSourceBody>;

const Counts = z.object({
  imported: z.int(),
  skippedExists: z.int(),
  skippedDeleted: z.int(),
  refused: z.int(),
});
export type SyncCounts = z.infer<typeof Counts>;

export const SyncSource = z.object({
  id: z.string(),
  url: z.string(),
  names: z.optional(z.array(z.string())),
  namePrefix: z.optional(z.string()),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  watermark: z.optional(z.iso.datetime()).check(
    z.meta({
      description:
        "the `updated_since` the next sync sends: the newest upstream update the last complete sync saw",
    }),
  ),
  resumes: z
    .optional(
      z.object({
        since: z.optional(z.string()),
        cursor: z.string(),
        startedAt: z.iso.datetime(),
        pages: z.int(),
      }),
    )
    .check(z.meta({ description: "an unfinished sync: the next one goes on from this cursor" })),
  lastSync: z.optional(
    z.object({
      startedAt: z.iso.datetime(),
      endedAt: z.iso.datetime(),
      by: z.string(),
      complete: z.boolean(),
      counts: Counts,
      error: z.optional(z.string()),
      restarted: z.optional(z.string()).check(
        z.meta({
          description:
            "why this sync started its run again from the beginning: the upstream refused the stored cursor, which was dropped",
        }),
      ),
    }),
  ),
});
export type SyncSource = z.infer<typeof SyncSource>;

export const SyncOutcome = z.enum(["imported", "skipped-exists", "skipped-deleted", "refused"]);
export type SyncOutcome = z.infer<typeof SyncOutcome>;

export const SyncItem = z.object({
  name: z.optional(z.string()),
  version: z.optional(z.string()),
  outcome: SyncOutcome,
  reason: z.string(),
  errors: z.optional(z.array(z.object({ field: z.string(), rule: z.string() }))),
  execution: z
    .optional(RunPermission)
    .check(z.meta({ description: "an imported version's run permission: a sync never approves anything" })),
});
export type SyncItem = z.infer<typeof SyncItem>;

export const SyncReport = z.object({
  source: SyncSource,
  complete: z
    .boolean()
    .check(z.meta({ description: "false when pages remain: the next sync (or the schedule) goes on" })),
  counts: Counts,
  items: z.array(SyncItem),
});
export type SyncReport = z.infer<typeof SyncReport>;
