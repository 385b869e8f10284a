// `npx tsx scripts/console-screenshots.ts`: the screenshots of docs/console.md. Starts an embedded platform in a
// scratch home, loads the examples, runs a workflow, writes an MCD, signs in with a one-time link and photographs
// every page at 1280×800 (and a few at 390×844) into docs/console/. Names given as arguments take only those
// (`npx tsx scripts/console-screenshots.ts dependencies server-impact`), leaving the other files as they are.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildConsoleIfStale } from "../local/web-build.js";
import { openBrowser } from "../tests/helpers/browser.js";
import {
  publishExampleServers,
  saveExampleWorkflow,
  startRun,
  waitForRun,
} from "../tests/helpers/examples.js";
import { startTestPlatform } from "../tests/helpers/platform.js";

process.env.MCPFLOW_ALLOW_LOOPBACK_HTTP = "1";
const OUT = join(import.meta.dirname, "../docs/console");
await buildConsoleIfStale((line) => process.stdout.write(`${line}\n`));
const scratch = await mkdtemp(join(tmpdir(), "mcpflow-shots-"));
const p = await startTestPlatform();
const browser = await openBrowser();
try {
  await publishExampleServers(p, join(scratch, "memory.json"));
  await saveExampleWorkflow(p, "everything-diamond.yaml");
  await saveExampleWorkflow(p, "memory-sequence.json");
  const runId = await startRun(p, "everything-diamond", {
    name: "Ada",
    a: 2,
    b: 3,
    words: ["alpha", "beta", "gamma"],
  });
  await waitForRun(p, runId);
  const mcd = await readFile(join(import.meta.dirname, "../docs/mcds.md"), "utf8").catch(() => "# Notes\n");
  await p.api("POST", "/v1/mcds", {
    body: {
      slug: "weather-runbook",
      title: "Everything server runbook",
      tags: ["runbook", "examples"],
      links: {
        servers: ["io.github.modelcontextprotocol/server-everything"],
        workflows: ["everything-diamond"],
        mcds: [],
      },
      body: `# Everything server runbook\n\nThe **everything** reference server echoes, adds and more.\n\n- Use \`echo\` to greet.\n- Use \`get-sum\` to add.\n\n${mcd.slice(0, 600)}`,
    },
  });
  const EVERYTHING = "io.github.modelcontextprotocol/server-everything";
  // The admin's own dashboard: the everything-diamond workflow and the everything server pinned, runs first.
  await p.api("PUT", "/v1/me/preferences", {
    headers: { "if-match": "0" },
    body: {
      dashboard: {
        panels: ["recent-runs", "pinned", "failing-workflows", "new-servers"],
        pinned: { workflows: ["everything-diamond"], servers: [EVERYTHING] },
      },
    },
  });
  const only = new Set(process.argv.slice(2));
  const page = browser.page;
  await page.goto(await p.signInLink());
  await page.getByText("Signed in as").waitFor();
  const shots: [string, string, (() => Promise<void>)?][] = [
    ["dashboard", "/"],
    ["catalog", "/servers"],
    [
      "server-tools",
      `/servers/${encodeURIComponent("io.github.modelcontextprotocol/server-everything")}?tab=tools`,
    ],
    [
      "server-connect",
      `/servers/${encodeURIComponent("io.github.modelcontextprotocol/server-everything")}?tab=connect`,
    ],
    [
      "server-try",
      `/servers/${encodeURIComponent("io.github.modelcontextprotocol/server-everything")}?tab=try&tool=get-sum`,
    ],
    ["workflows", "/workflows"],
    ["workflow-graph", "/workflows/everything-diamond"],
    ["workflow-yaml", "/workflows/everything-diamond?tab=yaml"],
    ["runs", "/runs"],
    ["run-timeline", `/runs/${runId}?view=timeline&step=shout`],
    ["run-graph", `/runs/${runId}?view=graph`],
    ["run-table", `/runs/${runId}?view=table`],
    ["mcds", "/mcds"],
    ["mcd", "/mcds/weather-runbook"],
    ["mcd-edit", "/mcds/weather-runbook?mode=edit"],
    ["search", "/search?q=echo"],
    ["admin-audit", "/admin?tab=audit"],
    [
      "dashboard-arrange",
      "/",
      async () => {
        await page.getByRole("button", { name: "Arrange" }).click();
        await page.getByRole("heading", { name: "Arrange your dashboard" }).waitFor();
      },
    ],
    ["dependencies", "/dependencies"],
    [
      "server-impact",
      `/servers/${encodeURIComponent(EVERYTHING)}?tab=versions`,
      async () => {
        await page
          .getByRole("button", { name: /^Delete .*…$/ })
          .first()
          .click();
        await page
          .getByRole("dialog")
          .getByRole("link", { name: /everything-diamond v1/ })
          .waitFor();
      },
    ],
  ];
  for (const [name, path, act] of shots) {
    if (only.size > 0 && !only.has(name)) continue;
    await page.goto(`${p.url}${path}`);
    await page.locator("main h1").first().waitFor();
    await page.waitForLoadState("networkidle");
    await act?.();
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
    process.stdout.write(`docs/console/${name}.png\n`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [name, path] of [
    ["mobile-catalog", "/servers"],
    ["mobile-run", `/runs/${runId}?view=table`],
  ] as const) {
    if (only.size > 0 && !only.has(name)) continue;
    await page.goto(`${p.url}${path}`);
    await page.locator("main h1").first().waitFor();
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    process.stdout.write(`docs/console/${name}.png\n`);
  }
  if (browser.errors.length > 0) process.stdout.write(`errors:\n${browser.errors.join("\n")}\n`);
} finally {
  await browser.close();
  await p.cleanup();
  await rm(scratch, { recursive: true, force: true });
}
