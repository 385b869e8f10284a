// Page positions, one codec for every list: base64url JSON of where the page ended, read back only in the shape its
// list writes (a zod schema), so a position that is not the list's is a 400 naming it, not a key the store refuses
// (a 500) nor a start in another partition of the table. What a client holds is this position signed and bound to
// its list at the HTTP edge (shared/http/page-cursors.ts, shared/store/signed-cursor.ts); a service sees a
// position only once its signature was checked.
import { BadRequestError } from "../errors.js";
import * as z from "../zod.js";

export function encodeCursor(position: unknown): string | undefined {
  return position === undefined ? undefined : Buffer.from(JSON.stringify(position)).toString("base64url");
}

export function decodeCursor<T>(
  cursor: string | undefined,
  shape: z.ZodMiniType<T>,
  rule = "must be a nextCursor value returned by a previous page",
): T | undefined {
  if (!cursor) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const parsed = z.safeParse(shape, value);
  if (parsed.success) return parsed.data;
  throw new BadRequestError("The cursor is not one this API returned.", {
    issues: [{ field: "query.cursor", rule }],
  });
}

/** Where a query of the `gsi1` index stopped: DynamoDB's LastEvaluatedKey, in the one partition the list reads. */
export const indexPosition = (partition: string) =>
  z.strictObject({ pk: z.string(), sk: z.string(), gsi1pk: z.literal(partition), gsi1sk: z.string() });

/** Where a query of one table partition stopped. */
export const partitionPosition = (partition: string) =>
  z.strictObject({ pk: z.literal(partition), sk: z.string() });
