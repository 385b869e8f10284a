// Publishing, importing and probing server versions: the registry's rules that involve more than the table
// (Fargate sizes and task definitions, secrets, the MCP server itself, the search index).
import {
  ConflictError,
  type FieldIssue,
  ForbiddenError,
  PayloadTooLargeError,
  UnprocessableError,
  UpstreamError,
} from "../errors.js";
import { type Caller, hasRole } from "../identity/roles.js";
import { isMcpFailure } from "../mcp/errors.js";
import type { ProbeResult } from "../mcp/probe-result.js";
import { UnsupportedProbeError } from "../mcp/prober.js";
import type { Platform } from "../platform.js";
import { MissingSecretError } from "../secrets/port.js";
import { fargateSize } from "../tasks/fargate-size.js";
import { runsInContainer } from "../tasks/port.js";
import { workflowsPinning } from "../workflows/keys.js";
import { approveRuntime, assertMayRunRequest, withRunPermission } from "./approval.js";
import { outboundTargetIssues } from "./outbound-targets.js";
import { registerTask } from "./run-decisions.js";
import { deriveRuntime } from "./runtime.js";
import { runtimeDigest, runtimeSubject } from "./runtime-digest.js";
import type { ServerDocument, ServerVersionRecord, StatusPatch } from "./schema.js";
import { importServerJson } from "./server-json.js";
import type { Registry } from "./service.js";

/** What the registry's rules work with: the platform's adapters and the registry as the composition root built it. */
export interface RegistryContext {
  platform: Platform;
  registry: Registry;
}

/** A probe that has not finished by then reports why; API Gateway would cut it at 29 s anyway. */
const PROBE_TIMEOUT_MS = 20_000;

/**
 * Publishes a version and registers what runs it. A size Fargate cannot run, or a runtime the platform's task
 * launcher cannot start, is refused before the version exists, because versions are immutable; stdio servers and
 * images then get the task definition compiled workflows name.
 */
export async function publishVersion(
  { platform, registry }: RegistryContext,
  doc: ServerDocument,
  caller: Caller,
  options: { approve?: boolean } = {},
): Promise<ServerVersionRecord> {
  // Checked before the version exists: an editor asking to approve would otherwise leave an unapproved version.
  if (options.approve && !hasRole(caller.role, "admin")) {
    throw new ForbiddenError(`Approving a runtime needs the admin role; ${caller.name} has ${caller.role}.`, {
      issues: [{ field: "approve", rule: "only an admin's publish can carry its approval" }],
    });
  }
  const targets = outboundTargetIssues(doc);
  if (targets.length > 0) {
    throw new UnprocessableError("The server definition names a target the platform does not call.", {
      issues: targets,
    });
  }
  const { runtime } = deriveRuntime(doc);
  if (runsInContainer(runtime)) {
    fargateSize(runtime);
    platform.tasks.refuseUnrunnable?.(runtime);
  }
  const record = await registry.publish(doc, caller);
  if (options.approve) {
    const subject = runtimeSubject(doc);
    if (subject) await approveRuntime(platform.table, record, runtimeDigest(subject), caller);
  }
  // After the approval: a range grant reaches only approved versions, and the task names only granted secrets.
  await registerTask(platform, record);
  return withRunPermission(platform.table, record);
}

export interface ImportResult {
  index: number;
  name?: string;
  version?: string;
  outcome: "created" | "exists" | "invalid";
  errors?: FieldIssue[];
}

/** One server.json, an array of them, or the official registry's list response `{servers: [{server, _meta}]}`. */
function importItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object" && Array.isArray((body as { servers?: unknown }).servers)) {
    return (body as { servers: unknown[] }).servers.map((entry) =>
      entry && typeof entry === "object" && "server" in entry ? (entry as { server: unknown }).server : entry,
    );
  }
  return [body];
}

/**
 * Publishes one server.json under the import rules: created (with the version as stored, run permission included),
 * exists, or invalid with the reasons. The registry sync (upstream-sync.ts) imports each upstream item with it.
 */
export async function importServer(
  context: RegistryContext,
  item: unknown,
  caller: Caller,
): Promise<Omit<ImportResult, "index"> & { record?: ServerVersionRecord }> {
  const named = item && typeof item === "object" ? (item as { name?: unknown; version?: unknown }) : {};
  const id = {
    ...(typeof named.name === "string" ? { name: named.name } : {}),
    ...(typeof named.version === "string" ? { version: named.version } : {}),
  };
  const parsed = importServerJson(item);
  if (!parsed.ok) return { ...id, outcome: "invalid", errors: parsed.issues };
  try {
    const record = await publishVersion(context, parsed.doc, caller);
    return { ...id, outcome: "created", record };
  } catch (error) {
    if (error instanceof ConflictError) return { ...id, outcome: "exists" };
    if (error instanceof PayloadTooLargeError || error instanceof UnprocessableError) {
      return { ...id, outcome: "invalid", errors: error.issues };
    }
    throw error;
  }
}

/** Publishes each document it can; answers per item: created, exists, or invalid with the reasons. */
export async function importServers(
  context: RegistryContext,
  body: unknown,
  caller: Caller,
): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const [index, item] of importItems(body).entries()) {
    const { record: _record, ...result } = await importServer(context, item, caller);
    results.push({ index, ...result });
  }
  return results;
}

/** Starts the server as its runtime says, asks what it offers, keeps the answer and makes its tools searchable. */
export async function probeVersion(
  { platform, registry }: RegistryContext,
  name: string,
  version: string,
): Promise<ProbeResult> {
  const record = await registry.getVersion(name, version);
  await assertMayRunRequest(platform.table, record, "this version");
  const runtime = record.runtime!;
  let probe: ProbeResult;
  try {
    probe = await platform.prober.probe({ name, version, runtime }, { timeoutMs: PROBE_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof UnsupportedProbeError) {
      throw new UnprocessableError(error.message, {
        issues: [
          { field: "runtime", rule: "must be a streamable-http runtime with a url to be probed here" },
        ],
      });
    }
    if (error instanceof MissingSecretError) {
      throw new UnprocessableError(error.message, {
        issues: error.keys.map((key) => ({ field: `secrets.${key}`, rule: "is not set" })),
      });
    }
    if (isMcpFailure(error)) {
      throw new UpstreamError(error.message, {
        cause: error,
        issues: [{ field: "runtime", rule: "the server must start and answer MCP initialize" }],
      });
    }
    throw error;
  }
  await registry.saveProbe(name, version, probe);
  return probe;
}

/**
 * Changes a version's status. Deleting needs the admin role, and is refused while a saved workflow pins the
 * version: its runs would start a server version that is gone.
 */
export async function changeVersionStatus(
  { platform, registry }: RegistryContext,
  name: string,
  version: string,
  patch: StatusPatch,
  caller: Caller,
): Promise<ServerVersionRecord> {
  if (patch.status === "deleted") {
    if (!hasRole(caller.role, "admin")) {
      throw new ForbiddenError(`Deleting a version needs the admin role; ${caller.name} has ${caller.role}.`);
    }
    return registry.deleteVersion(
      name,
      version,
      (pinners) => workflowsPinning(platform.table, name, version, pinners),
      patch.statusMessage,
    );
  }
  return registry.setStatus(name, version, patch);
}
