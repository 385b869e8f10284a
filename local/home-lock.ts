// One platform per MCPFLOW_HOME: a pid file taken before anything else is written there, so a second start says who
// holds the home instead of failing deep inside LevelDB ("Database is closed"). LevelDB's own LOCK stays the last
// word if two starts race past the pid file.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../shared/mcp/process-tree.js";

/** A start-up failure the operator can act on: main prints its message as one line, without a stack. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

const PID_FILE = "mcpflow.pid";

function holder(home: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(home, PID_FILE), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function anotherPlatform(home: string, pid?: number): StartupError {
  return new StartupError(
    `another mcpflow${pid ? ` (pid ${pid})` : ""} is using ${home}: stop it, or set MCPFLOW_HOME to another folder`,
  );
}

export function cannotWrite(home: string, error: unknown): StartupError {
  const code = (error as NodeJS.ErrnoException).code;
  return new StartupError(
    `cannot write ${home}${code ? ` (${code})` : ""}: make it writable, or set MCPFLOW_HOME to a folder you can write`,
  );
}

/** Takes the home for this process (creating it); answers the release. A pid file of a dead process is taken over. */
export function lockHome(home: string): () => void {
  const pid = holder(home);
  // Our own pid: an in-process platform that was never stopped (tests simulate crashes so); LevelDB decides.
  if (pid !== undefined && pid !== process.pid && isAlive(pid)) throw anotherPlatform(home, pid);
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    throw cannotWrite(home, error);
  }
  return () => {
    if (holder(home) === process.pid) rmSync(join(home, PID_FILE), { force: true });
  };
}
