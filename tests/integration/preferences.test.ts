// Each person's dashboard arrangement, kept by the API: defaults until the first save, versioned saves (If-Match,
// 412 when another browser saved first), strict validation naming the field, and no way to read or write another
// user's: two users with the same role keep their own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let ada: string;
let bob: string;

const arranged = {
  dashboard: {
    panels: ["failing-workflows", "pinned", "recent-runs"],
    pinned: { workflows: ["everything-diamond"], servers: ["io.github.acme/weather"] },
  },
};

beforeAll(async () => {
  p = await startTestPlatform();
  ada = `Bearer ${await p.mintToken({ role: "viewer", username: "ada" })}`;
  bob = `Bearer ${await p.mintToken({ role: "viewer", username: "bob" })}`;
});
afterAll(async () => {
  await p?.cleanup();
});

describe("GET/PUT /v1/me/preferences", () => {
  it("answers the defaults at revision 0 before the first save", async () => {
    const read = await p.api("GET", "/v1/me/preferences", { auth: ada });
    expect(read.status, read.text).toBe(200);
    expect(read.headers.get("etag")).toBe('"0"');
    expect(read.body).toEqual({
      dashboard: {
        panels: ["pinned", "recent-runs", "failing-workflows", "new-servers"],
        pinned: { workflows: [], servers: [] },
      },
      revision: 0,
    });
  });

  it("saves a viewer's arrangement with If-Match, and refuses a stale or missing one without changing anything", async () => {
    const saved = await p.api("PUT", "/v1/me/preferences", {
      auth: ada,
      body: arranged,
      headers: { "if-match": '"0"' },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.headers.get("etag")).toBe('"1"');
    expect(saved.body).toMatchObject({ ...arranged, revision: 1 });

    const stale = await p.api("PUT", "/v1/me/preferences", {
      auth: ada,
      body: { dashboard: { panels: [], pinned: { workflows: [], servers: [] } } },
      headers: { "if-match": "0" },
    });
    expect(stale.status, stale.text).toBe(412);
    expect(stale.body.errors).toEqual([{ field: "if-match", rule: "must be the current revision, 1" }]);
    const missing = await p.api("PUT", "/v1/me/preferences", { auth: ada, body: arranged });
    expect(missing.status).toBe(428);
    const read = await p.api("GET", "/v1/me/preferences", { auth: ada });
    expect(read.body).toMatchObject({ ...arranged, revision: 1 });
  });

  it("keeps each user's own: bob sees defaults while ada has saved, and bob's save leaves ada's alone", async () => {
    const bobs = await p.api("GET", "/v1/me/preferences", { auth: bob });
    expect(bobs.body.revision).toBe(0);
    expect(bobs.body.dashboard.pinned.workflows).toEqual([]);
    const saved = await p.api("PUT", "/v1/me/preferences", {
      auth: bob,
      body: { dashboard: { panels: ["new-servers"], pinned: { workflows: ["bobs-flow"], servers: [] } } },
      headers: { "if-match": "0" },
    });
    expect(saved.status, saved.text).toBe(200);
    const adas = await p.api("GET", "/v1/me/preferences", { auth: ada });
    expect(adas.body).toMatchObject({ ...arranged, revision: 1 });
    // No route names another user: a path or query that tries is not a preferences route at all.
    expect((await p.api("GET", "/v1/me/preferences?user=bob", { auth: ada })).status).toBe(400);
    expect((await p.api("GET", "/v1/me/preferences/bob", { auth: ada })).status).toBe(404);
    expect((await p.api("GET", "/v1/me/preferences", { auth: null })).status).toBe(401);
  });

  it("refuses hostile bodies with a 4xx problem naming the field, and stores nothing", async () => {
    const cases: [unknown, number, string][] = [
      [{ dashboard: { ...arranged.dashboard, panels: ["pinned", "pinned"] } }, 400, "body.dashboard.panels"],
      [{ dashboard: { ...arranged.dashboard, panels: ["secrets"] } }, 400, "body.dashboard.panels.0"],
      [{ dashboard: arranged.dashboard, theme: "dark" }, 400, "body"],
      [
        { dashboard: { ...arranged.dashboard, pinned: { workflows: ["../etc"], servers: [] } } },
        400,
        "body.dashboard.pinned.workflows.0",
      ],
      [
        { dashboard: { ...arranged.dashboard, pinned: { workflows: [], servers: ["<script>"] } } },
        400,
        "body.dashboard.pinned.servers.0",
      ],
      [
        {
          dashboard: {
            ...arranged.dashboard,
            pinned: { workflows: Array.from({ length: 51 }, (_, i) => `w${i}`), servers: [] },
          },
        },
        400,
        "body.dashboard.pinned.workflows",
      ],
      [
        { dashboard: { ...arranged.dashboard, pinned: { servers: [] } } },
        400,
        "body.dashboard.pinned.workflows",
      ],
      [[], 400, "body"],
    ];
    for (const [body, status, field] of cases) {
      const answer = await p.api("PUT", "/v1/me/preferences", {
        auth: ada,
        body,
        headers: { "if-match": "1" },
      });
      expect(answer.status, `${JSON.stringify(body).slice(0, 80)}: ${answer.text}`).toBe(status);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(
        answer.body.errors.map((e: { field: string }) => e.field),
        answer.text,
      ).toContain(field);
    }
    const huge = await p.api("PUT", "/v1/me/preferences", {
      auth: ada,
      rawBody: JSON.stringify({ ...arranged, padding: "x".repeat(40_000) }),
      headers: { "if-match": "1" },
    });
    expect(huge.status).toBe(413);
    const badMatch = await p.api("PUT", "/v1/me/preferences", {
      auth: ada,
      body: arranged,
      headers: { "if-match": "*" },
    });
    expect(badMatch.status).toBe(400);
    expect(badMatch.body.errors[0].field).toBe("if-match");
    const read = await p.api("GET", "/v1/me/preferences", { auth: ada });
    expect(read.body).toMatchObject({ ...arranged, revision: 1 });
  });

  it("survives a restart of the platform (kept in the store, not in a session)", async () => {
    await p.restart();
    ada = `Bearer ${await p.mintToken({ role: "viewer", username: "ada" })}`;
    const read = await p.api("GET", "/v1/me/preferences", { auth: ada });
    expect(read.body).toMatchObject({ ...arranged, revision: 1 });
  });
});
