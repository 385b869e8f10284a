// Finding and killing a server's whole process tree. A stdio server is often a launcher (sh, npx, uv) whose real
// server is a grandchild; killing only the direct child would leave the grandchild holding the task open.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

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
