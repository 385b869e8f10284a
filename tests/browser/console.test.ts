// The console against the real embedded platform, in headless Chromium: publish (import) and probe a server, try a
// tool, save a workflow from YAML and see its graph, run it and watch the monitor reach SUCCEEDED with a bar per
// step and per item, cancel a run, edit an MCD through a conflict, search with Ctrl+K, a viewer who sees no edit or
// run action, and an axe-core check (no serious or critical violation) on every page visited.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, openBrowser, type TestBrowser, UI_TIMEOUT_MS } from "../helpers/browser.js";
import {
  EVERYTHING,
  EVERYTHING_NAME,
  exampleServer,
  publishExampleServers,
  startRun,
  waitForRunState,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let scratch: string;
let browser: TestBrowser;
let page: Page;
const visited: string[] = [];

const UI_NAME = "io.github.mcpflow-tests/everything-ui";

/** Opens a console URL and checks the page with axe once it shows its heading. */
async function visit(path: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${p.url}${path}`);
  await page.locator("main > h1", { hasText: heading }).waitFor();
  const violations = await axeViolations(page);
  expect(violations, `${path}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
  visited.push(path);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "mcpflow-console-"));
  p = await startTestPlatform();
  await publishExampleServers(p, join(scratch, "memory.json"));
  browser = await openBrowser();
  page = browser.page;
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(await p.signInLink());
  await page.getByText("Signed in as local-admin (admin).").waitFor();
});

afterAll(async () => {
  await browser?.close();
  await p?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe(
  "the console",
  () => {
    it("publishes a server by importing its server.json, approves its runtime and probes it", async () => {
      const server: Record<string, unknown> = {
        ...(await exampleServer("server-everything.json", join(scratch, "m.json"))),
        name: UI_NAME,
      };
      await visit("/servers", "Catalog");
      await page.getByLabel("Or paste").fill(JSON.stringify(server));
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByText("1 created, 0 already there, 0 invalid").waitFor();
      await page
        .getByRole("link", { name: /Everything/ })
        .first()
        .waitFor();

      await visit(`/servers/${encodeURIComponent(UI_NAME)}`, /Everything/);
      await page.getByText("may not run (not-approved)").waitFor();
      await page.getByRole("button", { name: /Approve runtime/ }).click();
      await page.getByText("may run (approved)").waitFor();
      await page.getByRole("button", { name: "Probe tools" }).click();
      await page.getByText(/Found \d+ tools/).waitFor({ timeout: 60_000 });
      await page.getByRole("heading", { name: /^echo/ }).waitFor();
      const probed = await p.api(
        "GET",
        `/v1/servers/${encodeURIComponent(UI_NAME)}/versions/${String(server.version)}/tools`,
      );
      expect(probed.status).toBe(200);
      expect(probed.body.tools.map((t: any) => t.name)).toContain("echo");
    });

    it("tries a tool from a form generated from its input schema, and shows the result", async () => {
      await visit(`/servers/${encodeURIComponent(UI_NAME)}?tab=try&tool=echo`, /Everything/);
      await page.getByLabel("message").fill("hello from the console");
      await page.getByRole("button", { name: "Call echo" }).click();
      await page.getByText("Echo: hello from the console").waitFor({ timeout: 60_000 });
      await page.getByRole("link", { name: "the recorded run" }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
    });

    it("saves a workflow from YAML, validating as it is typed, and draws its graph", async () => {
      await visit("/create/workflow", "New workflow");
      const editor = page.locator(".cm-content");
      await editor.fill(`name: ui-diamond
steps:
  - id: greet
    server: ${EVERYTHING}
    tool: echo
    arguments: { message: "Hello {{ input.name }}" }
  - id: shout
    server: ${EVERYTHING}
    tool: nope
    depends_on: [greet]
`);
      // The unknown tool is reported on its line, naming the field.
      await page
        .getByText(/steps\.shout\.tool: unknown tool "nope"/)
        .first()
        .waitFor();
      // ... and drawn under that step's tool in the editor.
      await page.locator(".cm-lintRange-error").first().waitFor();
      expect(await page.locator(".cm-lintRange-error").first().textContent()).toBe("nope");
      await editor.fill(`name: ui-diamond
input:
  type: object
  required: [name, words]
  properties:
    name: { type: string }
    words: { type: array, items: { type: string } }
steps:
  - id: greet
    server: ${EVERYTHING}
    tool: echo
    arguments: { message: "Hello {{ input.name }}" }
  - id: shout
    server: ${EVERYTHING}
    tool: echo
    depends_on: [greet]
    for_each: { items: "{{ input.words }}" }
    arguments: { message: "{{ item }}!" }
  - id: sum
    server: ${EVERYTHING}
    tool: get-sum
    depends_on: [greet]
    arguments: { a: 1, b: 2 }
`);
      await page.getByText("Valid: 3 steps.").waitFor();
      await page.getByRole("button", { name: "Create workflow" }).click();
      await page.waitForURL(/\/workflows\/ui-diamond/);
      const graph = page.getByRole("region", { name: /Graph of ui-diamond/ });
      await graph.locator(".graph-node").nth(2).waitFor();
      expect(await graph.locator(".graph-node").count()).toBe(3);
      await graph.getByText("for each").waitFor();
      expect(await axeViolations(page)).toEqual([]);
    });

    /** More than CodeMirror's completion interactionDelay (75 ms). */
    const INTERACTION_DELAY_MS = 200;

    it("completes the workflow YAML as it is typed: a step's keys from the schema, servers from the registry, accepted with the keyboard", async () => {
      await visit("/create/workflow", "New workflow");
      const editor = page.locator(".cm-content");
      await editor.fill("name: ui-completion\nsteps:\n  - id: first\n");
      await editor.press("Control+End");
      await page.keyboard.type("    ser");
      // The keys a step may still take, from WorkflowDefinitionInput in /v1/openapi.json.
      const popup = page.locator(".cm-tooltip-autocomplete");
      // An option reads its label then its type ("server" "string").
      const key = popup
        .getByRole("option")
        .filter({ has: page.locator(".cm-completionLabel", { hasText: /^server$/ }) });
      await key.waitFor();
      expect(await key.getAttribute("aria-selected")).toBe("true");
      // CodeMirror ignores Enter for 75 ms after a popup opens (interactionDelay), so that a fast typist's Enter
      // is a new line; a person reads the popup first.
      await page.waitForTimeout(INTERACTION_DELAY_MS);
      await page.keyboard.press("Enter");
      // The server reference: the registry's servers, name@version, filtered by what is typed (CodeMirror matches
      // from a word's start: "server-ev" finds it, "everything" alone does not).
      await page.keyboard.type("server-ev");
      const server = popup.getByRole("option").filter({ hasText: EVERYTHING });
      await server.waitFor();
      expect(await popup.getByRole("option").count()).toBe(1);
      expect(await server.getAttribute("aria-selected")).toBe("true");
      await page.waitForTimeout(INTERACTION_DELAY_MS);
      await page.keyboard.press("Enter");
      await popup.waitFor({ state: "hidden" });
      expect(await page.locator(".cm-line").allTextContents()).toEqual([
        "name: ui-completion",
        "steps:",
        "  - id: first",
        `    server: ${EVERYTHING}`,
      ]);
    });

    it("starts a run from the input form and watches the monitor reach SUCCEEDED, a bar per step and per item", async () => {
      await visit("/workflows/ui-diamond", "ui-diamond");
      await page.getByRole("button", { name: "Run v1…" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("name").fill("Ada");
      await dialog.getByRole("button", { name: "Add to words" }).click();
      await dialog.getByLabel("words 1").fill("alpha");
      await dialog.getByRole("button", { name: "Add to words" }).click();
      await dialog.getByLabel("words 2").fill("beta");
      await dialog.getByRole("button", { name: "Start run" }).click();
      await page.waitForURL(/\/runs\/[a-z0-9]+-/);
      await page.locator("h1 .badge", { hasText: "SUCCEEDED" }).waitFor({ timeout: 60_000 });
      // The header says what the ended run would cost on AWS.
      await page.locator(".facts dd", { hasText: "what this run would cost on AWS" }).waitFor();
      expect(await page.locator(".facts dd", { hasText: "would cost" }).textContent()).toMatch(
        /^\$0\.\d+ what this run would cost on AWS \(us-east-1 list prices of \d{4}-\d{2}\)$/,
      );
      await page.getByRole("link", { name: "Timeline" }).click();
      // A row and at least one attempt bar for each step and each item.
      for (const row of ["greet", "shout", "shout#0", "shout#1", "sum"]) {
        const bars = page.locator(`[data-row="${row}"] rect[data-kind="attempt"]`);
        await bars.first().waitFor();
        expect(await bars.first().getAttribute("data-status"), row).toBe("SUCCEEDED");
      }
      expect(await page.locator("[data-row]").count()).toBe(5);
      expect(await axeViolations(page)).toEqual([]);
      // The graph at the run's start: every step pending; at the end, every step succeeded.
      await page.getByRole("link", { name: "Graph" }).click();
      await page.locator(".graph-node.status-succeeded").nth(2).waitFor();
      await page.getByLabel("Moment").focus();
      await page.keyboard.press("Home");
      await page.waitForURL(/at=0/);
      await page.locator(".graph-node.status-pending").nth(1).waitFor();
      expect(await page.locator(".graph-node.status-succeeded").count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      // A node clicked, or its button in the graph's list picked with the keyboard, opens the step's panel.
      await page.getByRole("button", { name: "Now" }).click();
      await page.locator(".graph-node.status-succeeded").nth(2).waitFor();
      await page.locator(".graph-node", { hasText: "shout" }).click();
      await page.waitForURL(/step=shout/);
      await page.locator("#step-panel-title", { hasText: "shout" }).waitFor();
      await page
        .getByRole("region", { name: /Graph of run/ })
        .getByRole("button", { name: "sum" })
        .focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(/step=sum/);
      await page.locator("#step-panel-title", { hasText: "sum" }).waitFor();
    });

    it("reads a run's history once more after it ended, though its last poll came before the end", async () => {
      // The flake this replays: the monitor polled the history every 1.5 s while the run ran and stopped once the
      // run's record said it ended, so a run that ended between two polls kept the history of the earlier one
      // (greet drawn RUNNING under a SUCCEEDED header). Here every poll while the header says RUNNING answers the
      // history as it was when the step was running — the worst case of that race, every time.
      const saved = await p.api("POST", "/v1/workflows", {
        body: {
          name: "ui-ends-between-polls",
          steps: [
            {
              id: "wait",
              server: EVERYTHING,
              tool: "trigger-long-running-operation",
              arguments: { duration: 3, steps: 1 },
              timeout_seconds: 60,
            },
          ],
        },
      });
      expect(saved.status, saved.text).toBe(201);
      const id = await startRun(p, "ui-ends-between-polls");
      await waitForRunState(p, id, (run) => run.steps?.some((s: any) => s.status === "RUNNING"));
      const whileRunning = await p.api("GET", `/v1/runs/${id}/events`);
      expect(JSON.stringify(whileRunning.body)).not.toContain("ExecutionSucceeded");
      // Frozen until the browser is handed a run record that says the run ended: a history read after that is the
      // server's own, as it would be after the end.
      let frozen = true;
      await page.route(`**/v1/runs/${id}`, async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        if (body.status !== "RUNNING") frozen = false;
        await route.fulfill({ response, json: body });
      });
      await page.route(`**/v1/runs/${id}/events`, async (route) => {
        if (!frozen) return route.continue();
        await route.fulfill({ status: 200, contentType: "application/json", json: whileRunning.body });
      });
      try {
        await visit(`/runs/${id}?view=events`, /Run of/);
        // The history while running: the run's first task state (the servers' start) and the step's.
        await page.getByRole("cell", { name: "TaskStateEntered" }).first().waitFor();
        await page.locator("h1 .badge", { hasText: "SUCCEEDED" }).waitFor({ timeout: 60_000 });
        // The history after the end: its last event, and the step's bar closed as it ended.
        await page.getByRole("cell", { name: "ExecutionSucceeded" }).waitFor({ timeout: 10_000 });
        await page.getByRole("link", { name: "Timeline" }).click();
        const bar = page.locator('[data-row="wait"] rect[data-kind="attempt"]');
        await bar.first().waitFor();
        expect(await bar.first().getAttribute("data-status")).toBe("SUCCEEDED");
      } finally {
        await page.unroute(`**/v1/runs/${id}`);
        await page.unroute(`**/v1/runs/${id}/events`);
      }
    });

    it("cancels a running run from the monitor", async () => {
      const saved = await p.api("POST", "/v1/workflows", {
        body: {
          name: "ui-long",
          steps: [
            {
              id: "long",
              server: EVERYTHING,
              tool: "trigger-long-running-operation",
              arguments: { duration: 60, steps: 1 },
              timeout_seconds: 120,
            },
          ],
        },
      });
      expect(saved.status, saved.text).toBe(201);
      const id = await startRun(p, "ui-long");
      await waitForRunState(p, id, (run) => run.steps?.some((s: any) => s.status === "RUNNING"));
      await visit(`/runs/${id}`, /Run of/);
      await page.getByRole("button", { name: "Cancel run" }).click();
      await page.locator("h1 .badge", { hasText: "CANCELLED" }).waitFor({ timeout: 60_000 });
      const run = await p.api("GET", `/v1/runs/${id}`);
      expect(run.body.status).toBe("CANCELLED");
    });

    it("edits an MCD, and resolves a conflict with someone's save in a merge view without losing the edit", async () => {
      const created = await p.api("POST", "/v1/mcds", {
        body: { slug: "ui-notes", title: "UI notes", body: "# UI notes\n\nFirst line.\n" },
      });
      expect(created.status, created.text).toBe(201);
      await visit("/mcds/ui-notes?mode=edit", "UI notes");
      await page.locator(".cm-content").fill("# UI notes\n\nFirst line.\n\nMy console edit.\n");
      await page.locator("article.preview").getByText("My console edit.").waitFor();
      // Someone saves version 2 meanwhile.
      const theirs = await p.api("PUT", "/v1/mcds/ui-notes", {
        body: { title: "UI notes", body: "# UI notes\n\nFirst line, edited elsewhere.\n" },
        headers: { "if-match": "1" },
      });
      expect(theirs.status, theirs.text).toBe(200);
      await page.getByRole("button", { name: "Save (on version 1)" }).click();
      await page.getByRole("heading", { name: "Someone saved version 2 while you were editing" }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole("button", { name: "Save the merge" }).click();
      await page.waitForURL(/mode=read/);
      await page.getByText("version 3").waitFor();
      const latest = await p.api("GET", "/v1/mcds/ui-notes");
      expect(latest.body.version).toBe(3);
      expect(latest.body.body).toContain("My console edit.");
    });

    it("finds things from any page with Ctrl+K", async () => {
      await visit("/", "Dashboard");
      await page.keyboard.press("Control+k");
      await page.getByRole("combobox").fill("everything");
      await page.getByRole("option").first().waitFor();
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/servers\//);
      await visit("/search?q=echo", "Search");
      await page.getByText(/\d+ results?/).waitFor();
    });

    it("filters the audit log in the API: the URL's filters are the query it sends, and the rows are what it answers", async () => {
      const sent: URLSearchParams[] = [];
      const record = (request: { url(): string }) => {
        const url = new URL(request.url());
        if (url.pathname === "/v1/audit") sent.push(url.searchParams);
      };
      page.on("request", record);
      try {
        await visit("/admin?tab=audit&action=servers.&outcome=success", "Admin");
        await page.locator("tbody tr").first().waitFor();
        expect(sent.at(-1)?.get("action")).toBe("servers.");
        expect(sent.at(-1)?.get("outcome")).toBe("success");
        const actions = await page.locator("tbody tr td:nth-child(3)").allTextContents();
        expect(actions.length).toBeGreaterThan(0);
        expect(actions.every((action) => action.startsWith("servers."))).toBe(true);
        // A filter typed in goes to the URL and to the API: an actor nobody is has no entry.
        await page.getByLabel("Actor", { exact: true }).fill("nobody-at-all");
        await page.waitForURL(/actor=nobody-at-all/);
        await page.getByText("No entry matches.").waitFor();
        expect(sent.at(-1)?.get("actor")).toBe("nobody-at-all");
        expect(await page.locator("tbody tr").count()).toBe(0);
        // A range the API refuses is shown as its problem, naming the field.
        await page.goto(`${p.url}/admin?tab=audit&from=2026-11-27T09:00:00Z&to=2026-11-27T08:00:00Z`);
        await page
          .getByText(/query\.to/)
          .first()
          .waitFor();
      } finally {
        page.off("request", record);
      }
    });

    it("passes axe on every other page", async () => {
      for (const [path, heading] of [
        ["/workflows", "Workflows"],
        ["/workflows/ui-diamond?tab=yaml", "ui-diamond"],
        ["/workflows/ui-diamond?tab=asl", "ui-diamond"],
        ["/runs", "Runs"],
        ["/mcds", "MCDs"],
        ["/mcds/ui-notes", "UI notes"],
        ["/mcds/ui-notes?mode=versions", "UI notes"],
        [`/servers/${encodeURIComponent(EVERYTHING_NAME)}?tab=connect`, /Everything/],
        ["/admin?tab=keys", "Admin"],
        ["/admin?tab=audit", "Admin"],
        ["/admin?tab=approvals", "Admin"],
      ] as const) {
        await visit(path, heading);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      await visit("/servers", "Catalog");
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(
        browser.errors.filter((e) => !/^4\d\d /.test(e) && !e.startsWith("Failed to load resource")),
      ).toEqual([]);
    });

    it("shows a viewer no edit, run or admin action", async () => {
      const viewer = await openBrowser();
      try {
        const v = viewer.page;
        await v.goto(`${p.url}/workflows/ui-diamond`);
        await v.getByLabel("Token or API key").fill(p.tokens.viewer);
        await v.getByRole("button", { name: "Sign in" }).click();
        await v.locator("main > h1", { hasText: "ui-diamond" }).waitFor();
        await v.getByRole("link", { name: "YAML", exact: true }).waitFor();
        expect(await v.getByRole("button", { name: /Run v/ }).count()).toBe(0);
        expect(await v.getByRole("link", { name: "Edit YAML" }).count()).toBe(0);
        expect(await v.getByRole("link", { name: "Admin" }).count()).toBe(0);
        await v.goto(`${p.url}/servers/${encodeURIComponent(UI_NAME)}`);
        await v.locator("main > h1", { hasText: /Everything/ }).waitFor();
        await v.getByRole("link", { name: "Connect" }).waitFor();
        for (const name of ["Probe tools", /Approve runtime/])
          expect(await v.getByRole("button", { name }).count()).toBe(0);
        expect(await v.getByRole("link", { name: "Try", exact: true }).count()).toBe(0);
        expect(await v.getByRole("link", { name: "Secrets" }).count()).toBe(0);
        await v.goto(`${p.url}/mcds/ui-notes`);
        await v.locator("main > h1", { hasText: "UI notes" }).waitFor();
        expect(await v.getByRole("link", { name: "Edit" }).count()).toBe(0);
        await v.goto(`${p.url}/mcds`);
        await v.locator("main > h1", { hasText: "MCDs" }).waitFor();
        expect(await v.getByRole("link", { name: "New MCD" }).count()).toBe(0);
        const runs = await p.api("GET", "/v1/runs?workflow=ui-diamond");
        await v.goto(`${p.url}/runs/${runs.body.runs[0].id}`);
        await v.locator("h1 .badge").waitFor();
        expect(await v.getByRole("button", { name: /Run again|Cancel/ }).count()).toBe(0);
        // Not one refusal on the way: the console never asks for what the role cannot do.
        expect(viewer.errors.filter((e) => e.startsWith("403"))).toEqual([]);
      } finally {
        await viewer.close();
      }
    });
  },
  UI_TIMEOUT_MS * 4,
);
