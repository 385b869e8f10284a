// Checks an MCD's links on save: every server, workflow and MCD it names must exist. Workflows belong to another
// area, so they are checked through a hook that area registers (setWorkflowLookup) instead of an import.
import { type FieldIssue, UnprocessableError } from "../errors.js";
import type { Platform } from "../platform.js";
import { readServerHead } from "../registry/heads.js";
import type { McdLinks } from "./schema.js";

/** Implemented by the workflows area: does a workflow with this name exist (and is it not deleted)? */
export interface WorkflowLookup {
  exists(platform: Platform, name: string): Promise<boolean>;
}

let workflowLookup: WorkflowLookup | undefined;

/**
 * Registers how workflow links are checked. Until a lookup is registered, no workflow link is accepted: an
 * unchecked link would be a reference the references API could not vouch for.
 */
export function setWorkflowLookup(
  lookup: WorkflowLookup | ((platform: Platform, name: string) => Promise<boolean>) | undefined,
): void {
  workflowLookup = typeof lookup === "function" ? { exists: lookup } : lookup;
}

export type McdExists = (slug: string) => Promise<boolean>;

export async function checkLinks(platform: Platform, links: McdLinks, mcdExists: McdExists): Promise<void> {
  const issues: FieldIssue[] = [];
  await Promise.all([
    ...links.servers.map(async (name, i) => {
      // A server whose every version is deleted is as gone as one never published.
      const head = await readServerHead(platform.table, name);
      if (!head || head.allDeleted)
        issues.push({ field: `links.servers[${i}]`, rule: `no server named ${name}` });
    }),
    ...links.workflows.map(async (name, i) => {
      if (!workflowLookup) {
        issues.push({
          field: `links.workflows[${i}]`,
          rule: `workflow ${name} cannot be checked: no workflow lookup is registered`,
        });
      } else if (!(await workflowLookup.exists(platform, name))) {
        issues.push({ field: `links.workflows[${i}]`, rule: `no workflow named ${name}` });
      }
    }),
    ...links.mcds.map(async (slug, i) => {
      if (!(await mcdExists(slug)))
        issues.push({ field: `links.mcds[${i}]`, rule: `no MCD with slug ${slug}` });
    }),
  ]);
  if (issues.length > 0) {
    issues.sort((a, b) => a.field.localeCompare(b.field, "en", { numeric: true }));
    throw new UnprocessableError(`Unknown link target(s): ${issues.map((i) => i.field).join(", ")}.`, {
      issues,
    });
  }
}
