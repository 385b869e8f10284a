// One-time sign-in codes: the embedded platform prints a link carrying one (in the URL's fragment, which no
// request sends), and the console exchanges it once for a session token. Only the code's SHA-256 is stored; the
// exchange is one conditional delete, so a code works once, and not after it expires.
import { createHash, randomBytes } from "node:crypto";
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ValidationError } from "../errors.js";
import { isConditionalCheckFailed, type Table } from "../store/table.js";

/** Long enough to open the link after `npm start`, short enough that a code in a terminal's scrollback is stale. */
export const SIGN_IN_CODE_TTL_MS = 10 * 60_000;
/** A session lasts a working day; after that the console asks again. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface SignInSubject {
  sub: string;
  username: string;
  groups: string[];
}

const keyOf = (code: string) => ({
  pk: `SIGNIN#${createHash("sha256").update(code).digest("hex")}`,
  sk: "CODE",
});

export async function issueSignInCode(
  table: Table,
  subject: SignInSubject,
  now = Date.now(),
): Promise<{ code: string; expiresAt: string }> {
  const code = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now + SIGN_IN_CODE_TTL_MS).toISOString();
  await table.doc.send(
    new PutCommand({
      TableName: table.name,
      Item: { ...keyOf(code), subject, expiresAt, ttl: Math.ceil((now + SIGN_IN_CODE_TTL_MS) / 1000) },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { code, expiresAt };
}

/** Consumes the code: answers whom it signs in, or throws ValidationError when it is unknown, used or expired. */
export async function redeemSignInCode(table: Table, code: string, now = Date.now()): Promise<SignInSubject> {
  try {
    const result = await table.doc.send(
      new DeleteCommand({
        TableName: table.name,
        Key: keyOf(code),
        ConditionExpression: "attribute_exists(pk) AND expiresAt > :now",
        ExpressionAttributeValues: { ":now": new Date(now).toISOString() },
        ReturnValues: "ALL_OLD",
      }),
    );
    return result.Attributes!.subject as SignInSubject;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    throw new ValidationError("The sign-in code is unknown, already used or expired.", {
      issues: [
        {
          field: "body.code",
          rule: "must be a sign-in code that has not been used and is under 10 minutes old (restart `npm start` for a new link)",
        },
      ],
      cause: error,
    });
  }
}
