// Each caller's preferences, one item per caller (`pk=USER#<caller id>`, `sk=PREFERENCES`), read and written only
// under the caller's own id: no route takes another user's id, so nobody reads or writes someone else's. Saves are
// versioned: a save names the revision it was based on and is refused (412) when another browser saved first.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { PreconditionFailedError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import { isConditionalCheckFailed, type Table } from "../store/table.js";
import { DEFAULT_PREFERENCES, type Preferences, type StoredPreferences } from "./schema.js";

const key = (caller: Caller) => ({ pk: `USER#${caller.id}`, sk: "PREFERENCES" });

interface PreferencesItem extends StoredPreferences {
  pk: string;
  sk: "PREFERENCES";
}

export async function getPreferences(table: Table, caller: Caller): Promise<StoredPreferences> {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: key(caller), ConsistentRead: true }),
  );
  const item = result.Item as PreferencesItem | undefined;
  if (!item) return { ...structuredClone(DEFAULT_PREFERENCES), revision: 0 };
  return { dashboard: item.dashboard, revision: item.revision, updatedAt: item.updatedAt };
}

/** One conditional put: the first save expects no item (revision 0), each later one the revision it read. */
export async function putPreferences(
  table: Table,
  caller: Caller,
  preferences: Preferences,
  expected: number,
  now = new Date(),
): Promise<StoredPreferences> {
  const stored: StoredPreferences = { ...preferences, revision: expected + 1, updatedAt: now.toISOString() };
  const item: PreferencesItem = { ...key(caller), sk: "PREFERENCES", ...stored };
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: item,
        ConditionExpression: expected === 0 ? "attribute_not_exists(pk)" : "revision = :expected",
        ...(expected === 0 ? {} : { ExpressionAttributeValues: { ":expected": expected } }),
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const current = await getPreferences(table, caller);
    throw new PreconditionFailedError(
      `Your preferences are at revision ${current.revision}, not ${expected}: another browser saved them. Read them again.`,
      {
        issues: [{ field: "if-match", rule: `must be the current revision, ${current.revision}` }],
        extra: { current },
      },
    );
  }
  return stored;
}
