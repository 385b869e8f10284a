// Where a stdio server runs (docs/decisions/0005-child-process-sandbox.md): when the platform runs as root, as a
// dedicated unprivileged uid/gid (setpriv, no new privileges, no supplementary groups) with a private scratch
// directory as HOME and TMPDIR, so the platform's 0600 files (dev token, signing key, secrets, store) and
// /proc/<platform>/environ are out of its reach.
import { accessSync, constants } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";

export interface ChildSandbox {
  uid: number;
  gid: number;
}

/** The platform's sandbox: MCPFLOW_SANDBOX_UID/GID (65534, `nobody`, by default) when it runs as root on Linux. */
export function sandboxFromEnv(env: NodeJS.ProcessEnv = process.env): ChildSandbox | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const uid = Number(env.MCPFLOW_SANDBOX_UID ?? 65534);
  const gid = Number(env.MCPFLOW_SANDBOX_GID ?? uid);
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid) || gid <= 0) {
    throw new Error("MCPFLOW_SANDBOX_UID/GID must be positive integers (a server never runs as root)");
  }
  return { uid, gid };
}

/** The absolute path a command resolves to on PATH, or undefined: checked here because setpriv would hide ENOENT. */
export function resolveCommand(command: string, path: string | undefined): string | undefined {
  const candidates =
    isAbsolute(command) || command.includes("/")
      ? [command]
      : (path ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export interface PreparedSandbox {
  command: string;
  args: string[];
  /** Overrides for the child's environment: its own HOME and temp directory. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * A scratch directory owned by the sandbox user (0700) and the command wrapped in setpriv. Without setpriv the start
 * is refused: running an untrusted server as root is not a fallback.
 */
export async function prepareSandbox(
  sandbox: ChildSandbox,
  command: string,
  args: readonly string[],
  path: string | undefined,
): Promise<PreparedSandbox> {
  const setpriv =
    resolveCommand("setpriv", path) ?? resolveCommand("setpriv", "/usr/bin:/bin:/usr/sbin:/sbin");
  if (!setpriv) throw new Error("setpriv (util-linux) is needed to run a server as an unprivileged user");
  const scratch = await mkdtemp(join(tmpdir(), "mcpflow-server-"));
  await chown(scratch, sandbox.uid, sandbox.gid);
  return {
    command: setpriv,
    args: [
      `--reuid=${sandbox.uid}`,
      `--regid=${sandbox.gid}`,
      "--clear-groups",
      "--no-new-privs",
      "--",
      command,
      ...args,
    ],
    env: { HOME: scratch, TMPDIR: scratch, TMP: scratch, TEMP: scratch },
    dispose: () => rm(scratch, { recursive: true, force: true }),
  };
}
