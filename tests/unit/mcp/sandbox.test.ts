// How the platform decides to isolate server processes on a host (decision 0005), and that each running server gets
// a uid of its own. The namespaced starts themselves are proven in tests/integration/trust/child-sandbox.test.ts.
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createSandbox, prepareSandbox, type SandboxTools } from "../../../shared/mcp/sandbox.js";

const NONE: SandboxTools = {};
const macOS = { os: "darwin" as const, root: false, tools: NONE };

describe("createSandbox", () => {
  it("refuses every start where an ordinary user gets no namespaces, naming the operator's opt-out", async () => {
    const sandbox = createSandbox({ hide: ["/h"], env: {}, host: macOS });
    expect(sandbox.isolation).toBe("none");
    expect(sandbox.refusal).toMatch(
      /cannot isolate a server process here: .*namespaces are Linux's \(this is darwin\)/,
    );
    expect(sandbox.refusal).toContain("MCPFLOW_SANDBOX=off");
    await expect(prepareSandbox(sandbox, "node", [])).rejects.toThrow(/MCPFLOW_SANDBOX=off/);
  });

  it("runs servers unisolated only when the operator says MCPFLOW_SANDBOX=off, and says so", async () => {
    const sandbox = createSandbox({
      hide: ["/h"],
      env: { MCPFLOW_SANDBOX: "off" },
      host: macOS,
      packages: resolve("node_modules"),
    });
    expect(sandbox.refusal).toBeUndefined();
    expect(sandbox.summary).toMatch(/run as the platform's own user and can read what it can/);
    const prepared = await prepareSandbox(sandbox, "node", ["server.js"]);
    try {
      // Still a scratch working directory, HOME and temp folder of its own.
      expect(prepared.command).toBe("node");
      expect(prepared.cwd).toMatch(/mcpflow-server-/);
      expect(prepared.env.HOME).toBe(prepared.cwd);
      // Its only entry: the platform's packages, so `node_modules/…` paths resolve and nothing else does.
      expect(await readdir(prepared.cwd)).toEqual(["node_modules"]);
      expect(await realpath(join(prepared.cwd, "node_modules"))).toBe(await realpath("node_modules"));
    } finally {
      await prepared.dispose();
    }
  });

  it("refuses as root without setpriv rather than run a server as root", () => {
    const sandbox = createSandbox({ hide: [], env: {}, host: { os: "linux", root: true, tools: NONE } });
    expect(sandbox.refusal).toMatch(/setpriv \(util-linux\) is needed/);
  });

  it("falls back to a uid per server as root when namespaces are not there", () => {
    const sandbox = createSandbox({
      hide: [],
      env: { MCPFLOW_SANDBOX_UID: "300000", MCPFLOW_SANDBOX_UIDS: "2" },
      host: { os: "linux", root: true, tools: { setpriv: "/usr/bin/setpriv" } },
    });
    expect(sandbox.isolation).toBe("uid");
    expect(sandbox.uids).toEqual({ firstUid: 300000, firstGid: 300000, count: 2 });
  });

  it("names a bad setting instead of guessing", () => {
    expect(() => createSandbox({ hide: [], env: { MCPFLOW_SANDBOX: "no" }, host: macOS })).toThrow(
      /MCPFLOW_SANDBOX must be one of auto, uid, off/,
    );
    expect(() =>
      createSandbox({
        hide: [],
        env: { MCPFLOW_SANDBOX_UID: "0" },
        host: { os: "linux", root: true, tools: { setpriv: "/usr/bin/setpriv" } },
      }),
    ).toThrow(/MCPFLOW_SANDBOX_UID must be a positive integer/);
  });
});

describe.skipIf(process.platform !== "linux" || process.getuid?.() !== 0)("uid per running server", () => {
  it("gives each running server its own uid and refuses one more than the range holds", async () => {
    const sandbox = createSandbox({
      hide: [],
      env: { MCPFLOW_SANDBOX: "uid", MCPFLOW_SANDBOX_UID: "300000", MCPFLOW_SANDBOX_UIDS: "2" },
    });
    const a = await prepareSandbox(sandbox, "node", []);
    const b = await prepareSandbox(sandbox, "node", []);
    try {
      expect(new Set([a.uid, b.uid])).toEqual(new Set([300000, 300001]));
      await expect(prepareSandbox(sandbox, "node", [])).rejects.toThrow(/all 2 sandbox uids are in use/);
      await a.dispose();
      // A freed uid is reused only after the others, and is free again.
      const c = await prepareSandbox(sandbox, "node", []);
      expect(c.uid).toBe(a.uid);
      await c.dispose();
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});

describe("a platform installed inside the temp folder (a CI clone under /tmp)", () => {
  it("still reaches its packages in a namespaced server, while its home there stays hidden", async () => {
    const sandbox0 = createSandbox({ hide: [], env: {} });
    if (sandbox0.isolation !== "namespaces") return; // proven where the host gives namespaces (CI does, as root)
    const install = await mkdtemp(join(tmpdir(), "mcpflow-install-"));
    try {
      const home = join(install, ".mcpflow");
      await mkdir(home);
      await writeFile(join(home, "dev-token"), "secret");
      await mkdir(join(install, "node_modules", "probe"), { recursive: true });
      await writeFile(join(install, "node_modules", "probe", "index.js"), "console.log('reached');");
      await chmod(install, 0o755);
      await chmod(join(install, "node_modules"), 0o755);
      await chmod(join(install, "node_modules", "probe"), 0o755);
      await chmod(join(install, "node_modules", "probe", "index.js"), 0o644);
      const sandbox = createSandbox({ hide: [home], packages: join(install, "node_modules"), env: {} });
      const script = `const fs=require("fs");console.log(fs.existsSync(${JSON.stringify(join(home, "dev-token"))})?"home":"no-home");require(${JSON.stringify(join(install, "node_modules", "probe", "index.js"))})`;
      const prepared = await prepareSandbox(sandbox, process.execPath, ["-e", script]);
      try {
        const out = spawnSync(prepared.command, prepared.args, {
          cwd: prepared.cwd,
          env: { PATH: process.env.PATH, ...prepared.env },
          encoding: "utf8",
        });
        expect(out.stderr).toBe("");
        expect(out.stdout.split("\n").filter(Boolean)).toEqual(["no-home", "reached"]);
      } finally {
        await prepared.dispose();
      }
    } finally {
      await rm(install, { recursive: true, force: true });
    }
  });
});
