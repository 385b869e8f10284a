// A page cursor is bound to the filters of the page that answered it: sent with other filters it is a 400 on
// query.cursor at the HTTP edge (shared/http/page-cursors.ts), before any service reads a position of one query as a
// position of another. Only `limit` may change from one page to the next.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURE_NAME as FIXTURE,
  publishFixtureServer,
  saveWorkflow,
  startRun,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
  await publishFixtureServer(p, "Tools that answer at once");
  // A run's record exists from its start's answer on: the lists below need no run to end.
  for (const name of ["alpha-flow", "beta-flow"]) {
    await saveWorkflow(p, { name, steps: [{ id: "only", server: `${FIXTURE}@1.0.0`, tool: "alpha" }] });
    for (let i = 0; i < 2; i++) await startRun(p, name);
  }
}, 120_000);
afterAll(async () => {
  await p?.cleanup();
});

async function refusal(path: string): Promise<{ field: string; rule: string }[]> {
  const response = await p.api("GET", path, { role: "viewer" });
  expect(response.status, `${path}: ${response.text}`).toBe(400);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  return response.body.errors;
}

describe("a cursor sent with other filters than its page's", () => {
  it("GET /v1/runs: pages on with the same filters (any limit), and is a 400 naming query.cursor otherwise", async () => {
    const first = await p.api("GET", "/v1/runs?workflow=alpha-flow&limit=1", { role: "viewer" });
    expect(first.status, first.text).toBe(200);
    expect(first.body.runs.map((r: { workflow: string }) => r.workflow)).toEqual(["alpha-flow"]);
    const cursor = encodeURIComponent(first.body.nextCursor);

    const next = await p.api("GET", `/v1/runs?workflow=alpha-flow&limit=5&cursor=${cursor}`, {
      role: "viewer",
    });
    expect(next.status, next.text).toBe(200);
    expect(next.body.runs.map((r: { workflow: string }) => r.workflow)).toEqual(["alpha-flow"]);

    const rule = expect.stringMatching(
      /^must be sent with the filters of the page that returned it \(status, workflow; only limit may change\)/,
    );
    for (const other of [
      "workflow=beta-flow",
      "",
      "workflow=alpha-flow&status=SUCCEEDED",
      "status=RUNNING",
    ]) {
      expect(await refusal(`/v1/runs?${other}&limit=1&cursor=${cursor}`)).toEqual([
        { field: "query.cursor", rule },
      ]);
    }
  });

  it("GET /v1/audit: the same rule for its filters, the time range included", async () => {
    const first = await p.api("GET", "/v1/audit?action=workflows.create&limit=1");
    expect(first.status, first.text).toBe(200);
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect((await p.api("GET", `/v1/audit?action=workflows.create&cursor=${cursor}`)).status).toBe(200);
    for (const other of ["action=runs.start", "action=workflows.create&from=2000-01-01T00:00:00Z", ""]) {
      const response = await p.api("GET", `/v1/audit?${other}&cursor=${cursor}`);
      expect(response.status, response.text).toBe(400);
      expect(response.body.errors).toEqual([
        { field: "query.cursor", rule: expect.stringMatching(/^must be sent with the filters of the page/) },
      ]);
    }
  });
});
