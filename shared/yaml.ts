// YAML text to JSON values (workflow bodies and files, MCD front matter) with js-yaml, YAML 1.2 core schema:
// `yes`/`on` and timestamps stay strings, duplicate keys are refused, `<<` is an ordinary key. js-yaml is less than
// half the size of `yaml` in a Lambda bundle (docs/decisions/0003-bundle-size.md).
import { CORE_SCHEMA, constructFromEvents, EVENT_ID, type Event, parseEvents, YAMLException } from "js-yaml";

/** Broken YAML: `reason` says what, `line` and `column` (from 1) where; `message` says both on one line. */
export class YamlSyntaxError extends Error {
  override name = "YamlSyntaxError";

  constructor(
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
    options?: ErrorOptions,
  ) {
    super(line === undefined ? reason : `${reason} at line ${line}, column ${column}`, options);
  }
}

export interface YamlOptions {
  /**
   * The alias budget against billion-laughs documents, measured as the `yaml` package measured it (its
   * `maxAliasCount`): each use of an anchor, times the aliases its content expands to, must stay within it.
   * 0 refuses every alias, -1 lifts the limit. Default 100.
   */
  maxAliasCount?: number;
}

/**
 * One YAML document as its JSON value: null when the text holds no document. Throws YamlSyntaxError on broken
 * YAML (and on several documents, or tags the core schema does not know), ReferenceError on an alias bomb.
 */
export function parseYaml(text: string, options: YamlOptions = {}): unknown {
  let events: Event[];
  let documents: unknown[];
  try {
    events = parseEvents(text, {});
    documents = constructFromEvents(events, { source: text, schema: CORE_SCHEMA });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const mark = error.mark;
    throw new YamlSyntaxError(error.reason, mark && mark.line + 1, mark && mark.column + 1, { cause: error });
  }
  if (documents.length > 1) {
    throw new YamlSyntaxError("expected a single document in the stream, but found more");
  }
  checkAliases(events, text, options.maxAliasCount ?? 100);
  return documents[0] ?? null;
}

/** A node of the document tree, only as much as the alias budget needs. */
interface TreeNode {
  anchored: boolean;
  /** Keys and values of a mapping, items of a sequence; undefined for scalars and aliases. */
  children?: TreeNode[];
  /** For an alias: the node it names (the latest anchor of that name before it), if any. */
  alias?: { target: TreeNode | undefined };
}

interface AnchorUse {
  count: number;
  aliasCount: number;
}

/**
 * The `yaml` package's guard, replayed on js-yaml's events so the same documents pass: walking the document in
 * order, every alias adds one use to its anchor, and uses × the anchor's alias count (1 for plain content, else
 * the largest uses × alias count of an alias inside it) must not exceed `max`.
 */
function checkAliases(events: readonly Event[], text: string, max: number): void {
  if (max < 0 || !events.some((event) => event.type === EVENT_ID.ALIAS)) return;
  if (max === 0) throw new ReferenceError("Alias resolution is disabled");
  const documents: TreeNode[] = [];
  const open: TreeNode[] = [];
  let anchors = new Map<string, TreeNode>();
  const add = (node: TreeNode, anchorStart: number, anchorEnd: number) => {
    open.at(-1)?.children?.push(node);
    if (node.anchored) anchors.set(text.slice(anchorStart, anchorEnd), node);
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT: {
        const root: TreeNode = { anchored: false, children: [] };
        documents.push(root);
        open.push(root);
        anchors = new Map();
        break;
      }
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        const node: TreeNode = { anchored: event.anchorStart !== -1, children: [] };
        add(node, event.anchorStart, event.anchorEnd);
        open.push(node);
        break;
      }
      case EVENT_ID.SCALAR:
        add({ anchored: event.anchorStart !== -1 }, event.anchorStart, event.anchorEnd);
        break;
      case EVENT_ID.ALIAS:
        add(
          { anchored: false, alias: { target: anchors.get(text.slice(event.anchorStart, event.anchorEnd)) } },
          -1,
          -1,
        );
        break;
      case EVENT_ID.POP:
        open.pop();
        break;
    }
  }
  for (const root of documents) {
    const uses = new Map<TreeNode, AnchorUse>();
    const aliasCount = (node: TreeNode): number => {
      if (node.alias) {
        const use = node.alias.target && uses.get(node.alias.target);
        return use ? use.count * use.aliasCount : 0;
      }
      if (!node.children) return 1;
      let count = 0;
      for (const child of node.children) count = Math.max(count, aliasCount(child));
      return count;
    };
    const visit = (node: TreeNode): void => {
      if (node.anchored) uses.set(node, { count: 1, aliasCount: 0 });
      if (node.alias) {
        const target = node.alias.target;
        const use = target && uses.get(target);
        if (!target || !use) return;
        use.count += 1;
        if (use.aliasCount === 0) use.aliasCount = aliasCount(target);
        if (use.count * use.aliasCount > max) {
          throw new ReferenceError("Excessive alias count indicates a resource exhaustion attack");
        }
        return;
      }
      for (const child of node.children ?? []) visit(child);
    };
    visit(root);
  }
}
