// Signed page cursors: what a list hands out is accepted back by that list only, with the filters of the page that
// answered it, unchanged, within its lifetime, and signed with a key the API holds; anything else is a 400 naming
// query.cursor and the rule.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../../shared/errors.js";
import {
  CURSOR_LIFETIME_SECONDS,
  cursorKeyId,
  cursorKeyring,
  newCursorSecret,
  openCursor,
  sealCursor,
} from "../../../shared/store/signed-cursor.js";

const OLD = newCursorSecret();
const NEW = newCursorSecret();
const keys = cursorKeyring(NEW);
const position = Buffer.from(
  JSON.stringify({ pk: "RUN#01J", sk: "RUN", gsi1pk: "RUNS", gsi1sk: "2026-11-27T09:00:00.000Z#01J" }),
).toString("base64url");
const at = new Date("2026-11-27T09:00:00Z");

function refusal(open: () => unknown): { field: string; rule: string } {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    const issues = (error as BadRequestError).issues;
    expect(issues).toHaveLength(1);
    return issues[0]!;
  }
  throw new Error("the cursor was accepted");
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("signed page cursors", () => {
  const cursor = sealCursor(keys, "listRuns", position, at);

  it("gives back the position to the list that sealed it", () => {
    expect(openCursor(keys, "listRuns", cursor, at)).toBe(position);
    expect(cursorKeyId(cursor)).toBe(keys.current.id);
  });

  it("refuses the cursor with any one character changed, whatever the character and wherever it is", () => {
    const accepted: string[] = [];
    for (let i = 0; i < cursor.length; i++) {
      // Every other base64url letter, a dot and a character outside the alphabet, at every position.
      for (const replacement of [...BASE64URL, ".", "=", "+", "/", "%", " ", "é"]) {
        if (replacement === cursor[i]) continue;
        const edited = `${cursor.slice(0, i)}${replacement}${cursor.slice(i + 1)}`;
        try {
          openCursor(keys, "listRuns", edited, at);
          accepted.push(edited);
        } catch (error) {
          expect(error).toBeInstanceOf(BadRequestError);
          expect((error as BadRequestError).issues[0]!.field).toBe("query.cursor");
        }
      }
    }
    expect(accepted).toEqual([]);
  });

  it("refuses every truncation and every extension", () => {
    for (let length = 0; length < cursor.length; length++) {
      if (length === 0) continue; // the empty cursor is the first page, never opened
      expect(refusal(() => openCursor(keys, "listRuns", cursor.slice(0, length), at)).field).toBe(
        "query.cursor",
      );
      expect(
        refusal(() => openCursor(keys, "listRuns", cursor.slice(cursor.length - length), at)).field,
      ).toBe("query.cursor");
    }
    for (const extra of ["A", ".", "==", `.${cursor}`]) {
      expect(refusal(() => openCursor(keys, "listRuns", `${cursor}${extra}`, at)).field).toBe("query.cursor");
    }
  });

  it("refuses a well-shaped forgery: any position, any key id, a made-up signature", () => {
    const [version, kid, list, expires, filters, , signature] = cursor.split(".");
    const forged = Buffer.from(JSON.stringify({ pk: "APIKEY#x", sk: "META" })).toString("base64url");
    const rule = refusal(() =>
      openCursor(keys, "listRuns", [version, kid, list, expires, filters, forged, signature].join("."), at),
    ).rule;
    expect(rule).toMatch(/signature does not match/);
    // Signed with a key of the client's own, under the API's key id.
    const own = cursorKeyring(newCursorSecret());
    const signedByClient = sealCursor(
      { ...own, current: { ...own.current, id: kid! } },
      "listRuns",
      forged,
      at,
    );
    expect(refusal(() => openCursor(keys, "listRuns", signedByClient, at)).rule).toMatch(/signature/);
    // Under its own key id.
    expect(
      refusal(() => openCursor(keys, "listRuns", sealCursor(own, "listRuns", forged, at), at)).rule,
    ).toMatch(/key this API holds/);
  });

  it("refuses a cursor of another list", () => {
    const mcds = sealCursor(keys, "listMcds", position, at);
    expect(refusal(() => openCursor(keys, "listRuns", mcds, at))).toEqual({
      field: "query.cursor",
      rule: "must come from this list (it is a cursor of another list)",
    });
  });

  it("refuses a cursor sent with other filters than its page's, naming the list's filters; any other limit is the caller's", () => {
    const alpha = { operation: "listRuns", filters: { workflow: "alpha", status: undefined } };
    const sealed = sealCursor(keys, alpha, position, at);
    expect(openCursor(keys, alpha, sealed, at)).toBe(position);
    // An absent filter and a filter the list does not name are the same query.
    expect(openCursor(keys, { operation: "listRuns", filters: { workflow: "alpha" } }, sealed, at)).toBe(
      position,
    );
    const rule =
      "must be sent with the filters of the page that returned it (status, workflow; only limit may change); start from the first page to change them";
    for (const filters of [
      { workflow: "beta", status: undefined },
      { workflow: undefined, status: undefined },
      { workflow: "alpha", status: "FAILED" },
      // The same text in another field is another query.
      { workflow: undefined, status: "alpha" },
    ]) {
      expect(refusal(() => openCursor(keys, { operation: "listRuns", filters }, sealed, at))).toEqual({
        field: "query.cursor",
        rule,
      });
    }
    // A cursor of the unfiltered list is not one of a filtered page either.
    expect(
      refusal(() =>
        openCursor(keys, alpha, sealCursor(keys, { operation: "listRuns", filters: {} }, position, at), at),
      ).rule,
    ).toBe(rule);
  });

  it("refuses, with its own rule, a cursor signed before cursors were bound to their filters", () => {
    const expires = (Math.floor(at.getTime() / 1000) + 3600).toString(36);
    const signed = `c1.${keys.current.id}.listRuns.${expires}.${position}`;
    const old = `${signed}.${createHmac("sha256", keys.current.secret).update(signed).digest("base64url")}`;
    expect(refusal(() => openCursor(keys, "listRuns", old, at)).rule).toMatch(
      /before cursors were bound to their list's filters.*start from the first page/,
    );
  });

  it("refuses an expired cursor, and accepts it until then", () => {
    const last = new Date(at.getTime() + CURSOR_LIFETIME_SECONDS * 1000 - 1000);
    expect(openCursor(keys, "listRuns", cursor, last)).toBe(position);
    const after = new Date(at.getTime() + CURSOR_LIFETIME_SECONDS * 1000);
    expect(refusal(() => openCursor(keys, "listRuns", cursor, after)).rule).toMatch(/has expired/);
  });

  it("accepts cursors of the previous key after a rotation, and not those of a key dropped since", () => {
    const before = cursorKeyring(OLD);
    const rotated = cursorKeyring(NEW, [OLD]);
    const old = sealCursor(before, "listRuns", position, at);
    expect(openCursor(rotated, "listRuns", old, at)).toBe(position);
    // New cursors are signed with the new key only.
    expect(cursorKeyId(sealCursor(rotated, "listRuns", position, at))).toBe(rotated.current.id);
    expect(refusal(() => openCursor(cursorKeyring(NEW), "listRuns", old, at)).rule).toMatch(
      /key this API holds/,
    );
  });

  it("refuses a wrong key with the right id shape: the signature decides", () => {
    const other = cursorKeyring(newCursorSecret());
    const theirs = sealCursor(other, "listRuns", position, at);
    expect(refusal(() => openCursor(keys, "listRuns", theirs, at)).field).toBe("query.cursor");
  });

  it("refuses the unsigned cursors the API answered before, and junk", () => {
    for (const junk of [
      position,
      "garbage",
      "c1",
      "c1.....",
      `c1.${"A".repeat(8)}.listRuns.0.${position}.`,
      "🙂",
    ]) {
      expect(refusal(() => openCursor(keys, "listRuns", junk, at)).rule).toMatch(
        /returned by a previous page/,
      );
    }
  });

  it("needs a secret of 32 characters or more", () => {
    expect(() => cursorKeyring("short")).toThrow(/32 characters/);
  });
});
