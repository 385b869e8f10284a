// The publish-time half of the outbound guard (shared/outbound): a definition that names an address no server can
// have (metadata, link-local, private, CGNAT, unspecified, multicast) or sets a header the platform owns is refused
// before the version exists. Host names are checked where the request is made, after DNS.
import type { FieldIssue } from "../errors.js";
import { headerProblem, literalHostProblem } from "../outbound/address.js";
import type { ServerDocument } from "./schema.js";

export function outboundTargetIssues(doc: ServerDocument): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const runtime = doc.runtime;
  // The url of an image-based runtime is the task's own loopback, never an outside host.
  const urlProblem = runtime?.url && !runtime.image ? literalHostProblem(runtime.url) : undefined;
  if (urlProblem) issues.push({ field: "runtime.url", rule: urlProblem });
  for (const name of Object.keys(runtime?.headers ?? {})) {
    const problem = headerProblem(name);
    if (problem) issues.push({ field: `runtime.headers.${name}`, rule: problem });
  }
  // A remote becomes the runtime when none is declared (runtime.ts).
  for (const [index, remote] of (doc.remotes ?? []).entries()) {
    const problem = literalHostProblem(remote.url.replace(/\{[A-Za-z0-9_.-]+\}/g, "x"));
    if (problem) issues.push({ field: `remotes.${index}.url`, rule: problem });
    for (const header of remote.headers ?? []) {
      const bad = headerProblem(header.name);
      if (bad) issues.push({ field: `remotes.${index}.headers.${header.name}`, rule: bad });
    }
  }
  return issues;
}
