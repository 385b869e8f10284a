// The dependency map, the impact confirmation and the personal dashboard in headless Chromium against the embedded
// platform: before a delete or a deprecation the console lists the workflow versions that pin the version and the
// MCDs that describe the server (and cannot send a delete the API would refuse); the map draws and lists who pins
// what; a dashboard arranged in one browser comes back in a fresh browser (another profile) after sign-in; a viewer
// sees no status action; axe finds no serious or critical violation on any of it.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, openBrowser, type TestBrowser, UI_TIMEOUT_MS } from "../helpers/browser.js";
import { publishServer, REPO_ROOT, saveWorkflow } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;

const TOOLSET = "io.github.mcpflow-tests/toolset-ui";
const SCRIPT = join(REPO_ROOT, "tests/fixtures/mcp/toolset-server.mjs");
const serverPath = `/servers/${encodeURIComponent(TOOLSET)}`;

const toolsetVersion = (version: string) => ({
  name: TOOLSET,
  version,
  title: "Toolset UI",
  description: "Greets and shouts",
  runtime: { transport: "stdio", command: process.execPath, args: [SCRIPT, "v1"] },
});

async function expectNoAxeViolations(where: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, `${where}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

beforeAll(async () => {
  p = await startTestPlatform();
  await publishServer(p, toolsetVersion("1.0.0"));
  await publishServer(p, toolsetVersion("2.0.0"), { probe: false });
  await saveWorkflow(p, {
    name: "pinned-flow",
    description: "Pins toolset-ui 1.0.0",
    steps: [{ id: "hello", server: `${TOOLSET}@1.0.0`, tool: "greet", arguments: { name: "Ada" } }],
  });
  const mcd = await p.api("POST", "/v1/mcds", {
    body: {
      slug: "toolset-ui-guide",
      title: "Toolset UI guide",
      body: "# Guide\n",
      links: { servers: [TOOLSET] },
    },
  });
  expect(mcd.status, mcd.text).toBe(201);
  browser = await openBrowser();
  page = browser.page;
  await page.goto(await p.signInLink());
  await page.getByText("Signed in as local-admin (admin).").waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await p?.cleanup();
});

describe(
  "dependencies and the personal dashboard",
  () => {
    it("lists the workflow that pins a version and the MCD that describes it before a delete, and does not send a delete the API would refuse", async () => {
      await page.goto(`${p.url}${serverPath}?tab=versions`);
      await page.locator("main > h1", { hasText: "Toolset UI" }).waitFor();
      await page.getByRole("button", { name: "Delete 1.0.0…" }).click();
      const dialog = page.getByRole("dialog", { name: `Delete ${TOOLSET}@1.0.0?` });
      const pinning = dialog.getByRole("list", { name: "Workflow versions that pin it" });
      await pinning.getByRole("link", { name: "pinned-flow v1" }).waitFor();
      expect(await pinning.getByText("latest").count()).toBe(1);
      await dialog
        .getByRole("list", { name: "MCDs that describe the server" })
        .getByRole("link", { name: "Toolset UI guide" })
        .waitFor();
      await dialog.getByText("It cannot be deleted while workflows pin it").waitFor();
      expect(await dialog.getByRole("button", { name: "Delete 1.0.0" }).isDisabled()).toBe(true);
      await expectNoAxeViolations("delete confirmation");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
      const stillThere = await p.api("GET", `/v1/servers/${encodeURIComponent(TOOLSET)}/versions/1.0.0`);
      expect(stillThere.body.status).toBe("active");
    });

    it("deletes a version nothing pins once confirmed, and deprecates a pinned one after listing who pins it", async () => {
      await page.goto(`${p.url}${serverPath}?tab=versions`);
      await page.getByRole("button", { name: "Delete 2.0.0…" }).click();
      const deleting = page.getByRole("dialog", { name: `Delete ${TOOLSET}@2.0.0?` });
      await deleting.getByRole("list", { name: "MCDs that describe the server" }).waitFor();
      expect(await deleting.getByRole("list", { name: "Workflow versions that pin it" }).count()).toBe(0);
      await deleting.getByRole("button", { name: "Delete 2.0.0" }).click();
      await deleting.waitFor({ state: "hidden" });
      const deleted = await p.api("GET", `/v1/servers/${encodeURIComponent(TOOLSET)}/versions/2.0.0`);
      expect(deleted.body.status).toBe("deleted");

      await page.getByRole("button", { name: "Deprecate 1.0.0…" }).click();
      const deprecating = page.getByRole("dialog", { name: `Deprecate ${TOOLSET}@1.0.0?` });
      await deprecating.getByRole("link", { name: "pinned-flow v1" }).waitFor();
      await deprecating.getByRole("button", { name: "Deprecate 1.0.0" }).click();
      await deprecating.waitFor({ state: "hidden" });
      await page.getByRole("button", { name: "Reactivate 1.0.0" }).waitFor();
      const deprecated = await p.api("GET", `/v1/servers/${encodeURIComponent(TOOLSET)}/versions/1.0.0`);
      expect(deprecated.body.status).toBe("deprecated");
    });

    it("draws the dependency map and lists each workflow version's pins with links, filtered by server", async () => {
      await page.goto(`${p.url}/dependencies`);
      await page.locator("main > h1", { hasText: "Dependencies" }).waitFor();
      const graph = page.getByRole("region", { name: "Dependency graph" });
      await graph.locator(".dep-workflow").first().waitFor();
      expect(await graph.locator(".dep-server").count()).toBe(1);
      expect(await graph.locator(".dep-mcd").count()).toBe(1);
      await page.getByRole("link", { name: `${TOOLSET}@1.0.0` }).waitFor();
      await page.getByText("deprecated", { exact: true }).first().waitFor();
      await expectNoAxeViolations("/dependencies");
      await page.getByRole("textbox", { name: "Workflow", exact: true }).fill("no-such-flow");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/workflow=no-such-flow/);
      await page.getByText("Nothing depends on anything here.").waitFor();
      await page.goto(`${p.url}/dependencies?server=${encodeURIComponent(TOOLSET)}&version=1.0.0`);
      await page.getByRole("link", { name: "pinned-flow v1" }).click();
      await page.waitForURL(/\/workflows\/pinned-flow/);
    });

    it("keeps an arranged dashboard for its user: a fresh browser shows the same panels, order and pins after a reload", async () => {
      await page.goto(`${p.url}/`);
      await page.locator("main > h1", { hasText: "Dashboard" }).waitFor();
      await page.getByRole("button", { name: "Arrange" }).click();
      await page.getByRole("heading", { name: "Arrange your dashboard" }).waitFor();
      // Keyboard only: hide a panel, move another to the top, pin a workflow.
      await page.getByLabel("Show Recently published servers").focus();
      await page.keyboard.press("Space");
      const up = page.getByRole("button", { name: "Move Failing workflows up" });
      await up.focus();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Enter");
      await page.getByLabel("Pin a workflow").selectOption("pinned-flow");
      await page.getByRole("button", { name: "Pin workflow" }).click();
      await expectNoAxeViolations("dashboard, arrange mode");
      await page.getByRole("button", { name: "Save arrangement" }).click();
      await page.getByRole("heading", { name: "Arrange your dashboard" }).waitFor({ state: "hidden" });
      const order = async (on: Page) =>
        on
          .locator("[data-panel]")
          .evaluateAll((sections) => sections.map((s) => s.getAttribute("data-panel")));
      expect(await order(page)).toEqual(["failing-workflows", "pinned", "recent-runs"]);

      const fresh = await openBrowser();
      try {
        const other = fresh.page;
        await other.goto(`${p.url}/`);
        await other.getByLabel("Token or API key").fill(p.tokens.admin);
        await other.getByRole("button", { name: "Sign in" }).click();
        await other.locator("[data-panel]").first().waitFor();
        await other.reload();
        await other.locator("[data-panel]").first().waitFor();
        expect(await order(other)).toEqual(["failing-workflows", "pinned", "recent-runs"]);
        await other.locator('[data-panel="pinned"]').getByRole("link", { name: "pinned-flow" }).waitFor();
        expect(await other.locator('[data-panel="new-servers"]').count()).toBe(0);
      } finally {
        await fresh.close();
      }
      const stored = await p.api("GET", "/v1/me/preferences");
      expect(stored.body.dashboard).toEqual({
        panels: ["failing-workflows", "pinned", "recent-runs"],
        pinned: { workflows: ["pinned-flow"], servers: [] },
      });
    });

    it("shows a viewer no status action, and lets the viewer arrange their own dashboard only", async () => {
      const viewer = await openBrowser();
      try {
        const v = viewer.page;
        await v.goto(`${p.url}${serverPath}?tab=versions`);
        await v.getByLabel("Token or API key").fill(p.tokens.viewer);
        await v.getByRole("button", { name: "Sign in" }).click();
        await v.locator("main > h1", { hasText: "Toolset UI" }).waitFor();
        await v.getByRole("table").waitFor();
        expect(await v.getByRole("button", { name: /Delete|Deprecate|Reactivate/ }).count()).toBe(0);
        await v.goto(`${p.url}/`);
        await v.locator("[data-panel]").first().waitFor();
        // The admin's arrangement is the admin's: the viewer sees the defaults.
        expect(await v.locator("[data-panel]").count()).toBe(4);
        expect(viewer.errors.filter((e) => e.startsWith("403"))).toEqual([]);
      } finally {
        await viewer.close();
      }
    });
  },
  UI_TIMEOUT_MS * 4,
);
