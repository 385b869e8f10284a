// The embedded platform's page cursor keys: a 0600 file of the home made at the first start, kept across restarts
// (a cursor pages on after one), rotated by editing it (the previous key still opens cursors until it is dropped),
// and a key file that is not one stops the start with one line.
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalPlatform } from "../../local/platform.js";
import { cursorKey, cursorKeyId, newCursorSecret } from "../../shared/store/signed-cursor.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  for (let i = 0; i < 3; i++) {
    const created = await p.api("POST", "/v1/api-keys", { body: { name: `cursor-${i}`, role: "viewer" } });
    expect(created.status, created.text).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await p.cleanup();
});

const keyFile = () => join(p.home, "cursor-keys.json");
const firstPage = async () => {
  const page = await p.api("GET", "/v1/api-keys?limit=1");
  expect(page.status, page.text).toBe(200);
  return page.body.nextCursor as string;
};
const nextPage = (cursor: string) =>
  p.api("GET", `/v1/api-keys?limit=1&cursor=${encodeURIComponent(cursor)}`);

describe("page cursor keys of the embedded platform", () => {
  it("are made at the first start, readable by the platform's user only, and sign the cursors", async () => {
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(keyFile(), "utf8"));
    expect(file.current).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cursorKeyId(await firstPage())).toBe(cursorKey(file.current).id);
  });

  it("are kept across a restart: a cursor handed out before pages on after", async () => {
    const cursor = await firstPage();
    await p.restart();
    expect((await nextPage(cursor)).status).toBe(200);
  }, 60_000);

  it("rotate by editing the file: the previous key opens cursors until it is dropped", async () => {
    const old = JSON.parse(await readFile(keyFile(), "utf8")).current as string;
    const cursor = await firstPage();
    const next = newCursorSecret();
    await writeFile(keyFile(), JSON.stringify({ current: next, previous: [old] }));
    await p.restart();
    expect((await nextPage(cursor)).status).toBe(200);
    expect(cursorKeyId(await firstPage())).toBe(cursorKey(next).id);

    await writeFile(keyFile(), JSON.stringify({ current: next }));
    await p.restart();
    const refused = await nextPage(cursor);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: "query.cursor", rule: expect.stringMatching(/key this API holds/) },
    ]);
  }, 60_000);

  it("a key file that is not one stops the start, naming the file", async () => {
    await p.stop();
    await writeFile(keyFile(), JSON.stringify({ current: "short" }));
    await expect(startLocalPlatform({ home: p.home, port: 0 })).rejects.toMatchObject({
      name: "StartupError",
      message: expect.stringContaining("cursor-keys.json is not a cursor key file"),
    });
  }, 60_000);
});
