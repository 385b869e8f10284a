// Signing in to the console: `npm start` (a real child process) prints a one-time link; opening it signs in as the
// local admin, the code leaves the address bar, and the same link does not work twice. A pasted token works too.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, openBrowser, type TestBrowser } from "../helpers/browser.js";
import { type PlatformProcess, spawnPlatform } from "../helpers/platform-process.js";

let home: string;
let platform: PlatformProcess;
let browser: TestBrowser;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "mcpflow-signin-"));
  platform = await spawnPlatform(home);
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  platform?.child.kill("SIGTERM");
  await platform?.exited;
  await rm(home, { recursive: true, force: true });
});

function printedLink(): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/sign-in#code=[A-Za-z0-9_-]{43})/.exec(platform.stdout());
  if (!match) throw new Error(`npm start printed no sign-in link:\n${platform.stdout()}`);
  return match[1]!;
}

describe("the console's sign-in", () => {
  it("signs in with the link npm start prints, and removes the code from the address bar", async () => {
    const link = printedLink();
    // The admin token itself is never in a URL.
    const token = (await readFile(join(home, "dev-token"), "utf8")).trim();
    expect(link).not.toContain(token);

    const { page } = browser;
    await page.goto(link);
    await page.getByText("Signed in as local-admin (admin).").waitFor();
    expect(page.url()).toBe(`${platform.url}/`);
    await page.getByRole("link", { name: "Admin" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it("refuses the same link a second time, in another browser, and says so", async () => {
    const other = await openBrowser();
    try {
      await other.page.goto(printedLink());
      await other.page.getByText("The sign-in link did not work").waitFor();
      await other.page.getByLabel("Token or API key").waitFor();
      expect(await axeViolations(other.page)).toEqual([]);
    } finally {
      await other.close();
    }
    const again = await fetch(`${platform.url}/v1/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: /code=(.+)$/.exec(printedLink())![1] }),
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).errors[0].field).toBe("body.code");
    // The exchange is audited, the refusal too.
    const audit = await platform.api("GET", "/v1/audit");
    const signIns = audit.body.items.filter((entry: any) => entry.action === "sign-in");
    expect(signIns.map((entry: any) => entry.outcome).sort()).toEqual(["failure", "failure", "success"]);
  });

  it("signs in with a pasted token", async () => {
    const other = await openBrowser();
    try {
      await other.page.goto(`${platform.url}/runs?status=RUNNING`);
      const token = (await readFile(join(home, "dev-token"), "utf8")).trim();
      await other.page.getByLabel("Token or API key").fill(token);
      await other.page.getByRole("button", { name: "Sign in" }).click();
      // The shared link keeps its place and its filter.
      await other.page.getByRole("heading", { name: "Runs" }).waitFor();
      expect(await other.page.getByLabel("Status").inputValue()).toBe("RUNNING");
    } finally {
      await other.close();
    }
  });
});
