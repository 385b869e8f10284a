// The admin's decisions about what runs and what it receives (approvals, secrets and their grants), with their one
// follow-up: a version that runs in a container gets its task definition registered again, naming only the secrets
// granted to it, so on AWS the execution role never pulls a secret into a version that was not granted it.
import { NotFoundError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import type { Platform } from "../platform.js";
import { runsInContainer } from "../tasks/port.js";
import { approveRuntime, revokeApproval, secretsForVersion, withRunPermission } from "./approval.js";
import type { EnvValue, ServerVersionRecord } from "./schema.js";
import { grantSecret, listSecretGrants, revokeSecretGrant, type SecretGrant } from "./secret-grants.js";
import { Registry } from "./service.js";

/** The record with every `{secret}` reference its version is not granted left out of its env and headers. */
export async function withGrantedSecretsOnly(
  platform: Platform,
  record: ServerVersionRecord,
): Promise<ServerVersionRecord> {
  const runtime = record.runtime;
  if (!runtime) return record;
  const granted = new Set(await secretsForVersion(platform.table, record));
  const keep = (values: Record<string, EnvValue> | undefined) =>
    values
      ? Object.fromEntries(
          Object.entries(values).filter(
            ([, value]) => typeof value === "string" || granted.has(value.secret),
          ),
        )
      : undefined;
  const env = keep(runtime.env);
  const headers = keep(runtime.headers);
  return { ...record, runtime: { ...runtime, ...(env ? { env } : {}), ...(headers ? { headers } : {}) } };
}

/** Registers what runs the version, with the secrets granted to it now. */
export async function registerTask(platform: Platform, record: ServerVersionRecord): Promise<void> {
  if (runsInContainer(record.runtime))
    await platform.tasks.register(await withGrantedSecretsOnly(platform, record));
}

/** After a grant changed: every container version of the server again (a range may cover any of them). */
async function registerServerTasks(platform: Platform, name: string): Promise<void> {
  const versions = await new Registry(platform.table).listVersions(name, false);
  for (const record of versions) await registerTask(platform, record);
}

export async function approveVersion(
  platform: Platform,
  name: string,
  version: string,
  runtimeDigest: string,
  caller: Caller,
): Promise<ServerVersionRecord> {
  const record = await new Registry(platform.table).getVersion(name, version);
  await approveRuntime(platform.table, record, runtimeDigest, caller);
  await registerTask(platform, record);
  return withRunPermission(platform.table, record);
}

/** Answers the version as it now stands and the digest that was approved. */
export async function revokeVersionApproval(
  platform: Platform,
  name: string,
  version: string,
): Promise<{ record: ServerVersionRecord; revoked: string }> {
  const record = await new Registry(platform.table).getVersion(name, version);
  const revoked = await revokeApproval(platform.table, name, version);
  await registerTask(platform, record);
  return { record: await withRunPermission(platform.table, record), revoked };
}

/** Writes a secret's value; with `versions`, also replaces its grant (without, the grant stays as it was). */
export async function putSecret(
  platform: Platform,
  request: { name: string; key: string; value: string; versions?: string; caller: Caller },
) {
  await new Registry(platform.table).getLatest(request.name, true);
  const stored = await platform.secrets.put(request.name, request.key, request.value);
  if (request.versions !== undefined) {
    await grantSecret(platform.table, request.name, request.key, request.versions, request.caller);
    await registerServerTasks(platform, request.name);
  }
  const grant = (await listSecretGrants(platform.table, request.name)).find((g) => g.key === request.key);
  return { ...stored, ...(grant ? { versions: grant.versions } : {}) };
}

export async function listSecrets(platform: Platform, name: string) {
  await new Registry(platform.table).getLatest(name, true);
  const grants = new Map((await listSecretGrants(platform.table, name)).map((g) => [g.key, g.versions]));
  return (await platform.secrets.list(name)).map((secret) => {
    const versions = grants.get(secret.key);
    return { ...secret, ...(versions !== undefined ? { versions } : {}) };
  });
}

export async function grantExistingSecret(
  platform: Platform,
  request: { name: string; key: string; versions: string; caller: Caller },
): Promise<SecretGrant> {
  if (!(await platform.secrets.list(request.name)).some((secret) => secret.key === request.key)) {
    throw new NotFoundError(`No secret ${request.key} for ${request.name}; PUT its value first.`);
  }
  const grant = await grantSecret(
    platform.table,
    request.name,
    request.key,
    request.versions,
    request.caller,
  );
  await registerServerTasks(platform, request.name);
  return grant;
}

export async function revokeGrant(platform: Platform, name: string, key: string): Promise<void> {
  if (!(await revokeSecretGrant(platform.table, name, key))) {
    throw new NotFoundError(`Secret ${key} of ${name} is granted to no version.`);
  }
  await registerServerTasks(platform, name);
}

export async function deleteSecret(platform: Platform, name: string, key: string): Promise<void> {
  if (!(await platform.secrets.delete(name, key))) throw new NotFoundError(`No secret ${key} for ${name}.`);
  // A secret set again later starts ungranted, not with a grant an admin made for the old value.
  if (await revokeSecretGrant(platform.table, name, key)) await registerServerTasks(platform, name);
}
