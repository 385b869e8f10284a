// The glue between commander and a command's work: every action gets a Context and answers an exit code.
import type { Command } from "@commander-js/extra-typings";
import { Context, type GlobalOptions } from "./context.js";
import { CliError, EXIT, type ExitCode } from "./errors.js";
import type { Io } from "./output.js";

/** A command's work; what it answers, when an exit code, is the process's exit code (else 0). */
export type Work = (ctx: Context) => Promise<unknown>;

/** Runs `work` with the context the command's global options describe; the process exits with what it answers. */
export function actionOf(io: Io) {
  return async (command: { optsWithGlobals(): unknown }, work: Work): Promise<void> => {
    const ctx = await Context.create(io, command.optsWithGlobals() as GlobalOptions);
    const code = await work(ctx);
    process.exitCode = typeof code === "number" ? (code as ExitCode) : EXIT.ok;
  };
}

export type Act = ReturnType<typeof actionOf>;

/** Parses a positive integer option (a version number, a limit), or fails as a usage error. */
export function positiveInt(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new CliError(`${option} must be a whole number of at least 1, not ${JSON.stringify(value)}.`, {
        exit: EXIT.usage,
      });
    }
    return n;
  };
}

/** Reads a dotted path out of an answer (for table columns). */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export type Row = Record<string, unknown>;

/** Adds the subcommand group `name` with its description. */
export function group(program: Command, name: string, description: string): Command {
  return program.command(name).description(description);
}
