// Running code is an admin decision (docs/decisions/0004-running-code.md). A version may run when an admin approved
// its exact runtime (the approval holds the runtime's digest) or the admin's runtime policy covers it; assertMayRun is
// the one check that probe, run start and step execution all call.
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError, UnprocessableError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import { getMany, type Table } from "../store/table.js";
import { changeServer } from "./head-projection.js";
import { serverKey } from "./heads.js";
import { secretKeysOf } from "./materialize.js";
import { changingRunFacts, memoizedRunFacts } from "./run-facts-memo.js";
import { runtimeDigest, runtimeSubject } from "./runtime-digest.js";
import {
  displayedRuntimePolicy,
  matchRuntimePolicy,
  POLICY_KEY,
  policyOf,
  type RuntimePolicyRules,
} from "./runtime-policy.js";
import type { RunPermission, ServerVersionRecord } from "./schema.js";
import {
  grantCovers,
  listSecretGrants,
  SecretNotGrantedError,
  secretKeysGrantedTo,
} from "./secret-grants.js";
import type { RunFacts } from "./server-items.js";

const EMPTY_POLICY: RuntimePolicyRules = { commands: [], packages: [], images: [], hosts: [] };

const approvalKey = (name: string, version: string) => ({ pk: serverKey(name), sk: `APPROVAL#${version}` });

interface ApprovalItem {
  runtimeDigest: string;
  approvedBy: string;
  approvedAt: string;
}

const enc = encodeURIComponent;
export const approvalPath = (name: string, version: string) =>
  `/v1/servers/${enc(name)}/versions/${enc(version)}/approval`;

/** Unapproved: a 409 that names the runtime's digest, what is missing and who can approve. */
export class RuntimeNotApprovedError extends ConflictError {
  constructor(name: string, version: string, permission: RunPermission) {
    super(
      `${name}@${version} may not run: ${permission.missing} An admin approves this exact runtime with ` +
        `PUT ${approvalPath(name, version)} {"runtimeDigest": "${permission.runtimeDigest}"}, or covers it ` +
        "in PUT /v1/runtime-policy.",
      {
        issues: [
          {
            field: "runtime",
            rule: `must be approved by an admin (digest ${permission.runtimeDigest}) or covered by the runtime policy`,
          },
        ],
        extra: {
          server: name,
          version,
          runtimeDigest: permission.runtimeDigest,
          approverRole: "admin",
          approve: {
            method: "PUT",
            path: approvalPath(name, version),
            body: { runtimeDigest: permission.runtimeDigest },
          },
        },
      },
    );
  }
}

async function readApproval(table: Table, name: string, version: string): Promise<ApprovalItem | undefined> {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: approvalKey(name, version), ConsistentRead: true }),
  );
  return result.Item as ApprovalItem | undefined;
}

/** Whether a version may run and why, with the secrets it gets. Read fresh each time: a revocation acts at once. */
export async function runPermission(table: Table, record: ServerVersionRecord): Promise<RunPermission> {
  const { name, version } = record.server;
  const subject = runtimeSubject(record.server);
  if (!subject) return decideRunPermission(record, { grants: [] }, EMPTY_POLICY);
  // One round trip for the approval and the policy: this runs before every step's call (none where this process is
  // the only writer of them, run-facts-memo.ts).
  const withGrants = secretKeysOf(subject.runtime).length > 0;
  const [[approvalItem, policyItem], grants] = await memoizedRunFacts(
    table,
    `${name}@${version}${withGrants ? "+grants" : ""}`,
    () =>
      Promise.all([
        getMany<Record<string, unknown>>(table, [approvalKey(name, version), POLICY_KEY]),
        withGrants ? listSecretGrants(table, name) : Promise.resolve([]),
      ]),
  );
  const approval = approvalItem as ApprovalItem | undefined;
  return decideRunPermission(
    record,
    { ...(approval ? { approval: pickApproval(approval) } : {}), grants },
    policyOf(policyItem),
  );
}

/**
 * runPermission as a get or a list shows it, from the run facts the head or the listing item carries (written with
 * every approval and grant, head-projection.ts) and the policy as this process last read it (displayedRuntimePolicy).
 */
export async function displayedRunPermission(
  table: Table,
  record: ServerVersionRecord,
  facts: RunFacts,
): Promise<RunPermission> {
  return decideRunPermission(record, facts, await displayedRuntimePolicy(table));
}

/** The decision itself, from what it depends on: the version's approval, the server's grants and the policy. */
export function decideRunPermission(
  record: ServerVersionRecord,
  facts: RunFacts,
  policy: RuntimePolicyRules,
): RunPermission {
  const { version } = record.server;
  const subject = runtimeSubject(record.server);
  if (!subject) {
    return {
      mayRun: false,
      reason: "no-runtime",
      missing: "it has no runtime mcpflow can start.",
      secrets: { granted: [], notGranted: [] },
    };
  }
  const digest = runtimeDigest(subject);
  const approval = facts.approval;
  const approved = approval?.runtimeDigest === digest;
  const referenced = secretKeysOf(subject.runtime);
  const granted =
    referenced.length > 0
      ? facts.grants
          .filter((grant) => grantCovers(grant.versions, version, approved))
          .map((grant) => grant.key)
          .sort()
      : [];
  const secrets = { granted, notGranted: referenced.filter((key) => !granted.includes(key)) };
  const approvalView = approval ? { approval: { ...pickApproval(approval), current: approved } } : {};
  if (approved) return { mayRun: true, reason: "approved", runtimeDigest: digest, ...approvalView, secrets };
  const match = matchRuntimePolicy(policy, subject);
  if (match.matched) {
    return {
      mayRun: true,
      reason: "allow-listed",
      runtimeDigest: digest,
      allowListRule: match.rule,
      ...approvalView,
      secrets,
    };
  }
  const stale = approval ? ` (the approval on record is for ${approval.runtimeDigest})` : "";
  return {
    mayRun: false,
    reason: "not-approved",
    runtimeDigest: digest,
    ...approvalView,
    missing: `its runtime ${digest} has no admin approval${stale}, and the runtime policy does not cover it: ${match.reason}.`,
    secrets,
  };
}

function pickApproval(item: ApprovalItem) {
  return { runtimeDigest: item.runtimeDigest, approvedBy: item.approvedBy, approvedAt: item.approvedAt };
}

export async function withRunPermission(
  table: Table,
  record: ServerVersionRecord,
): Promise<ServerVersionRecord> {
  return { ...record, execution: await runPermission(table, record) };
}

/**
 * The one gate before anything of a version executes (probe, run start, each step): refuses an unapproved runtime
 * (409) and a runtime whose secrets are not all granted to this version (SecretNotGrantedError, 422 at the API).
 */
export async function assertMayRun(table: Table, record: ServerVersionRecord): Promise<RunPermission> {
  const { name, version } = record.server;
  const permission = await runPermission(table, record);
  if (permission.reason === "no-runtime") {
    throw new UnprocessableError(`${name}@${version} has no runtime mcpflow can start.`, {
      issues: [
        { field: "runtime", rule: "give `runtime`, an npm/pypi/oci package or a streamable-http remote" },
      ],
    });
  }
  if (!permission.mayRun) throw new RuntimeNotApprovedError(name, version, permission);
  if (permission.secrets.notGranted.length > 0) {
    throw new SecretNotGrantedError(name, version, permission.secrets.notGranted);
  }
  return permission;
}

/**
 * The secret keys one version receives (granted to it, and referenced by its runtime or not): what the code that
 * builds a server's environment may resolve, and nothing else.
 */
export async function secretsForVersion(table: Table, record: ServerVersionRecord): Promise<string[]> {
  const subject = runtimeSubject(record.server);
  if (!subject) return [];
  const approval = await readApproval(table, record.server.name, record.server.version);
  return secretKeysGrantedTo(table, record.server, approval?.runtimeDigest === runtimeDigest(subject));
}

/** Approves the version's runtime as the admin read it: `runtimeDigest` must be the one the version has. */
export async function approveRuntime(
  table: Table,
  record: ServerVersionRecord,
  runtimeDigestSeen: string,
  caller: Caller,
  now: Date = new Date(),
): Promise<ApprovalItem> {
  const { name, version } = record.server;
  const subject = runtimeSubject(record.server);
  if (!subject) {
    throw new UnprocessableError(`${name}@${version} has no runtime to approve.`, {
      issues: [
        { field: "runtime", rule: "give `runtime`, an npm/pypi/oci package or a streamable-http remote" },
      ],
    });
  }
  const digest = runtimeDigest(subject);
  if (runtimeDigestSeen !== digest) {
    throw new ConflictError(
      `${name}@${version}'s runtime is ${digest}, not the ${runtimeDigestSeen} given.`,
      {
        issues: [{ field: "runtimeDigest", rule: `must be this version's runtime digest, ${digest}` }],
        extra: { runtimeDigest: digest },
      },
    );
  }
  const item: ApprovalItem = { runtimeDigest: digest, approvedBy: caller.id, approvedAt: now.toISOString() };
  // The head shows its latest version's approval: an approval of another version leaves it as it is.
  await changeServer(
    table,
    name,
    () =>
      changingRunFacts(table, () =>
        table.doc.send(
          new PutCommand({ TableName: table.name, Item: { ...approvalKey(name, version), ...item } }),
        ),
      ),
    {
      unchangedIf: (head) => head.latestVersion !== version,
      absent: () => new NotFoundError(`No server named ${name}.`),
    },
  );
  return item;
}

/** Answers the digest that was approved. */
export async function revokeApproval(table: Table, name: string, version: string): Promise<string> {
  const { result } = await changeServer(
    table,
    name,
    () =>
      changingRunFacts(table, () =>
        table.doc.send(
          new DeleteCommand({
            TableName: table.name,
            Key: approvalKey(name, version),
            ReturnValues: "ALL_OLD",
          }),
        ),
      ),
    {
      unchangedIf: (head) => head.latestVersion !== version,
      absent: () => new NotFoundError(`${name}@${version} has no approval to revoke.`),
    },
  );
  if (!result.Attributes) throw new NotFoundError(`${name}@${version} has no approval to revoke.`);
  return (result.Attributes as ApprovalItem).runtimeDigest;
}

/**
 * assertMayRun for a caller's request (probe, run start): a secret not granted to the version is the caller's
 * input to fix, a 422 naming each secret and `target` (this version, or name@version among a workflow's pins).
 */
export async function assertMayRunRequest(
  table: Table,
  record: ServerVersionRecord,
  target: string,
): Promise<void> {
  try {
    await assertMayRun(table, record);
  } catch (error) {
    if (!(error instanceof SecretNotGrantedError)) throw error;
    throw new UnprocessableError(error.message, {
      issues: error.keys.map((key) => ({ field: `secrets.${key}`, rule: `is not granted to ${target}` })),
    });
  }
}
