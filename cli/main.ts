// The mcpflow CLI's entry (bin/mcpflow.js loads it): runs the command tree and ends with one line and an exit code
// on any error, never a stack trace (MCPFLOW_DEBUG=1 prints it).
import { CommanderError } from "@commander-js/extra-typings";
import { describeError, EXIT } from "./errors.js";
import { buildProgram, VERSION } from "./program.js";

export async function main(argv: string[]): Promise<void> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  // `mcpflow run list | head`: the reader left; stop quietly, as other command-line tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT.ok);
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(EXIT.error);
    });
  }
  const program = buildProgram(io);
  // Not a commander option: several commands have a --version of their own (a server's, a workflow's).
  if (argv[2] === "--version" || argv[2] === "-V") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (argv.length <= 2) {
    program.outputHelp();
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander has printed what it had to say.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (process.env.MCPFLOW_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    const { line, exit } = describeError(error);
    process.stderr.write(`${line}\n`);
    process.exitCode = exit;
  }
}
