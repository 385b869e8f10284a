// Workflows in the rest of the platform: MCDs may link to them (checked on save), servers list the workflows
// that pin them, and search finds a workflow by its name, description and step tools until it is deleted.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVERYTHING_NAME, publishExampleServers, saveExampleWorkflow } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";
import { scratchDir } from "../helpers/scratch.js";

let p: TestPlatform;
const everything = encodeURIComponent(EVERYTHING_NAME);

beforeAll(async () => {
  p = await startTestPlatform();
  await publishExampleServers(p, join(scratchDir("mcpflow-links-"), "memory.jsonl"));
  await saveExampleWorkflow(p, "everything-diamond.yaml");
});
afterAll(async () => {
  await p?.cleanup();
});

describe("workflows and MCDs, references and search", () => {
  it("accepts an MCD linking to a saved workflow and refuses one linking to a missing workflow, naming it", async () => {
    const ok = await p.api("POST", "/v1/mcds", {
      role: "editor",
      body: {
        slug: "diamond-notes",
        title: "Diamond notes",
        body: "# Notes",
        links: { workflows: ["everything-diamond"] },
      },
    });
    expect(ok.status, ok.text).toBe(201);
    const bad = await p.api("POST", "/v1/mcds", {
      role: "editor",
      body: {
        slug: "ghost-notes",
        title: "Ghost",
        body: "# Ghost",
        links: { workflows: ["no-such-workflow"] },
      },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.errors)).toContain("no-such-workflow");
    expect((await p.api("GET", "/v1/mcds/ghost-notes")).status).toBe(404);
  });

  it("lists the MCDs that point at a workflow, and the workflows that pin a server", async () => {
    const workflowRefs = await p.api("GET", "/v1/workflows/everything-diamond/references", {
      role: "viewer",
    });
    expect(workflowRefs.status, workflowRefs.text).toBe(200);
    expect(workflowRefs.body.mcds.map((r: { id: string }) => r.id)).toEqual(["diamond-notes"]);
    const serverRefs = await p.api("GET", `/v1/servers/${everything}/references`, { role: "viewer" });
    expect(serverRefs.status, serverRefs.text).toBe(200);
    expect(serverRefs.body.workflows.map((r: { id: string }) => r.id)).toEqual(["everything-diamond"]);
  });

  it("finds the workflow by a step tool and by its description, and not once it is deleted", async () => {
    const byTool = await p.api("GET", "/v1/search?q=get-sum&type=workflow", { role: "viewer" });
    expect(byTool.status, byTool.text).toBe(200);
    expect(byTool.body.hits.map((h: { id: string }) => h.id)).toContain("everything-diamond");
    const byWords = await p.api("GET", "/v1/search?q=greets%20parallel", { role: "viewer" });
    expect(byWords.body.hits.map((h: { id: string }) => h.id)).toContain("everything-diamond");

    expect((await p.api("DELETE", "/v1/workflows/everything-diamond", { role: "admin" })).status).toBe(204);
    const after = await p.api("GET", "/v1/search?q=get-sum&type=workflow", { role: "viewer" });
    expect(after.body.hits.map((h: { id: string }) => h.id)).not.toContain("everything-diamond");
    const serverRefs = await p.api("GET", `/v1/servers/${everything}/references`, { role: "viewer" });
    expect(serverRefs.body.workflows).toEqual([]);
  });

  it("rebuilds workflows into the index on restart", async () => {
    await saveExampleWorkflow(p, "memory-sequence.json");
    await p.restart();
    const hits = await p.api("GET", "/v1/search?q=knowledge%20graph&type=workflow", { role: "viewer" });
    expect(hits.status, hits.text).toBe(200);
    expect(hits.body.hits.map((h: { id: string }) => h.id)).toContain("memory-sequence");
  });
});
