// Page cursors as the API hands them out: the position a list encoded (cursor.ts), bound to that list and to the
// filters of the page that answered it, dated and signed with HMAC-SHA-256, so a client can page on but cannot forge
// a position (skip to a key of its choosing, probe the table's key layout), carry a cursor to another list or to
// other filters (a position of one query is not one of another's), or keep one for ever. The key id lets keys rotate: cursors
// signed with the previous key are still accepted for a while.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { BadRequestError } from "../errors.js";

export interface CursorKey {
  /** Derived from the secret (not secret itself), so both hosts name a key the same way without storing an id. */
  readonly id: string;
  readonly secret: Buffer;
}

export interface CursorKeyring {
  /** Signs every cursor handed out. */
  readonly current: CursorKey;
  /** Still accepted: the keys before the last rotation. */
  readonly previous: readonly CursorKey[];
}

/**
 * How long a cursor pages on. Long enough for a console tab left open or a registry sync that resumes from the
 * cursor it stored at its next tick; short enough that a cursor copied into a log is not a key for ever.
 */
export const CURSOR_LIFETIME_SECONDS = 7 * 24 * 3600;

const VERSION = "c2";
const MIN_SECRET_CHARS = 32;
const FIELD = "query.cursor";
const MAC_CHARS = 43; // 32 bytes, base64url without padding

/** A fresh secret for a key file: 32 random bytes, base64url. */
export function newCursorSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function cursorKey(secret: string): CursorKey {
  if (secret.length < MIN_SECRET_CHARS) {
    throw new Error(`A cursor signing key needs at least ${MIN_SECRET_CHARS} characters.`);
  }
  const id = createHash("sha256")
    .update("mcpflow cursor key\0")
    .update(secret)
    .digest("base64url")
    .slice(0, 8);
  return { id, secret: Buffer.from(secret, "utf8") };
}

export function cursorKeyring(current: string, previous: readonly string[] = []): CursorKeyring {
  return { current: cursorKey(current), previous: previous.map(cursorKey) };
}

const mac = (key: CursorKey, signed: string) => createHmac("sha256", key.secret).update(signed).digest();

/**
 * Which list a cursor pages: the operation that answered it (listRuns) and the filters its query had (every query
 * field but `cursor` and `limit`, as the route parsed them, so an omitted field and its default are one value).
 * A list without filters may be named by its operation alone.
 */
export interface PageList {
  readonly operation: string;
  /** Every filter the list takes, by name; an absent one is undefined (the names are what a refusal lists). */
  readonly filters: Readonly<Record<string, unknown>>;
}

/** The filters a cursor is bound to, as 22 base64url characters of their SHA-256 (signed with the rest). */
function filtersDigest(filters: PageList["filters"]): string {
  const set = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(set)).digest("base64url").slice(0, 22);
}

const pageList = (list: string | PageList): PageList =>
  typeof list === "string" ? { operation: list, filters: {} } : list;

/**
 * `c2.<key id>.<list>.<expiry>.<filters>.<position>.<signature>`: the signature covers every character before it, so
 * an edit anywhere is caught. `list` names the operation that answered it (listRuns), `filters` is the digest of its
 * query's filters, `position` is the list's own encoding.
 */
export function sealCursor(
  keys: CursorKeyring,
  list: string | PageList,
  position: string,
  now: Date = new Date(),
): string {
  const { operation, filters } = pageList(list);
  const expires = (Math.floor(now.getTime() / 1000) + CURSOR_LIFETIME_SECONDS).toString(36);
  const signed = `${VERSION}.${keys.current.id}.${operation}.${expires}.${filtersDigest(filters)}.${position}`;
  return `${signed}.${mac(keys.current, signed).toString("base64url")}`;
}

const SHAPE =
  /^c2\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9]{1,64})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/;
/** The shape cursors had before they were bound to their filters (until 2026-11-27). */
const UNFILTERED_SHAPE =
  /^c1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9]{1,64}\.[0-9a-z]{1,10}\.[A-Za-z0-9_-]{1,2000}\.[A-Za-z0-9_-]{43}$/;

interface Parsed {
  keyId: string;
  list: string;
  expiresAt: number;
  filters: string;
  position: string;
  signed: string;
  signature: Buffer;
}

function parse(cursor: string): Parsed | undefined {
  const match = SHAPE.exec(cursor);
  if (!match) return undefined;
  const [, keyId, list, expires, filters, position, signatureText] = match as unknown as string[];
  const signature = Buffer.from(signatureText!, "base64url");
  // The last character of 43 carries two bits base64url decoding ignores: only the canonical spelling is accepted,
  // or four spellings of one signature would all pass.
  if (signature.length !== 32 || signature.toString("base64url") !== signatureText) return undefined;
  return {
    keyId: keyId!,
    list: list!,
    expiresAt: Number.parseInt(expires!, 36) * 1000,
    filters: filters!,
    position: position!,
    signed: cursor.slice(0, cursor.length - MAC_CHARS - 1),
    signature,
  };
}

/** The key id a cursor names, when it has the shape of one (to reload the keys once when another host rotated). */
export function cursorKeyId(cursor: string): string | undefined {
  return parse(cursor)?.keyId;
}

function refused(rule: string): BadRequestError {
  return new BadRequestError("The cursor is not one this API returned for this list.", {
    issues: [{ field: FIELD, rule }],
  });
}

/**
 * The position a cursor of `list` carries, when it is sent with the filters it was handed out with; a
 * BadRequestError naming `query.cursor` and the rule it breaks if none.
 */
export function openCursor(
  keys: CursorKeyring,
  list: string | PageList,
  cursor: string,
  now: Date = new Date(),
): string {
  const { operation, filters } = pageList(list);
  const parsed = parse(cursor);
  if (!parsed && UNFILTERED_SHAPE.test(cursor)) {
    throw refused(
      "was handed out before cursors were bound to their list's filters (it no longer pages on); start from the first page",
    );
  }
  if (!parsed) throw refused("must be a nextCursor value returned by a previous page, whole and unchanged");
  const key = [keys.current, ...keys.previous].find((candidate) => candidate.id === parsed.keyId);
  if (!key) {
    throw refused(
      "must be signed with a key this API holds (forged, or signed before its key was retired); start from the first page",
    );
  }
  if (!timingSafeEqual(mac(key, parsed.signed), parsed.signature)) {
    throw refused(
      "must be a nextCursor value returned by a previous page, unchanged (its signature does not match)",
    );
  }
  if (parsed.list !== operation) throw refused("must come from this list (it is a cursor of another list)");
  if (parsed.filters !== filtersDigest(filters)) {
    const names = Object.keys(filters).sort();
    throw refused(
      `must be sent with the filters of the page that returned it (${names.join(", ")}; only limit may change); start from the first page to change them`,
    );
  }
  if (now.getTime() >= parsed.expiresAt) {
    throw refused(
      `has expired (a cursor pages on for ${CURSOR_LIFETIME_SECONDS / 86400} days); start from the first page`,
    );
  }
  return parsed.position;
}
