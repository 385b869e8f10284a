// Finding and killing a server's whole process tree. A stdio server is often a launcher (sh, npx, uv) whose real
// server is a grandchild; killing only the direct child would leave the grandchild holding the task open.
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

async function parentsFromProc(): Promise<Map<number, number> | undefined> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return undefined;
  }
  const parents = new Map<number, number>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const stat = await readFile(`/proc/${e}/stat`, "utf8");
          // The command name (field 2) may contain spaces and parentheses; fields after the last ")" are fixed.
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          parents.set(Number(e), Number(fields[1]));
        } catch {
          // The process ended while we looked.
        }
      }),
  );
  return parents;
}

function parentsFromPs(): Promise<Map<number, number>> {
  return new Promise((resolve) => {
    execFile("ps", ["-A", "-o", "pid=,ppid="], { timeout: 2000 }, (error, stdout) => {
      const parents = new Map<number, number>();
      if (!error) {
        for (const line of stdout.split("\n")) {
          const [pid, ppid] = line.trim().split(/\s+/).map(Number);
          if (pid && ppid !== undefined) parents.set(pid, ppid);
        }
      }
      resolve(parents);
    });
  });
}

/** All descendants of `root` (not `root` itself), children before grandchildren. */
export async function listDescendants(root: number): Promise<number[]> {
  // node:22-slim has no `ps`; Linux always has /proc, macOS has `ps`.
  const parents = (await parentsFromProc()) ?? (await parentsFromPs());
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      if (!out.includes(child)) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** Names one server's process tree in the environment its root starts with; every descendant inherits it. */
export const TREE_ENV = "MCPFLOW_PROCESS_TREE";

/** A fresh marker for one server's tree: `{ MCPFLOW_PROCESS_TREE: <random> }`. */
export function treeMarker(): Record<string, string> {
  return { [TREE_ENV]: randomUUID() };
}

/** Whether this system has /proc (Linux); elsewhere the tree is found from `ps` (parents only). */
export function hasProc(): boolean {
  return existsSync("/proc/self/stat");
}

/**
 * What is left of one server's tree, found in one pass over /proc: every running process whose environment carries
 * the tree's marker (an orphan re-parented away from the tree, a grandchild that daemonised, a child born a moment
 * ago), and every descendant of those and of `roots` (a child started with an environment of its own). Our own
 * process and zombies are left out. Environments are readable for our own uid, and for any uid as root (which a
 * sandbox with another uid needs). Without /proc, the descendants of `roots` that `ps` shows.
 */
export async function findTree(marker: Record<string, string>, roots: readonly number[]): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return (await Promise.all(roots.map((root) => listDescendants(root)))).flat();
  }
  const needles = Object.entries(marker).map(([name, value]) => `\0${name}=${value}\0`);
  const parents = new Map<number, number>();
  const marked = new Set<number>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        const pid = Number(e);
        try {
          const stat = await readFile(`/proc/${e}/stat`, "utf8");
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          if (fields[0] === "Z") return;
          parents.set(pid, Number(fields[1]));
          const environ = `\0${await readFile(`/proc/${e}/environ`, "utf8")}`;
          if (needles.every((needle) => environ.includes(needle))) marked.add(pid);
        } catch {
          // Ended while we looked, or not ours to read (its parent may still be ours: see below).
        }
      }),
  );
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Set<number>();
  const queue = [...roots, ...marked];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (parents.has(pid)) found.add(pid);
    for (const child of children.get(pid) ?? []) if (!found.has(child)) queue.push(child);
  }
  return [...found];
}

/** True while `pid` runs; a zombie (dead, waiting for a parent to reap it) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    // No /proc (macOS), or it ended between the two checks.
    return !existsSync("/proc");
  }
}

export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot): with the pid, it names one process for ever. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** What connect needs to make a child findable: the marker for its environment and a hook right after its spawn. */
export interface SpawnWatcher {
  /** Added to every server's environment; descendants inherit it, even those that setsid away from the tree. */
  readonly env: Record<string, string>;
  spawned(pid: number): void;
  ended(pid: number): void;
}

export const OWNER_ENV = "MCPFLOW_PROCESS_OWNER";

/**
 * Every MCP server process started for one MCPFLOW_HOME, known durably so that nothing outlives the platform, not
 * even a kill -9 of the platform alone (as the OOM killer does), after which its children are re-parented and can no
 * longer be found as descendants. Two records, because each covers what the other misses:
 * - a file per server under `<home>/processes/`, written synchronously at spawn (pid + start time, so a recycled
 *   pid is never killed): works without /proc, and names the root of each tree;
 * - a marker in every server's environment, inherited by all its descendants, found by scanning
 *   /proc/<pid>/environ: finds grandchildren that daemonised (double fork + setsid) out of the tree, and a child
 *   spawned in the instant before its record was written. Environments are readable for our own uid (and for any
 *   uid when the platform runs as root, which a sandbox with another uid needs).
 * cgroups would contain the tree without a scan, but need systemd or a writable cgroupfs, which a developer's
 * laptop, a container and CI do not reliably give; process groups are escaped by setsid.
 * The home holds one platform at a time (its lock), so whatever carries the home's marker at start is a leftover.
 */
export class ProcessRegistry implements SpawnWatcher {
  readonly env: Record<string, string>;
  private readonly dir: string;
  private readonly owner: string;

  constructor(home: string) {
    this.dir = join(home, "processes");
    this.owner = createHash("sha256").update(home).digest("hex").slice(0, 24);
    this.env = { [OWNER_ENV]: this.owner };
  }

  spawned(pid: number): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(this.dir, String(pid)), JSON.stringify({ pid, start: startTicks(pid) ?? null }));
    } catch {
      // An unwritable home was refused at start; the environment marker still finds the process.
    }
  }

  ended(pid: number): void {
    rmSync(join(this.dir, String(pid)), { force: true });
  }

  /** Pids that carry this home's marker or are recorded for it, with their descendants. */
  async find(): Promise<number[]> {
    const found = new Set<number>();
    let records: string[] = [];
    try {
      records = readdirSync(this.dir);
    } catch {
      // No record yet.
    }
    for (const name of records) {
      try {
        const { pid, start } = JSON.parse(readFileSync(join(this.dir, name), "utf8")) as {
          pid: number;
          start: string | null;
        };
        if (pid !== process.pid && isAlive(pid) && (start === null || startTicks(pid) === start))
          found.add(pid);
      } catch {
        // A record cut short by a crash: the environment scan covers its process.
      }
    }
    for (const pid of await this.marked()) found.add(pid);
    for (const root of [...found]) for (const pid of await listDescendants(root)) found.add(pid);
    found.delete(process.pid);
    return [...found];
  }

  /**
   * Ends every process of this home (SIGTERM, then SIGKILL after `graceMs`) and forgets their records: at start for
   * what a previous instance left, at stop for what escaped its server's own close. Answers how many there were.
   */
  async reap(graceMs = 500): Promise<number> {
    const pids = await this.find();
    signalAll(pids, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    signalAll(pids.filter(isAlive), "SIGKILL");
    // Children that a dying process started in the meantime carry the marker too.
    const late = await this.marked();
    signalAll(late, "SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
    return new Set([...pids, ...late]).size;
  }

  private async marked(): Promise<number[]> {
    let entries: string[];
    try {
      entries = await readdir("/proc");
    } catch {
      return [];
    }
    const needle = `\0${OWNER_ENV}=${this.owner}\0`;
    const found: number[] = [];
    await Promise.all(
      entries
        .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
        .map(async (e) => {
          try {
            const environ = `\0${await readFile(`/proc/${e}/environ`, "utf8")}`;
            if (environ.includes(needle) && isAlive(Number(e))) found.push(Number(e));
          } catch {
            // Ended while we looked, or not ours to read.
          }
        }),
    );
    return found;
  }
}
