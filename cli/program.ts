// The mcpflow command tree: resource, then verb (kubectl, gh), global options on every command.
import { Command, Option } from "@commander-js/extra-typings";
import { actionOf } from "./command.js";
import { authCommands } from "./commands/auth.js";
import { mcdCommands } from "./commands/mcd.js";
import { miscCommands } from "./commands/misc.js";
import { runCommands } from "./commands/run.js";
import { serverCommands } from "./commands/server.js";
import { workflowCommands } from "./commands/workflow.js";
import { completionScript } from "./completion.js";
import { FORMATS, type Io } from "./output.js";

export const VERSION = "0.1.0";

export function buildProgram(io: Io): Command {
  const act = actionOf(io);
  const program = new Command("mcpflow")
    .description("mcpflow from a terminal: servers, workflows, runs, MCDs. docs/cli.md has the reference.")
    .option("-p, --profile <name>", "the profile to use (MCPFLOW_PROFILE; default: the current one)")
    .option(
      "--api-url <url>",
      "the API's base URL (MCPFLOW_URL; default: the profile's, else http://127.0.0.1:3000)",
    )
    .addOption(
      new Option("-o, --output <format>", "table on a terminal, or json, yaml, jsonl, name").choices(FORMATS),
    )
    .showSuggestionAfterError();

  for (const command of authCommands(act)) program.addCommand(command);
  program.addCommand(serverCommands(act));
  program.addCommand(workflowCommands(act));
  program.addCommand(runCommands(act));
  program.addCommand(mcdCommands(act));
  for (const command of miscCommands(act)) program.addCommand(command);
  program
    .command("version")
    .description("the CLI's version (also mcpflow --version)")
    .action(() => {
      io.stdout.write(`${VERSION}\n`);
    });
  program
    .command("completion")
    .description("a completion script: bash, zsh or fish")
    .argument("<shell>", "bash, zsh or fish")
    .action((shell) => {
      io.stdout.write(completionScript(program as unknown as Command, shell));
    });
  // Every command, however deep, reports usage errors the same way: one line (commander's own "error: " and its
  // suggestion joined), and main.ts turns them into exit code 2.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, " ")}\n`),
    });
    for (const sub of command.commands as Command[]) configure(sub);
  };
  configure(program as unknown as Command);
  return program as unknown as Command;
}
