// Headless Chromium for the console's browser tests: Debian's /usr/bin/chromium driven by playwright-core (never
// `playwright install`), with the flags DEVELOPERS.md lists and a fresh profile per browser. Also the checks
// every page gets: no console error (a CSP violation included) and no serious or critical axe-core violation.
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.MCPFLOW_CHROMIUM ?? "/usr/bin/chromium";

/** The flags every test browser starts with (DEVELOPERS.md): no GPU, no network of its own, no first-run UI. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Generous on a loaded 2-core machine: waits are on conditions, so a fast run still ends fast. */
export const UI_TIMEOUT_MS = 30_000;

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /**
   * Errors the pages logged (CSP violations among them) and answers of 400 or more, for tests to assert empty (or
   * to find the refusal they expect).
   */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "mcpflow-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The profile folder is the fresh --user-data-dir: Playwright passes it to Chromium itself.
    args: CHROMIUM_FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    // Chrome logs a failed load without its URL; this says which one.
    page.on("response", (response) => {
      if (response.status() >= 400)
        errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
  };
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  return {
    context,
    page,
    errors,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const require = createRequire(import.meta.url);
const AXE_SOURCE_PATH = require.resolve("axe-core/axe.min.js");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2 A/AA rules) in the page and answers the serious and critical violations. The script is
 * evaluated through the DevTools protocol, which the page's CSP does not govern, so the CSP stays as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(AXE_SOURCE_PATH, "utf8");
  await page.evaluate(source);
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, options: unknown): Promise<any> } }).axe;
    const result = await axe.run((globalThis as any).document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n: any) => n.target.join(" ")),
    }));
  })) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
