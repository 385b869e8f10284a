// Values a command reads: `@file` or `@-` (stdin) or literal JSON for --args/--input, and -f files (JSON, YAML,
// Markdown). A secret value comes from stdin only, never from an argument (arguments end up in shell history and
// in `ps`).
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parseYaml, YamlSyntaxError } from "../shared/yaml.js";
import { CliError, EXIT } from "./errors.js";

export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

export async function readText(path: string, option: string): Promise<string> {
  if (path === "-") return readStdin();
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? "cannot read"}.`, {
      exit: EXIT.usage,
      hint: "give a readable file, or - for stdin",
    });
  }
}

/** `@file`, `@-` or literal JSON, as a JSON value. */
export async function jsonArgument(value: string, option: string): Promise<unknown> {
  const text = value.startsWith("@") ? await readText(value.slice(1), option) : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${option} is not JSON: ${(error as Error).message}.`, {
      exit: EXIT.usage,
      hint: `give JSON, @file.json or @- for stdin`,
    });
  }
}

/** A JSON or YAML document from -f: its text, its value and the content type to send it as. */
export async function documentFile(
  path: string,
): Promise<{ text: string; value: unknown; contentType: "application/json" | "application/yaml" }> {
  const text = await readText(path, "-f");
  const yaml = [".yaml", ".yml"].includes(extname(path).toLowerCase());
  try {
    return yaml
      ? { text, value: parseYaml(text), contentType: "application/yaml" }
      : { text, value: JSON.parse(text), contentType: "application/json" };
  } catch (error) {
    // JSON is YAML: a file without an extension, or from stdin, may be either.
    if (!yaml) {
      try {
        return { text, value: parseYaml(text), contentType: "application/yaml" };
      } catch {
        // report the JSON error below
      }
    }
    const reason =
      error instanceof YamlSyntaxError || error instanceof SyntaxError ? error.message : String(error);
    throw new CliError(`-f ${path} is not valid ${yaml ? "YAML" : "JSON"}: ${reason}.`, { exit: EXIT.usage });
  }
}

/** An object or fail with a usage error naming the option. */
export function asObject(value: unknown, option: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new CliError(`${option} must be a JSON object.`, { exit: EXIT.usage });
}
