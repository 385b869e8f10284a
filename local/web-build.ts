// Builds the web console (Vite) when its sources are newer than the last build: `npm start` and `npm install`'s
// `prepare` call it, so the README's two commands stay the only set-up. A build that is current costs one walk
// of web/src. The build goes to a fresh folder that replaces web/dist in one rename, so a platform serving the
// old build never sees half of the new one.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const WEB_ROOT = fileURLToPath(new URL("../web", import.meta.url));
export const CONSOLE_DIST = join(WEB_ROOT, "dist");
const STAMP = ".built-from";
/** Besides web/, the console compiles the generated API client and the shared types it imports. */
const SOURCES = [
  join(WEB_ROOT, "src"),
  join(WEB_ROOT, "index.html"),
  join(WEB_ROOT, "vite.config.ts"),
  fileURLToPath(new URL("../shared/api/client", import.meta.url)),
  fileURLToPath(new URL("../shared/web", import.meta.url)),
  fileURLToPath(new URL("../package-lock.json", import.meta.url)),
];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** What the stamp starts with: a build that says otherwise (or nothing, as builds before it did) is rebuilt. */
const PRODUCTION = "production";

/**
 * The chunks of a build that carry React's development runtime (`jsxDEV`, which a production build never has): a
 * check on the files themselves, for the budget's bench and the tests, whatever the stamp says.
 */
export function developmentChunks(dist = CONSOLE_DIST): string[] {
  const assets = join(dist, "assets");
  return readdirSync(assets)
    .filter((file) => file.endsWith(".js") && readFileSync(join(assets, file), "utf8").includes("jsxDEV"))
    .sort();
}

/** True when web/dist is missing, not a production build, or older than a source it is built from. */
export function consoleBuildIsStale(): boolean {
  const stamp = join(CONSOLE_DIST, STAMP);
  if (!existsSync(stamp)) return true;
  if (!readFileSync(stamp, "utf8").startsWith(`${PRODUCTION} `)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((source) => newestChange(source) > built);
}

const LOCK = join(WEB_ROOT, ".build-lock");

function lockHolderAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, "pid"), "utf8")), 0);
    return true;
  } catch {
    return false;
  }
}

/** One build at a time across processes (test files build in parallel): a folder that holds the builder's pid. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A builder that died (kill -9) leaves its folder; a live one is waited for.
      if (existsSync(join(LOCK, "pid")) && !lockHolderAlive()) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another process holds ${LOCK}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * What `npm start` calls: the same build, in a process of its own (scripts/build-web.ts). Vite's build grew the
 * process that ran it by about 450 MiB of RSS that V8 kept for good, so the platform, which stays up for days,
 * started at 660–750 MiB instead of about 220 (bench/soak.ts on a fresh checkout); a child gives it all back when
 * it exits. Answers whether a build ran; throws when it failed.
 */
export async function buildConsoleInChildIfStale(
  log: (line: string) => void = () => undefined,
): Promise<boolean> {
  if (!consoleBuildIsStale()) return false;
  const script = fileURLToPath(new URL("../scripts/build-web.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  createInterface({ input: child.stdout }).on("line", log);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== 0)
    throw new Error(`the build ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}`);
  return true;
}

/** Builds the console into web/dist when stale, in this process; answers whether it built. */
export async function buildConsoleIfStale(log: (line: string) => void = () => undefined): Promise<boolean> {
  if (!consoleBuildIsStale()) return false;
  return withBuildLock(async () => (consoleBuildIsStale() ? build(log) : false));
}

async function build(log: (line: string) => void): Promise<true> {
  const started = Date.now();
  log("building the web console (web/ changed since the last build)…");
  const vite = await import("vite");
  const outDir = join(WEB_ROOT, `.dist-${process.pid}-${Date.now()}`);
  // Vite builds for whatever NODE_ENV the process has, and vitest (whose global setup builds the console) sets
  // "test": that gave React's development build (jsx-dev-runtime, dev checks; 428 KB instead of 239 KB for the
  // entry), which the browser tests, the bundle budget and the run monitor's bench then measured.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = PRODUCTION;
  try {
    await vite.build({
      configFile: join(WEB_ROOT, "vite.config.ts"),
      logLevel: "warn",
      mode: PRODUCTION,
      build: { outDir, emptyOutDir: true },
    });
    await writeFile(join(outDir, STAMP), `${PRODUCTION} ${new Date().toISOString()}`);
    const old = join(WEB_ROOT, `.old-${process.pid}-${Date.now()}`);
    if (existsSync(CONSOLE_DIST)) await rename(CONSOLE_DIST, old);
    await rename(outDir, CONSOLE_DIST);
    await rm(old, { recursive: true, force: true });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    await rm(outDir, { recursive: true, force: true });
  }
  log(`built the web console in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
