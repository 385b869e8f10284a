// Minimal edits of a YAML or JSON document's text: set, delete or append at a path, answered as splices of the
// original text (`{from, to, insert}`, what CodeMirror dispatches), never a re-serialisation of the document, so
// comments, key order, quoting and formatting of every untouched part survive. The `yaml` package finds the nodes
// and their ranges; only the new values are written by it (or as JSON, in a JSON document). Shared by the console's
// workflow builder and its tests. Why not a library's own editing: docs/decisions/0009-text-edits.md.
import {
  Document,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  type Range,
  stringify,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";

export type TextPath = readonly (string | number)[];

/** One splice of the original text; several are applied together against the same original. */
export interface TextChange {
  from: number;
  to: number;
  insert: string;
}

export type TextEdit =
  /** Sets a mapping's key (replacing its value, or adding the key at the end); missing maps on the way are added. */
  | { op: "set"; path: TextPath; value: unknown }
  /** Deletes a mapping's key or a sequence's item; nothing when it is not there. */
  | { op: "delete"; path: TextPath }
  /** Appends to the sequence at `path` (added as `[value]` when missing). */
  | { op: "append"; path: TextPath; value: unknown };

/** The text cannot be edited: it does not parse, or the path leads through something that is not a collection. */
export class TextEditError extends Error {
  override name = "TextEditError";
}

/** A parsed document and what its edits need: the text, whether it is JSON, where its lines start. */
export class EditableText {
  readonly json: boolean;
  /** A JSON document's indentation unit (spaces), for the values written into it. */
  private readonly jsonIndent: number;
  private readonly root: Node;

  constructor(readonly text: string) {
    const doc = parseDocument(text, { uniqueKeys: true });
    const error = doc.errors[0];
    if (error) throw new TextEditError(error.message.split("\n")[0]!.replace(/:$/, ""));
    if (!isMap(doc.contents)) throw new TextEditError("The document is not a mapping.");
    this.root = doc.contents;
    this.json = doc.contents.flow === true && text.trimStart().startsWith("{");
    this.jsonIndent = /\n( +)\S/.exec(text)?.[1]?.length ?? 2;
  }

  /** The node at `path`, if there is one. */
  nodeAt(path: TextPath): Node | undefined {
    let node: Node | undefined = this.root;
    for (const segment of path) {
      if (isMap(node) && typeof segment === "string") node = pairOf(node, segment)?.value as Node | undefined;
      else if (isSeq(node) && typeof segment === "number") node = node.items[segment] as Node | undefined;
      else return undefined;
    }
    return node ?? undefined;
  }

  /** The changes that make `edit`: disjoint splices of the original text, in order. */
  changes(edit: TextEdit): TextChange[] {
    switch (edit.op) {
      case "set":
        return this.set(edit.path, edit.value);
      case "delete":
        return this.delete(edit.path);
      case "append": {
        const seq = this.nodeAt(edit.path);
        if (seq === undefined) return this.set(edit.path, [edit.value]);
        if (!isSeq(seq)) throw new TextEditError(`${show(edit.path)} is not a list.`);
        return [this.appendItem(seq, edit.value)];
      }
    }
  }

  private set(path: TextPath, value: unknown): TextChange[] {
    if (path.length === 0) throw new TextEditError("Cannot replace the whole document.");
    // The deepest map that exists on the way; what is missing below it becomes part of the value.
    let parent: Node = this.root;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const child = this.nodeAt(path.slice(0, depth + 1));
      if (child === undefined || (isScalar(child) && child.value === null)) {
        return this.set(path.slice(0, depth + 1), nest(path.slice(depth + 1), value));
      }
      parent = child;
    }
    const key = path.at(-1)!;
    if (isSeq(parent) && typeof key === "number") {
      const item = parent.items[key] as Node | undefined;
      if (!item) throw new TextEditError(`${show(path)} is past the end of the list.`);
      return [this.replaceValue(item, value, columnOf(this.text, rangeOf(item)[0]))];
    }
    if (!isMap(parent) || typeof key !== "string") throw new TextEditError(`${show(path)} is not a field.`);
    const pair = pairOf(parent, key);
    if (!pair) return [this.addPair(parent, key, value)];
    return [this.replacePair(parent, pair, value)];
  }

  private delete(path: TextPath): TextChange[] {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = path.at(-1);
    if (isMap(parent) && typeof key === "string") {
      const index = parent.items.findIndex((pair) => keyOf(pair) === key);
      return index < 0 ? [] : [this.removeItem(parent, index)];
    }
    if (isSeq(parent) && typeof key === "number" && key < parent.items.length) {
      return [this.removeItem(parent, key)];
    }
    return [];
  }

  /** A value replaced where it stands: inline (a scalar, or a flow collection in a flow place), else its whole pair. */
  private replacePair(map: YAMLMap, pair: Pair, value: unknown): TextChange {
    const old = pair.value as Node | null;
    const keyNode = pair.key as Node;
    const [keyStart] = rangeOf(keyNode);
    if (old && (map.flow || !isBlock(old)) && this.inline(value, map.flow === true)) {
      return this.replaceValue(old, value, indentOfLine(this.text, keyStart));
    }
    if (map.flow) {
      const [from, to] = old ? rangeOf(old) : [rangeOf(keyNode)[1], rangeOf(keyNode)[1]];
      return {
        from,
        to,
        insert: (old ? "" : ": ") + this.flowValue(value, indentOfLine(this.text, keyStart)),
      };
    }
    const end = lineEnd(this.text, this.lastOf(pair));
    const column = columnOf(this.text, keyStart);
    const lines = this.blockPair(keyOf(pair)!, value, column);
    return { from: keyStart, to: end, insert: lines.slice(column) };
  }

  private replaceValue(old: Node, value: unknown, indent: number): TextChange {
    const [from, to] = rangeOf(old);
    return { from, to, insert: this.flowValue(value, indent) };
  }

  private addPair(map: YAMLMap, key: string, value: unknown): TextChange {
    if (map.flow) {
      const entry = `${this.json ? JSON.stringify(key) : scalarText(key)}: `;
      return this.addFlowItem(map, (indent) => entry + this.flowValue(value, indent));
    }
    const last = map.items.at(-1);
    if (!last) throw new TextEditError("Cannot add to an empty block mapping.");
    const at = lineEnd(this.text, this.lastOf(last));
    const column = columnOf(this.text, rangeOf(last.key as Node)[0]);
    return { from: at, to: at, insert: newlineBefore(this.text, at) + this.blockPair(key, value, column) };
  }

  private appendItem(seq: YAMLSeq, value: unknown): TextChange {
    if (seq.flow) {
      if (seq.items.length === 0 && !this.json && value !== null && typeof value === "object") {
        // `steps: []` grows into a block list, as a YAML author would write it.
        const pair = this.pairHolding(seq);
        if (pair) return this.replacePair(pair.map, pair.pair, [value]);
      }
      return this.addFlowItem(seq, (indent) => this.flowValue(value, indent));
    }
    const last = seq.items.at(-1) as Node | undefined;
    if (!last) throw new TextEditError("Cannot add to an empty block list.");
    const at = lineEnd(this.text, rangeOf(last)[1] - 1);
    const column = columnOf(this.text, this.dashOf(seq, seq.items.length - 1));
    return {
      from: at,
      to: at,
      insert: newlineBefore(this.text, at) + indentLines(this.blockItem(value), column),
    };
  }

  /** An entry added at the end of a flow collection, on a line of its own when the entries are on lines of theirs. */
  private addFlowItem(collection: YAMLMap | YAMLSeq, entry: (indent: number) => string): TextChange {
    const [start, end] = rangeOf(collection);
    const close = end - 1;
    const last = collection.items.at(-1);
    if (!last) {
      const padding = !this.json && this.text[start] === "{" ? " " : "";
      const line = indentOfLine(this.text, start);
      return { from: start + 1, to: close, insert: `${padding}${entry(line)}${padding}` };
    }
    const lastEnd = this.endOf(last);
    const lastStart = this.startOf(last);
    const ownLines = this.text.slice(start, lastStart).includes("\n");
    if (ownLines) {
      const column = columnOf(this.text, lastStart);
      return { from: lastEnd, to: lastEnd, insert: `,\n${" ".repeat(column)}${entry(column)}` };
    }
    return { from: lastEnd, to: lastEnd, insert: `, ${entry(indentOfLine(this.text, start))}` };
  }

  private removeItem(collection: YAMLMap | YAMLSeq, index: number): TextChange {
    const items = collection.items as unknown[];
    const item = items[index]!;
    if (collection.flow) {
      const [start, end] = rangeOf(collection);
      if (items.length === 1) return { from: start + 1, to: end - 1, insert: "" };
      if (index > 0) return { from: this.endOf(items[index - 1]!), to: this.endOf(item), insert: "" };
      return { from: this.startOf(item), to: this.startOf(items[1]!), insert: "" };
    }
    const start = isSeq(collection) ? this.dashOf(collection, index) : this.startOf(item);
    const lineStart = this.text.lastIndexOf("\n", start - 1) + 1;
    const before = this.text.slice(lineStart, start);
    const end = lineEnd(this.text, isPair(item) ? this.lastOf(item) : this.endOf(item) - 1);
    if (isMap(collection) && before.trim() !== "") {
      // The first key of a list item (`- id: a`): the next key moves up behind the dash.
      const next = items[index + 1];
      if (!next) return { from: start, to: end, insert: "{}\n" };
      return { from: start, to: this.startOf(next), insert: "" };
    }
    return { from: lineStart, to: end, insert: "" };
  }

  /** The map and pair whose value is `node`, for a list that changes its style. */
  private pairHolding(node: Node): { map: YAMLMap; pair: Pair } | undefined {
    const search = (collection: Node): { map: YAMLMap; pair: Pair } | undefined => {
      if (isMap(collection)) {
        for (const pair of collection.items) {
          if (pair.value === node) return { map: collection, pair };
          const found = isCollection(pair.value) ? search(pair.value as Node) : undefined;
          if (found) return found;
        }
      } else if (isSeq(collection)) {
        for (const item of collection.items) {
          const found = isCollection(item) ? search(item as Node) : undefined;
          if (found) return found;
        }
      }
      return undefined;
    };
    return search(this.root);
  }

  /**
   * Where a block list's item begins: its dash, which comment lines may separate from its content (`- # note`).
   * The first dash that begins a line's content after the previous item (or the list's start).
   */
  private dashOf(seq: YAMLSeq, index: number): number {
    let at = index > 0 ? this.endOf(seq.items[index - 1]) : rangeOf(seq)[0];
    const content = this.startOf(seq.items[index]);
    if (index === 0 && this.text[at] === "-") return at;
    while (at < content) {
      const line = this.text.indexOf("\n", at);
      if (line < 0 || line >= content) break;
      let first = line + 1;
      while (this.text[first] === " ") first++;
      if (this.text[first] === "-" && /[\s]/.test(this.text[first + 1] ?? " ")) return first;
      at = first;
    }
    return this.text.lastIndexOf("-", content);
  }

  private startOf(item: unknown): number {
    return isPair(item) ? rangeOf(item.key as Node)[0] : rangeOf(item as Node)[0];
  }

  private endOf(item: unknown): number {
    if (!isPair(item)) return rangeOf(item as Node)[1];
    const value = item.value as Node | null;
    return value?.range ? rangeOf(value)[1] : rangeOf(item.key as Node)[1];
  }

  /** The offset of a pair's last character (before the newline a block value ends with). */
  private lastOf(pair: Pair): number {
    const end = this.endOf(pair);
    return this.text[end - 1] === "\n" ? end - 2 : end - 1;
  }

  /** Whether `value` is written on the key's line: scalars, and small collections of scalars (or any, in JSON). */
  private inline(value: unknown, flowPlace: boolean): boolean {
    if (this.json || flowPlace || value === null || typeof value !== "object") return true;
    const members = Array.isArray(value) ? value : Object.values(value);
    return (
      members.every((member) => member === null || typeof member !== "object") &&
      this.flowValue(value, 0).length <= 60
    );
  }

  /** A value as it is written after `key: ` or in a flow collection; JSON in a JSON document. */
  private flowValue(value: unknown, indent: number): string {
    if (this.json) return indentLines(JSON.stringify(value, null, this.jsonIndent), indent).trimStart();
    return stringify(value, {
      collectionStyle: "flow",
      flowCollectionPadding: true,
      blockQuote: false,
      lineWidth: 0,
    }).trimEnd();
  }

  /** `key: value` lines at `column`, each ending in a newline. */
  private blockPair(key: string, value: unknown, column: number): string {
    if (value === null || typeof value !== "object" || this.inline(value, false)) {
      return `${" ".repeat(column)}${scalarText(key)}: ${this.flowValue(value, column)}\n`;
    }
    return indentLines(this.blockYaml({ [key]: value }), column);
  }

  /** `- value` lines at column 0. */
  private blockItem(value: unknown): string {
    if (value === null || typeof value !== "object") return `- ${this.flowValue(value, 0)}\n`;
    return this.blockYaml([value]);
  }

  /** Block YAML whose small collections of scalars below the top two levels are written inline (`[a, b]`). */
  private blockYaml(value: unknown): string {
    const doc = new Document(value);
    const small = (node: YAMLMap | YAMLSeq, path: readonly unknown[]) => {
      // path: the ancestors, the document first; the pair's or item's own collection, then the value itself.
      const depth = path.filter((ancestor) => isCollection(ancestor)).length;
      // Maps that are list items (steps) stay block; a field's small value goes inline.
      if (depth >= 2 && !(isMap(node) && isSeq(path.at(-1))) && this.inline(node.toJSON(), false))
        node.flow = true;
    };
    visit(doc, { Map: (_, node, path) => small(node, path), Seq: (_, node, path) => small(node, path) });
    return doc.toString(BLOCK);
  }
}

const BLOCK = { lineWidth: 0, blockQuote: false, flowCollectionPadding: true } as const;

/** The edits of a document, applied: what the text becomes. */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let out = "";
  let at = 0;
  for (const change of [...changes].sort((a, b) => a.from - b.from)) {
    if (change.from < at) throw new TextEditError("Overlapping changes.");
    out += text.slice(at, change.from) + change.insert;
    at = change.to;
  }
  return out + text.slice(at);
}

/** Applies one edit to a text. */
export function editText(text: string, edit: TextEdit): string {
  return applyChanges(text, new EditableText(text).changes(edit));
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => keyOf(pair) === key);
}

function keyOf(pair: Pair): string | undefined {
  const key = pair.key as Node | null;
  return isScalar(key) ? String(key.value) : undefined;
}

function rangeOf(node: Node): Range {
  if (!node.range) throw new TextEditError("A node without a place in the text.");
  return node.range;
}

function isBlock(node: Node): boolean {
  return isCollection(node) ? node.flow !== true : isScalar(node) && /^BLOCK/.test(String(node.type));
}

function nest(path: TextPath, value: unknown): unknown {
  return path.reduceRight<unknown>(
    (inner, segment) => (typeof segment === "number" ? [inner] : { [segment]: inner }),
    value,
  );
}

function scalarText(value: unknown): string {
  return stringify(value, { blockQuote: false, lineWidth: 0 }).trimEnd();
}

/** The offset after the newline that ends the line holding `offset` (or the text's end). */
function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf("\n", Math.max(offset, 0));
  return newline < 0 ? text.length : newline + 1;
}

function newlineBefore(text: string, at: number): string {
  return at > 0 && text[at - 1] !== "\n" ? "\n" : "";
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/** The indentation (leading spaces) of the line holding `offset`. */
function indentOfLine(text: string, offset: number): number {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  let end = start;
  while (text[end] === " ") end++;
  return end - start;
}

function indentLines(text: string, column: number): string {
  const pad = " ".repeat(column);
  return text.replace(/^(?=.)/gm, pad);
}

function show(path: TextPath): string {
  return path.map((segment) => (typeof segment === "number" ? `[${segment}]` : `.${segment}`)).join("");
}
