// `mcpflow completion bash|zsh|fish`: completion scripts generated from the command tree itself, so a new command
// or option completes without editing a script. Each shell gets a small walker: the words typed so far that name
// commands make a path (" server try"), and the path says which subcommands and options come next.
// Written here: @bomb.sh/tab (the one Commander adapter) is at 0.0.x, and the scripts are short.
import type { Command } from "@commander-js/extra-typings";
import { CliError, EXIT } from "./errors.js";

interface Node {
  path: string;
  description: string;
  words: { word: string; description: string }[];
}

function nodes(root: Command): Node[] {
  const found: Node[] = [];
  const walk = (command: Command, path: string) => {
    const subcommands = command.commands as Command[];
    const options = [...command.options, ...(path === "" ? [] : root.options)].filter(
      (o) => !o.hidden && o.long !== undefined,
    );
    found.push({
      path,
      description: command.description(),
      words: [
        ...subcommands.map((c) => ({ word: c.name(), description: c.description() })),
        ...options.map((o) => ({ word: o.long!, description: o.description })),
        { word: "--help", description: "show help" },
      ],
    });
    for (const sub of subcommands) walk(sub, `${path} ${sub.name()}`);
  };
  walk(root, "");
  return found;
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
/** A description on one line, short, without characters the shells' own quoting would trip on. */
const plain = (text: string) =>
  text
    .replace(/[\n:'"`$\\[\]]/g, " ")
    .slice(0, 80)
    .trim();

function bash(root: Command): string {
  const all = nodes(root);
  const cases = all.map(
    (n) => `    ${quote(n.path)}) echo ${quote(n.words.map((w) => w.word).join(" "))} ;;`,
  );
  return `# mcpflow completion for bash: eval "$(mcpflow completion bash)", or save it to a file your shell sources.
_mcpflow_words() {
  case "$1" in
${cases.join("\n")}
    *) return 1 ;;
  esac
}
_mcpflow() {
  local cur path w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    if _mcpflow_words "$path $w" >/dev/null; then path="$path $w"; fi
  done
  COMPREPLY=($(compgen -W "$(_mcpflow_words "$path")" -- "$cur"))
}
complete -o default -F _mcpflow mcpflow
`;
}

function zsh(root: Command): string {
  const all = nodes(root);
  const cases = all.map(
    (n) =>
      `    ${quote(n.path)}) reply=(${n.words.map((w) => quote(`${w.word.replace(/:/g, "\\:")}:${plain(w.description)}`)).join(" ")}) ;;`,
  );
  return `#compdef mcpflow
# mcpflow completion for zsh: mcpflow completion zsh > "\${fpath[1]}/_mcpflow", or eval "$(mcpflow completion zsh)".
_mcpflow_words() {
  case "$1" in
${cases.join("\n")}
    *) return 1 ;;
  esac
}
_mcpflow() {
  local path="" w i
  local -a reply
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    _mcpflow_words "$path $w" && path="$path $w"
  done
  _mcpflow_words "$path"
  _describe 'mcpflow' reply
}
compdef _mcpflow mcpflow
`;
}

function fish(root: Command): string {
  const all = nodes(root);
  const paths = all.map((n) => quote(n.path.trim())).join(" ");
  const lines = all.flatMap((n) =>
    n.words.map((w) => {
      const condition = `test (__mcpflow_path) = ${quote(n.path.trim())}`;
      const what = w.word.startsWith("--") ? `-l ${w.word.slice(2)}` : `-a ${quote(w.word)}`;
      return `complete -c mcpflow -f -n ${quote(condition)} ${what} -d ${quote(plain(w.description))}`;
    }),
  );
  return `# mcpflow completion for fish: mcpflow completion fish > ~/.config/fish/completions/mcpflow.fish
function __mcpflow_path
  set -l known ${paths}
  set -l path ""
  for w in (commandline -opc)[2..-1]
    string match -q -- '-*' $w; and continue
    set -l next (string trim -- "$path $w")
    contains -- $next $known; and set path $next
  end
  echo $path
end
${lines.join("\n")}
`;
}

export function completionScript(root: Command, shell: string): string {
  switch (shell) {
    case "bash":
      return bash(root);
    case "zsh":
      return zsh(root);
    case "fish":
      return fish(root);
    default:
      throw new CliError(`No completion for ${shell}.`, { exit: EXIT.usage, hint: "use bash, zsh or fish" });
  }
}
