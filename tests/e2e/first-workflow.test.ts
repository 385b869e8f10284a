// docs/first-workflow.md run as written: its first `sh` block (`npm start`) as the platform, in a fresh
// MCPFLOW_HOME on a free PORT, and every other `sh` block, in order, as one bash script in the checkout, as a user
// pasting them into a second terminal would. The run the guide starts must end as the guide's JSON block says.
// Then the README's tour, pasted the same way into the same platform.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/platform-process.js";
import { freePort } from "../helpers/ports.js";

const GUIDE = join(ROOT, "docs/first-workflow.md");

/** The fenced blocks of a Markdown text with the given info string, in order. */
function blocks(markdown: string, info: string): string[] {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)]
    .filter((match) => match[1]!.trim() === info)
    .map((match) => match[2]!);
}

let home: string;
let port: number;
let platform: ChildProcess | undefined;
let platformOut = "";
let platformErr = "";

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "mcpflow-first-workflow-"));
  port = await freePort();
  const [start] = blocks(await readFile(GUIDE, "utf8"), "sh");
  expect(start?.trim()).toBe("npm start");
  // Its own process group, so the stop below reaches npm, its shell and the platform alike.
  platform = spawn("bash", ["-c", start!], {
    cwd: ROOT,
    env: { ...process.env, MCPFLOW_HOME: home, PORT: String(port) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  platform.stderr?.on("data", (chunk: Buffer) => {
    platformErr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not come up:\n${platformOut}${platformErr}`)),
      90_000,
    );
    platform!.stdout?.on("data", (chunk: Buffer) => {
      platformOut += chunk.toString();
      if (platformOut.includes("mcpflow local platform:")) {
        clearTimeout(timer);
        resolve();
      }
    });
    platform!.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited ${code}:\n${platformOut}${platformErr}`));
    });
  });
}, 120_000);

afterAll(async () => {
  if (platform?.pid !== undefined && platform.exitCode === null) {
    const exited = new Promise((resolve) => platform!.once("exit", resolve));
    process.kill(-platform.pid, "SIGTERM");
    await exited;
  }
  await rm(home, { recursive: true, force: true });
}, 30_000);

describe("docs/first-workflow.md, as written", () => {
  it("starts with npm start, which says where it is and that it keeps the terminal, without the SDK's Node notice", () => {
    expect(platformOut).toContain(`mcpflow local platform: http://127.0.0.1:${port}`);
    expect(platformOut).toContain("This terminal stays with the platform");
    expect(platformErr).not.toContain("NodeVersionSupportWarning");
  });

  it("publishes, saves and runs the workflow its blocks describe, ending as its JSON says", async () => {
    const markdown = await readFile(GUIDE, "utf8");
    const script = blocks(markdown, "sh").slice(1).join("\n");
    const result = spawnSync("bash", ["-e", "-o", "pipefail", "-c", script], {
      cwd: ROOT,
      env: { ...process.env, MCPFLOW_HOME: home, PORT: String(port) },
      encoding: "utf8",
      timeout: 240_000,
    });
    const transcript = `exit ${result.status}\n${result.stdout}\n${result.stderr}`;
    expect(result.status, transcript).toBe(0);
    expect(result.stdout, transcript).not.toContain("mcpflow.dev/problems/");
    expect(result.stdout).toMatch(/"role":\s*"admin"/);
    expect(result.stdout).toContain('"mayRun": true');
    expect(result.stdout).toMatch(/"write_file"[\s\S]*"read_text_file"|"read_text_file"[\s\S]*"write_file"/);

    // The last thing the script printed is the run, filtered as the guide filters it: the guide's JSON block.
    const [expected] = blocks(markdown, "json");
    const printed = result.stdout.slice(result.stdout.lastIndexOf('{\n  "status"'));
    expect(JSON.parse(printed)).toEqual(JSON.parse(expected!));
  }, 300_000);
});

describe("the README's tour, as written", () => {
  it("runs against the same npm start without one problem answered, and its run succeeds", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const [tour] = blocks(readme.slice(readme.indexOf("## A tour with curl")), "sh");
    const result = spawnSync("bash", ["-e", "-o", "pipefail", "-c", `${tour}\necho; echo "RUN=$RUN"`], {
      cwd: ROOT,
      env: { ...process.env, MCPFLOW_HOME: home, PORT: String(port) },
      encoding: "utf8",
      timeout: 240_000,
    });
    const transcript = `exit ${result.status}\n${result.stdout}\n${result.stderr}`;
    expect(result.status, transcript).toBe(0);
    expect(result.stdout, transcript).not.toContain("mcpflow.dev/problems/");
    const run = /^RUN=(\S+)$/m.exec(result.stdout)?.[1];
    expect(run, transcript).toMatch(/^[a-z0-9]+-[0-9a-f-]{36}$/);
    expect(result.stdout).toContain(
      `"id":"${run}","workflow":"everything-diamond","version":1,"status":"SUCCEEDED"`,
    );
  }, 300_000);
});
