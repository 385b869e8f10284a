// What a command prints on stdout: a table for people, or -o json|yaml|jsonl|name for scripts. Progress and logs go
// to stderr. Colour only on a terminal, never with NO_COLOR or TERM=dumb.
import Table from "cli-table3";
import { dump } from "js-yaml";
import pc from "picocolors";
import { CliError, EXIT } from "./errors.js";

export const FORMATS = ["table", "json", "yaml", "jsonl", "name"] as const;
export type Format = (typeof FORMATS)[number];

export interface Column<T> {
  header: string;
  value: (item: T) => unknown;
}

/** How one kind of item is shown: its table columns and its name (for -o name). */
export interface View<T> {
  columns: Column<T>[];
  name: (item: T) => string;
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function colourOn(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export function colours(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv) {
  return pc.createColors(colourOn(stream, env));
}

export function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new CliError(`-o ${value} is not an output format.`, {
    exit: EXIT.usage,
    hint: `use one of ${FORMATS.join(", ")}`,
  });
}

/** Prints a list (one row per item) or one item (a field per row) as `format` asks. */
export function print<T>(io: Io, format: Format, data: T | T[], view: View<T>): void {
  const out = (text: string): void => {
    io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  };
  const items = Array.isArray(data) ? data : [data];
  switch (format) {
    case "json":
      out(JSON.stringify(data, null, 2));
      return;
    case "yaml":
      out(dump(data, { noRefs: true, lineWidth: -1 }));
      return;
    case "jsonl":
      for (const item of items) out(JSON.stringify(item));
      return;
    case "name":
      for (const item of items) out(view.name(item));
      return;
    case "table":
      out(Array.isArray(data) ? table(io, view, items) : fields(io, view, data));
      return;
  }
}

/** Prints a value that has no view (an answer of `mcpflow api`, an ASL document): JSON unless YAML is asked. */
export function printValue(io: Io, format: Format, value: unknown): void {
  if (format === "yaml") io.stdout.write(dump(value, { noRefs: true, lineWidth: -1 }));
  else if (format === "jsonl") io.stdout.write(`${JSON.stringify(value)}\n`);
  else io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const BARE = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

function table<T>(io: Io, view: View<T>, items: T[]): string {
  const c = colours(io.stdout, io.env);
  if (items.length === 0) return c.dim("(none)");
  const t = new Table({
    head: view.columns.map((col) => c.bold(col.header.toUpperCase())),
    chars: BARE,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  for (const item of items) t.push(view.columns.map((col) => cell(col.value(item))));
  return trimEnds(t.toString());
}

function fields<T>(io: Io, view: View<T>, item: T): string {
  const c = colours(io.stdout, io.env);
  const t = new Table({
    chars: BARE,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  for (const col of view.columns) t.push([c.bold(`${col.header}:`), cell(col.value(item))]);
  return trimEnds(t.toString());
}

/** cli-table3 pads every cell to its column's width, the last one too. */
const trimEnds = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Milliseconds between two ISO times (or until now), as people read it: 850ms, 3.2s, 4m05s. */
export function duration(from: string | undefined, to?: string): string {
  if (!from) return "";
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
