// The workflow builder in headless Chromium against the embedded platform: the everything-diamond example built
// from an empty workflow with the canvas and its forms only (steps from the catalog, arguments from the tools'
// input schemas, an edge drawn on the canvas, the panel's when, for_each, retry, timeout and on_error), saved, run
// to SUCCEEDED, and its saved definition compared with the example's; undo and redo across canvas and text; a
// text that does not parse leaves the canvas read-only, saying where. MCPFLOW_SCREENSHOTS=<dir> keeps screenshots.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, openBrowser, type TestBrowser } from "../helpers/browser.js";
import { EVERYTHING_NAME, publishExampleServers, REPO_ROOT, waitForRun } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "mcpflow-builder-"));
  p = await startTestPlatform();
  await publishExampleServers(p, join(scratch, "memory.json"));
  browser = await openBrowser({ viewport: { width: 1440, height: 900 } });
  page = browser.page;
  await page.goto(await p.signInLink());
  await page.getByText("Signed in as local-admin (admin).").waitFor();
});

afterAll(async () => {
  await browser?.close();
  await p?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

async function screenshot(name: string): Promise<void> {
  const dir = process.env.MCPFLOW_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`) });
}

// CodeMirror draws a line per element: the rendered text has the newlines, textContent would join the lines.
// biome-ignore lint/performance/useDomNodeTextContent: the newlines are the point
const editorText = () => page.locator(".cm-content").innerText();
const inText = (text: string) => page.locator(".cm-content", { hasText: text }).waitFor();

async function addStep(id: string, tool: string): Promise<void> {
  const server = page.locator("#builder-add-server");
  await server.locator(`option[value="${EVERYTHING_NAME}"]`).waitFor({ state: "attached" });
  await server.selectOption(EVERYTHING_NAME);
  await page.locator(`#builder-add-tool option[value="${tool}"]`).waitFor({ state: "attached" });
  await page.locator("#builder-add-tool").selectOption(tool);
  await page.locator("#builder-add-id").fill(id);
  await page.getByRole("button", { name: "Add step" }).click();
  // The new step is selected: its panel opens once its tool's schema is loaded.
  await page
    .getByRole("group", { name: `Step ${id}` })
    .or(page.getByText(`Step ${id}`, { exact: true }))
    .first()
    .waitFor();
}

async function setArguments(values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await page.locator(`#builder-arg-${name}`).fill(value);
  await page.getByRole("button", { name: "Apply arguments" }).click();
}

async function dependOn(dependency: string): Promise<void> {
  await page.locator("#builder-dependency").selectOption(dependency);
  await page.getByRole("button", { name: "Add dependency" }).click();
}

async function addInput(name: string, type: string): Promise<void> {
  await page.locator("#builder-input-name").fill(name);
  await page.locator("#builder-input-type").selectOption(type);
  await page.getByRole("button", { name: "Add input" }).click();
  await page
    .locator("code", { hasText: new RegExp(`^${name}$`) })
    .first()
    .waitFor();
}

async function addOutput(key: string, value: string): Promise<void> {
  await page.locator("#builder-output-key").fill(key);
  await page.locator("#builder-output-value").fill(value);
  await page.getByRole("button", { name: "Add output" }).click();
  await page.getByRole("button", { name: `Remove output ${key}` }).waitFor();
}

/** Drags from one step's bottom handle to another's top handle on the canvas: `target` then depends on `source`. */
async function drawEdge(source: string, target: string): Promise<void> {
  const from = page.locator(`.react-flow__node[data-id="${source}"] .react-flow__handle.source`);
  const to = page.locator(`.react-flow__node[data-id="${target}"] .react-flow__handle.target`);
  await page.locator(".builder-canvas .graph").scrollIntoViewIfNeeded();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

describe("the workflow builder", { timeout: 240_000 }, () => {
  it("builds everything-diamond from an empty workflow with the canvas and forms, saves it and runs it", async () => {
    await page.goto(`${p.url}/create/workflow`);
    await page.getByRole("heading", { name: "New workflow" }).waitFor();
    await page.getByRole("region", { name: "Workflow builder" }).waitFor();
    const before = await editorText();
    expect(before).toContain("steps: []");

    await page.locator("#builder-name").fill("everything-diamond");
    await page.getByRole("button", { name: "Apply name" }).click();
    await page
      .locator("#builder-description")
      .fill("Greets, adds two numbers and echoes every word in parallel, then reports.");
    await page.getByRole("button", { name: "Apply description" }).click();
    await addInput("name", "string");
    await addInput("a", "number");
    await addInput("b", "number");
    await addInput("words", "list of strings");

    await addStep("greet", "echo");
    await setArguments({ message: "Hello {{ input.name }}" });

    await addStep("sum", "get-sum");
    await dependOn("greet");
    await setArguments({ a: "{{ input.a }}", b: "{{ input.b }}" });
    await page.locator("#builder-retry-attempts").fill("3");
    await page.locator("#builder-retry-interval").fill("2");
    await page.locator("#builder-retry-backoff").fill("2");
    await page.getByRole("button", { name: "Apply retry" }).click();
    await page.locator("#builder-timeout").fill("120");
    await page.getByRole("button", { name: "Apply timeout" }).click();
    await inText("timeout_seconds: 120");

    // Undo takes back the last canvas action in the text, redo puts it back: one history for both.
    await page.getByRole("button", { name: "Undo" }).click();
    await page.locator(".cm-content", { hasText: "timeout_seconds: 120" }).waitFor({ state: "detached" });
    expect(await editorText()).toContain("retry: { max_attempts: 3, interval_seconds: 2, backoff_rate: 2 }");
    await page.getByRole("button", { name: "Redo" }).click();
    await inText("timeout_seconds: 120");

    await addStep("shout", "echo");
    await dependOn("greet");
    await page.locator("#builder-for-each-items").fill("{{ input.words }}");
    await page.locator("#builder-for-each-concurrency").fill("4");
    await page.getByRole("button", { name: "Apply for each" }).click();
    await inText("for_each:");
    await setArguments({ message: "{{ item }}!" });

    await addStep("report", "echo");
    // One edge drawn on the canvas, one added from the panel.
    await drawEdge("sum", "report");
    await page.getByRole("button", { name: "Remove dependency on sum" }).waitFor();
    await dependOn("shout");
    // The panel offers the references of what is upstream, and only that.
    const offered = await page
      .locator("#builder-arg-message-references option")
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(offered).toContain("{{ steps.sum.output.text }}");
    expect(offered).toContain("{{ steps.greet.output.text }}");
    expect(offered).toContain("{{ input.name }}");
    expect(offered).not.toContain("{{ steps.report.output.text }}");
    await page.locator("#builder-when-path").fill("{{ steps.sum.status }}");
    await page.locator("#builder-when-op").selectOption("equals");
    await page.locator("#builder-when-value").fill("SUCCEEDED");
    await page.getByRole("button", { name: "Apply when" }).click();
    await page.locator("#builder-on-error").selectOption("continue");
    await setArguments({
      message:
        "{{ steps.greet.output.text }}; sum {{ steps.sum.output.text }}; first word {{ steps.shout.output[0].text }}",
    });

    await addOutput("greeting", "{{ steps.greet.output.text }}");
    await addOutput("sum", "{{ steps.sum.output.text }}");
    await addOutput("words", "{{ steps.shout.output }}");
    await addOutput("report", "{{ steps.report }}");

    await page.getByText("Valid: 4 steps.").waitFor();
    expect(await page.locator(".react-flow__edge").count()).toBe(4);
    await page.mouse.wheel(0, -100_000);
    await screenshot("workflow-builder");
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Create workflow" }).click();
    await page.waitForURL(/\/workflows\/everything-diamond/);

    const saved = await p.api("GET", "/v1/workflows/everything-diamond");
    const example = await readFile(join(REPO_ROOT, "examples/workflows/everything-diamond.yaml"), "utf8");
    const pinned = await p.api("POST", "/v1/workflows/validate", {
      rawBody: example,
      contentType: "application/yaml",
    });
    expect(pinned.status, pinned.text).toBe(200);
    expect(saved.body.definition).toEqual(pinned.body.definition);
    // The text is what the canvas wrote into the template: its comment lines are still there.
    expect(saved.body.source.origin).toBe("saved");
    expect(saved.body.source.text.startsWith(before.split("\n")[0]!)).toBe(true);

    const run = await p.api("POST", "/v1/workflows/everything-diamond/runs", {
      body: { input: { name: "Ada", a: 2, b: 3, words: ["alpha", "beta"] } },
      role: "operator",
    });
    expect(run.status, run.text).toBe(202);
    const ended = await waitForRun(p, run.body.id, { timeoutMs: 90_000 });
    expect(ended.status).toBe("SUCCEEDED");
    expect(ended.output.sum).toContain("5");
    // The only refusals: the live validation of the drafts that were not a workflow yet (no step, no argument).
    expect(browser.errors.filter((e) => !/workflows\/validate|status of (400|422)/.test(e))).toEqual([]);
  });

  it("removes an edge drawn on the canvas with Delete, and keeps the canvas read-only while the text is broken", async () => {
    await page.goto(`${p.url}/workflows/everything-diamond?tab=yaml`);
    await page.getByRole("region", { name: "Workflow builder" }).waitFor();
    // Keyboard selection of an edge (React Flow's: focus, Enter), then Delete.
    await page.locator('.react-flow__edge[aria-label="report depends on shout"]').focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Delete");
    await inText("depends_on: [ sum ]");

    const editor = page.locator(".cm-content");
    await editor.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\nsteps: [unclosed\n");
    const alert = page
      .getByRole("alert")
      .filter({ hasText: "The canvas is read-only until the text parses" });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/line \d+/);
    expect(await page.getByRole("button", { name: "Add step" }).count()).toBe(0);
    // The last text that parsed stays drawn, not editable.
    expect(await page.locator(".builder-canvas .react-flow__node").count()).toBe(4);
    expect(await page.locator(".react-flow__handle.connectable").count()).toBe(0);
    await screenshot("workflow-builder-invalid");
  });
});
