// Checks an MCD's links on save: every server, workflow and MCD it names must exist. Workflows and MCDs are
// checked through the lookups the caller passes (the composition root wires the workflow one).
import { type FieldIssue, UnprocessableError } from "../errors.js";
import type { Platform } from "../platform.js";
import { readServerHead } from "../registry/heads.js";
import type { McdLinks } from "./schema.js";

export interface LinkLookups {
  mcdExists(slug: string): Promise<boolean>;
  workflowExists(name: string): Promise<boolean>;
}

export async function checkLinks(platform: Platform, links: McdLinks, lookups: LinkLookups): Promise<void> {
  const issues: FieldIssue[] = [];
  await Promise.all([
    ...links.servers.map(async (name, i) => {
      // A server whose every version is deleted is as gone as one never published.
      const head = await readServerHead(platform.table, name);
      if (!head || head.allDeleted)
        issues.push({ field: `links.servers[${i}]`, rule: `no server named ${name}` });
    }),
    ...links.workflows.map(async (name, i) => {
      if (!(await lookups.workflowExists(name)))
        issues.push({ field: `links.workflows[${i}]`, rule: `no workflow named ${name}` });
    }),
    ...links.mcds.map(async (slug, i) => {
      if (!(await lookups.mcdExists(slug)))
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
