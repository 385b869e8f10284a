// What depends on what: the dependency map (workflow versions pin server versions, MCDs link servers, workflows and
// other MCDs) and the impact of a change to a server version. These schemas are the types, the query validation and
// the OpenAPI document of GET /v1/dependencies and GET /v1/dependencies/impact.
import { McdLinks, McdSlug } from "../mcds/schema.js";
import { ServerNameReference, ServerStatus, ServerVersionString } from "../registry/schema.js";
import { WorkflowName } from "../workflows/definition.js";
import * as z from "../zod.js";

export const DependencyQuery = z.strictObject({
  server: z
    .optional(ServerNameReference)
    .check(
      z.meta({ description: "only what depends on this server (workflows that pin it, MCDs that link it)" }),
    ),
  version: z
    .optional(ServerVersionString)
    .check(z.meta({ description: "with `server`: only the workflow versions that pin this version" })),
  workflow: z
    .optional(WorkflowName)
    .check(z.meta({ description: "only this workflow and the MCDs that link it" })),
  mcd: z.optional(McdSlug).check(z.meta({ description: "only this MCD and the MCDs that link it" })),
  type: z
    .optional(z.enum(["workflow", "mcd"]))
    .check(z.meta({ description: "only workflows, or only MCDs" })),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});
export type DependencyQuery = z.infer<typeof DependencyQuery>;

/** A server version as a workflow version pins it. */
export const PinnedServer = z.object({ name: z.string(), version: z.string() });
export type PinnedServer = z.infer<typeof PinnedServer>;

export const DependencyWorkflow = z.object({
  name: z.string(),
  description: z.optional(z.string()),
  latestVersion: z.number().check(z.int()),
  versions: z
    .array(
      z.object({
        version: z.number().check(z.int()),
        isLatest: z.boolean(),
        servers: z.array(PinnedServer),
      }),
    )
    .check(z.meta({ description: "newest first; with `server`, only the versions that pin it" })),
});
export type DependencyWorkflow = z.infer<typeof DependencyWorkflow>;

export const DependencyMcd = z.object({
  slug: z.string(),
  title: z.string(),
  version: z.number().check(z.int()),
  links: McdLinks,
});
export type DependencyMcd = z.infer<typeof DependencyMcd>;

export const DependencyServer = z.object({
  name: z.string(),
  title: z.optional(z.string()),
  latestVersion: z.optional(z.string()),
  /** The versions this page's workflows pin, newest first. */
  versions: z.array(z.object({ version: z.string(), status: ServerStatus, isLatest: z.boolean() })),
  missing: z
    .optional(z.boolean())
    .check(
      z.meta({ description: "true when no server of this name exists (an MCD links a name that is gone)" }),
    ),
});
export type DependencyServer = z.infer<typeof DependencyServer>;

export const DependencyMap = z.object({
  workflows: z.array(DependencyWorkflow),
  mcds: z.array(DependencyMcd),
  servers: z
    .array(DependencyServer)
    .check(z.meta({ description: "the servers this page's workflows and MCDs depend on" })),
  nextCursor: z.optional(z.string()),
});
export type DependencyMap = z.infer<typeof DependencyMap>;

export const ImpactChange = z.enum(["delete", "deprecate", "tools"]);
export type ImpactChange = z.infer<typeof ImpactChange>;

export const ImpactQuery = z.strictObject({
  server: ServerNameReference,
  version: ServerVersionString,
  change: z._default(ImpactChange, "delete").check(
    z.meta({
      description:
        "delete or deprecate this version; or `tools`: this version's probed tools replace those the workflows were saved against (a new version they would move to, or a re-probe that changed them)",
    }),
  ),
});
export type ImpactQuery = z.infer<typeof ImpactQuery>;

const Issue = z.object({ field: z.string(), rule: z.string() });

export const ImpactedWorkflow = z.object({
  name: z.string(),
  version: z.number().check(z.int()),
  isLatest: z.boolean(),
  /** The version of the server the workflow version pins now. */
  pins: z.string(),
  steps: z.array(
    z.object({
      id: z.string(),
      tool: z.string(),
      issues: z
        .optional(z.array(Issue))
        .check(z.meta({ description: "change=tools: why the step would fail against the changed tools" })),
    }),
  ),
});
export type ImpactedWorkflow = z.infer<typeof ImpactedWorkflow>;

export const ImpactedMcd = z.object({
  slug: z.string(),
  title: z.string(),
  version: z.number().check(z.int()),
  mentions: z
    .optional(z.array(z.string()))
    .check(z.meta({ description: "change=tools: the removed or changed tools the document names" })),
});

export const Impact = z.object({
  server: z.string(),
  version: z.string(),
  change: ImpactChange,
  workflows: z.array(ImpactedWorkflow),
  mcds: z.array(ImpactedMcd),
  changedTools: z
    .optional(z.array(z.string()))
    .check(z.meta({ description: "change=tools: tools other versions have that this one lacks or changed" })),
  blocked: z.boolean().check(
    z.meta({
      description: "the change would be refused as it stands (a delete of a version workflows pin)",
    }),
  ),
});
export type Impact = z.infer<typeof Impact>;
