// Which versions of a server receive which of its secrets. A secret belongs to a server name, but only versions an
// admin granted it to get its value: a version named exactly, or a version in a granted range that an admin also
// approved explicitly (so an editor's new version inside the range gets nothing until an admin looked at it).
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import satisfies from "semver/functions/satisfies.js";
import valid from "semver/functions/valid.js";
import validRange from "semver/ranges/valid.js";
import { NotFoundError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import { MissingSecretError } from "../secrets/port.js";
import { queryAll, type Table } from "../store/table.js";
import * as z from "../zod.js";
import { changeServer } from "./head-projection.js";
import { serverKey } from "./heads.js";
import { changingRunFacts } from "./run-facts-memo.js";
import { ServerVersionString } from "./schema.js";

const grantKey = (name: string, key: string) => ({ pk: serverKey(name), sk: `GRANT#${key}` });

/** A version exactly (`1.2.0`) or a semver range (`^1.2.0`, `>=1.2 <2`, `1.2.0 || 1.3.0`). */
export const GrantedVersions = z.string().check(
  z.minLength(1),
  z.maxLength(255),
  z.refine(
    (value) => ServerVersionString.safeParse(value).success || validRange(value) !== null,
    "must be a version or a semver range (e.g. 1.2.0, ^1.2.0)",
  ),
);

export const SecretGrant = z.object({
  key: z.string(),
  versions: z.string(),
  grantedBy: z.string(),
  grantedAt: z.string(),
});
export type SecretGrant = z.infer<typeof SecretGrant>;

export async function grantSecret(
  table: Table,
  name: string,
  key: string,
  versions: string,
  caller: Caller,
  now: Date = new Date(),
): Promise<SecretGrant> {
  const grant: SecretGrant = { key, versions, grantedBy: caller.id, grantedAt: now.toISOString() };
  // The head carries the grants (what gets and lists show as `execution`): projected again with the write.
  await changeServer(
    table,
    name,
    () =>
      changingRunFacts(table, () =>
        table.doc.send(new PutCommand({ TableName: table.name, Item: { ...grantKey(name, key), ...grant } })),
      ),
    { absent: () => new NotFoundError(`No server named ${name}.`) },
  );
  return grant;
}

/** False when there was no grant. */
export async function revokeSecretGrant(table: Table, name: string, key: string): Promise<boolean> {
  const absent = new NotFoundError(`No server named ${name}.`);
  try {
    const { result } = await changeServer(
      table,
      name,
      () =>
        changingRunFacts(table, () =>
          table.doc.send(
            new DeleteCommand({ TableName: table.name, Key: grantKey(name, key), ReturnValues: "ALL_OLD" }),
          ),
        ),
      { absent: () => absent },
    );
    return result.Attributes !== undefined;
  } catch (error) {
    if (error === absent) return false;
    throw error;
  }
}

export async function listSecretGrants(table: Table, name: string): Promise<SecretGrant[]> {
  const items = await queryAll<SecretGrant & { pk: string; sk: string }>(table, {
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :g)",
    ExpressionAttributeValues: { ":pk": serverKey(name), ":g": "GRANT#" },
    ConsistentRead: true,
  });
  return items.map(({ pk: _pk, sk: _sk, ...grant }) => grant);
}

/**
 * Whether a grant covers a version. Naming the version is a decision about that (immutable) version; a range is a
 * decision about versions an admin approves, so it needs the version's explicit approval too.
 */
export function grantCovers(versions: string, version: string, explicitlyApproved: boolean): boolean {
  if (versions === version) return true;
  if (!explicitlyApproved || valid(version) === null || validRange(versions) === null) return false;
  return satisfies(version, versions);
}

/** The secret keys granted to one version of a server, sorted. */
export async function secretKeysGrantedTo(
  table: Table,
  server: { name: string; version: string },
  explicitlyApproved: boolean,
): Promise<string[]> {
  const grants = await listSecretGrants(table, server.name);
  return grants
    .filter((grant) => grantCovers(grant.versions, server.version, explicitlyApproved))
    .map((grant) => grant.key)
    .sort();
}

/** A secret the runtime references that is not granted to this version: as good as missing for it. */
export class SecretNotGrantedError extends MissingSecretError {
  constructor(server: string, version: string, keys: string[]) {
    super(server, keys);
    this.name = "SecretNotGrantedError";
    this.message =
      `${server}@${version} needs secret(s) ${keys.join(", ")}, which are not granted to this version; an admin ` +
      'grants them with PUT /v1/servers/{name}/secrets/{key}/grant {"versions": "<version or range>"}.';
  }
}
