// Versioned records without transactions (MCDs, workflows): every save and every delete claims the next version
// slot (`sk = V#000042`) with one conditional put, so the slot is the commit point and the highest slot is the
// record's state (a document, or a tombstone). The head item is a projection of that slot for listing; whoever
// finds it behind (the writer itself, a reader, the next writer) rolls it forward, so a crash between the two
// writes leaves nothing stuck. Slots are never freed: a purge overwrites old ones with small markers instead.
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed, type Table } from "./table.js";

export const slotKey = (slot: number) => `V#${String(slot).padStart(6, "0")}`;

/** The highest slot of a record, consistent: what the record is now, whatever its head says. */
export async function highestSlot<T>(table: Table, pk: string): Promise<T | undefined> {
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
      ExpressionAttributeValues: { ":pk": pk, ":v": "V#" },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return result.Items?.[0] as T | undefined;
}

/**
 * Moves the head to `slot` unless it is already there or past it: heads only move forward, so concurrent writers
 * and readers repairing the same record cannot move it back. `slotAttribute` names where the head keeps its slot;
 * heads written before slots existed kept it in `legacyAttribute`.
 */
export async function moveHeadForward(
  table: Table,
  head: Record<string, unknown>,
  slot: number,
  slotAttribute: string,
  legacyAttribute: string,
): Promise<boolean> {
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: head,
        ConditionExpression:
          "attribute_not_exists(pk) OR #slot < :slot OR (attribute_not_exists(#slot) AND #legacy < :slot)",
        ExpressionAttributeNames: { "#slot": slotAttribute, "#legacy": legacyAttribute },
        ExpressionAttributeValues: { ":slot": slot },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** How many times a writer that lost a slot re-reads and tries the next one before answering 409. */
export const SLOT_ATTEMPTS = 25;

/** A short random pause between attempts, so writers that collided do not collide again in step. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 ** attempt) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
