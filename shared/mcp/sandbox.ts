// Where a stdio server runs (docs/decisions/0005-child-process-sandbox.md). Decided once per platform from what the
// host allows, strongest first:
// - "namespaces": a mount and pid namespace of its own (a user namespace too when the platform is not root), in which
//   the platform's home is covered by an empty tmpfs, the server's scratch directory is the temp folder, HOME and
//   working directory, /dev/shm is private and /proc shows its own processes only; as root it also runs as a uid/gid
//   of its own for as long as it runs (one per running server, from a range), without capabilities otherwise;
// - "uid" (root, namespaces refused by the host): a uid/gid of its own per running server and a 0700 scratch folder;
// - "none": only when the operator said so (MCPFLOW_SANDBOX=off): the platform's user, a scratch folder;
// and otherwise every start is refused, naming the opt-out.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import { chown, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, relative } from "node:path";

export type Isolation = "namespaces" | "uid" | "none";

export interface ChildSandbox {
  readonly isolation: Isolation;
  /** Why no isolation is available, when none is and the operator did not opt out: every start is refused. */
  readonly refusal?: string;
  /** One line for the platform's start-up log: what a server process can and cannot reach here. */
  readonly summary: string;
  /** Folders a namespaced server sees as empty: the platform's home (keys, token, secrets, the store's socket). */
  readonly hide: readonly string[];
  /** Root only: the uids/gids handed out one per running server process. */
  readonly uids?: UidRange;
  /** The platform's installed packages, linked as `node_modules` into every scratch directory (see prepareSandbox). */
  readonly packages?: string;
  /** The tools, resolved once. */
  readonly tools: SandboxTools;
}

export interface SandboxTools {
  setpriv?: string;
  unshare?: string;
  mount?: string;
  sh?: string;
}

export interface SandboxOptions {
  /** Folders a server must not see (the platform's home). */
  hide: readonly string[];
  /**
   * The platform's `node_modules`: a server's relative `node_modules/…` paths resolve to it (the examples' and the
   * docs' runtimes name packages the platform installed so); nothing else of the platform's folder is reachable so.
   */
  packages?: string;
  env?: NodeJS.ProcessEnv;
  /** What this host is; found when left out (tests describe other hosts with it). */
  host?: { os: NodeJS.Platform; root: boolean; tools: SandboxTools };
}

/** MCPFLOW_SANDBOX_UID (first uid), MCPFLOW_SANDBOX_GID (first gid), MCPFLOW_SANDBOX_UIDS (how many). */
export interface UidRange {
  firstUid: number;
  firstGid: number;
  count: number;
}

/**
 * Far from the ranges distributions, systemd (dynamic users, containers: up to 0x6FFFFFFF) and /etc/subuid hand
 * out, so no account of the host, and no rootless container's user, shares a sandbox uid.
 */
const DEFAULT_FIRST_UID = 2_000_000_000;
/** Well above MCPFLOW_MAX_PROCESSES plus concurrent probes. */
const DEFAULT_UID_COUNT = 256;
const SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

export const SANDBOX_OPT_OUT = "MCPFLOW_SANDBOX=off";
/** auto: the strongest the host gives; uid: as root, a uid per server without namespaces; off: no isolation. */
const MODES = ["auto", "uid", "off"] as const;

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  const n = value === undefined || value === "" ? fallback : Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 0xfffffffe) {
    throw new Error(`${name} must be a positive integer (a server never runs as root)`);
  }
  return n;
}

export function uidRangeFromEnv(env: NodeJS.ProcessEnv = process.env): UidRange {
  const firstUid = positiveInteger(env.MCPFLOW_SANDBOX_UID, DEFAULT_FIRST_UID, "MCPFLOW_SANDBOX_UID");
  const firstGid = positiveInteger(env.MCPFLOW_SANDBOX_GID, firstUid, "MCPFLOW_SANDBOX_GID");
  const count = positiveInteger(env.MCPFLOW_SANDBOX_UIDS, DEFAULT_UID_COUNT, "MCPFLOW_SANDBOX_UIDS");
  return { firstUid, firstGid, count };
}

function findTools(path: string | undefined): SandboxTools {
  const find = (name: string) => resolveCommand(name, path) ?? resolveCommand(name, SYSTEM_PATH);
  return { setpriv: find("setpriv"), unshare: find("unshare"), mount: find("mount"), sh: find("sh") };
}

/**
 * The strongest isolation this host gives, tried for real once (a namespaced `true` with a folder hidden), so that a
 * kernel or a security module that refuses namespaces is found at start and not at a server's start. Throws on a
 * bad MCPFLOW_SANDBOX* value.
 */
export function createSandbox(options: SandboxOptions): ChildSandbox {
  const env = options.env ?? process.env;
  const hide = options.hide;
  const host = options.host ?? {
    os: process.platform,
    root: process.platform === "linux" && process.getuid?.() === 0,
    tools: findTools(env.PATH),
  };
  const { root, tools } = host;
  const packages = options.packages && existsSync(options.packages) ? { packages: options.packages } : {};
  const mode = env.MCPFLOW_SANDBOX || "auto";
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new Error(`MCPFLOW_SANDBOX must be one of ${MODES.join(", ")} (it is "${mode}")`);
  }
  if (mode === "off") {
    return {
      isolation: "none",
      summary: `${SANDBOX_OPT_OUT}: server processes run as the platform's own user and can read what it can (its token, keys, secrets and store)`,
      hide,
      tools,
      ...packages,
    };
  }
  const uids = root ? uidRangeFromEnv(env) : undefined;
  if (root && !tools.setpriv) {
    return refused(hide, tools, "setpriv (util-linux) is needed to run a server as an unprivileged user");
  }
  const trial =
    mode === "uid"
      ? "MCPFLOW_SANDBOX=uid"
      : host.os === "linux"
        ? tryNamespaces(root, tools, uids)
        : `namespaces are Linux's (this is ${host.os})`;
  if (trial === undefined) {
    return {
      isolation: "namespaces",
      summary: root
        ? "server processes run in namespaces of their own, each as a uid of its own, without the platform's home"
        : "server processes run in a user, mount and pid namespace of their own, without the platform's home",
      hide,
      tools,
      ...packages,
      ...(uids ? { uids } : {}),
    };
  }
  if (root) {
    return {
      isolation: "uid",
      summary: `server processes run each as a uid of its own, without namespaces (${trial})`,
      hide,
      tools,
      ...packages,
      uids,
    };
  }
  return refused(hide, tools, `this host gives an ordinary user no namespaces (${trial})`);
}

function refused(hide: readonly string[], tools: SandboxTools, why: string): ChildSandbox {
  const refusal =
    `the platform cannot isolate a server process here: ${why}. ` +
    `An operator who accepts that servers run as the platform's own user, able to read its token, keys, secrets and ` +
    `store, starts it with ${SANDBOX_OPT_OUT}.`;
  return { isolation: "none", refusal, summary: `stdio servers are refused: ${refusal}`, hide, tools };
}

/** Undefined when a namespaced process could start with a folder hidden, or why it could not. */
function tryNamespaces(root: boolean, tools: SandboxTools, uids: UidRange | undefined): string | undefined {
  if (!tools.unshare || !tools.mount || !tools.sh) return "unshare, mount or sh (util-linux) not found";
  const scratch = mkdtempSync(join(tmpdir(), "mcpflow-sandbox-check-"));
  const hidden = mkdtempSync(join(tmpdir(), "mcpflow-sandbox-check-"));
  try {
    const { command, args } = namespacedCommand(
      tools,
      root,
      scratch,
      dirname(scratch),
      dirname(scratch),
      "",
      [hidden],
      "true",
      [],
      uids?.firstUid,
      uids?.firstGid,
    );
    const result = spawnSync(command, args, { timeout: 5_000, encoding: "utf8", env: { PATH: SYSTEM_PATH } });
    if (result.status === 0) return undefined;
    const said = (result.stderr ?? "").trim().split("\n").pop() ?? "";
    return said || (result.error?.message ?? `exit ${result.status ?? result.signal}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(hidden, { recursive: true, force: true });
  }
}

/**
 * Run inside the new namespaces as their root, before the server: covers each hidden folder with an empty tmpfs no
 * one may enter, makes the scratch folder the temp folder, gives /dev/shm a fresh tmpfs, then execs the rest (setpriv
 * and the server). A platform installed inside the temp folder (a checkout under /tmp, as CI clones often are) is
 * bound back in at the same path first (`keep`, relative to the temp folder, hidden folders inside it stay hidden),
 * or covering the temp folder would hide the very packages the server runs from. Arguments are positional ($@),
 * never spliced into the script.
 */
const NAMESPACE_SETUP = `set -e
mount=$1; scratch=$2; at=$3; dir=$4; keep=$5; n=$6; shift 6
while [ "$n" -gt 0 ]; do "$mount" -t tmpfs -o size=4k,mode=000 mcpflow-hidden "$1"; shift; n=$((n-1)); done
if [ -n "$keep" ]; then mkdir -p "$scratch/$keep"; "$mount" --rbind "$at/$keep" "$scratch/$keep"; fi
"$mount" --rbind "$scratch" "$at"
if [ -d /dev/shm ]; then "$mount" -t tmpfs -o mode=1777,size=64m mcpflow-shm /dev/shm; fi
cd "$dir"
exec "$@"`;

function namespacedCommand(
  tools: SandboxTools,
  root: boolean,
  scratch: string,
  at: string,
  dir: string,
  keep: string,
  hide: readonly string[],
  command: string,
  args: readonly string[],
  uid: number | undefined,
  gid: number | undefined,
): { command: string; args: string[] } {
  // As root: become the server's own uid. In a user namespace (not root): stay its root but drop every capability,
  // so the server can neither undo the mounts nor do anything its uid outside could not.
  const drop = root
    ? [`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups"]
    : ["--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all"];
  return {
    command: tools.unshare!,
    args: [
      ...(root ? [] : ["--user", "--map-root-user"]),
      "--mount",
      "--pid",
      "--fork",
      "--kill-child",
      "--mount-proc",
      "--propagation=private",
      "--",
      tools.sh!,
      "-c",
      NAMESPACE_SETUP,
      "mcpflow-sandbox",
      tools.mount!,
      scratch,
      at,
      dir,
      keep,
      String(hide.length),
      ...hide,
      tools.setpriv!,
      ...drop,
      "--no-new-privs",
      "--",
      command,
      ...args,
    ],
  };
}

/** The absolute path a command resolves to on PATH, or undefined: checked here because a wrapper would hide ENOENT. */
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

/** Uids in use by running servers; a freed uid goes to the back of the line, so reuse is as late as possible. */
class UidSlots {
  private readonly free: number[];
  private readonly used = new Set<number>();

  constructor(private readonly range: UidRange) {
    this.free = Array.from({ length: range.count }, (_, i) => i);
  }

  take(): { uid: number; gid: number; release(): void } {
    const slot = this.free.shift();
    if (slot === undefined) {
      throw new Error(`all ${this.range.count} sandbox uids are in use (MCPFLOW_SANDBOX_UIDS)`);
    }
    this.used.add(slot);
    let released = false;
    return {
      uid: this.range.firstUid + slot,
      gid: this.range.firstGid + slot,
      release: () => {
        if (released) return;
        released = true;
        this.used.delete(slot);
        this.free.push(slot);
      },
    };
  }
}

const slotsByRange = new WeakMap<UidRange, UidSlots>();

function slotsOf(range: UidRange): UidSlots {
  let slots = slotsByRange.get(range);
  if (!slots) {
    slots = new UidSlots(range);
    slotsByRange.set(range, slots);
  }
  return slots;
}

export interface PreparedSandbox {
  command: string;
  args: string[];
  /** The child's working directory. */
  cwd: string;
  /** Overrides for the child's environment: its own HOME and temp directory. */
  env: Record<string, string>;
  /** The uid the server runs as, when it has one of its own. */
  uid?: number;
  dispose(): Promise<void>;
}

/**
 * A scratch directory (0700, owned by the server's uid) that is its working directory, HOME and temp folder, and
 * the command wrapped so that it runs isolated as `sandbox` says. The directory holds one entry, `node_modules`, a
 * link to the platform's installed packages: a relative path resolves there or nowhere (decision 0005).
 */
export async function prepareSandbox(
  sandbox: ChildSandbox,
  command: string,
  args: readonly string[],
  /** A working directory the server's image chose (the runner's MCPFLOW_SERVER_CWD); otherwise the scratch one. */
  cwd?: string,
): Promise<PreparedSandbox> {
  if (sandbox.refusal) throw new Error(sandbox.refusal);
  const scratch = await mkdtemp(join(tmpdir(), "mcpflow-server-"));
  const slot = sandbox.uids ? slotsOf(sandbox.uids).take() : undefined;
  const dispose = async () => {
    await rm(scratch, { recursive: true, force: true });
    slot?.release();
  };
  try {
    if (slot) await chown(scratch, slot.uid, slot.gid);
    if (sandbox.packages) await symlink(sandbox.packages, join(scratch, "node_modules"), "dir");
    if (sandbox.isolation === "namespaces") {
      // The scratch folder is mounted over the temp folder that holds every server's: the others are out of sight.
      const at = dirname(scratch);
      const wrapped = namespacedCommand(
        sandbox.tools,
        slot !== undefined,
        scratch,
        at,
        cwd ?? at,
        installedUnder(at, sandbox.packages),
        sandbox.hide,
        command,
        args,
        slot?.uid,
        slot?.gid,
      );
      return { ...wrapped, cwd: scratch, env: scratchEnv(at), dispose, ...(slot ? { uid: slot.uid } : {}) };
    }
    if (sandbox.isolation === "uid" && slot) {
      return {
        command: sandbox.tools.setpriv!,
        args: [
          `--reuid=${slot.uid}`,
          `--regid=${slot.gid}`,
          "--clear-groups",
          "--no-new-privs",
          "--",
          command,
          ...args,
        ],
        cwd: cwd ?? scratch,
        env: scratchEnv(scratch),
        dispose,
        uid: slot.uid,
      };
    }
    return { command, args: [...args], cwd: cwd ?? scratch, env: scratchEnv(scratch), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The platform's folder (the one holding its node_modules) relative to the temp folder when it lies inside it, else "". */
export function installedUnder(temp: string, packages: string | undefined): string {
  if (!packages) return "";
  const rel = relative(temp, dirname(packages));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : "";
}

function scratchEnv(dir: string): Record<string, string> {
  return { HOME: dir, TMPDIR: dir, TMP: dir, TEMP: dir };
}
