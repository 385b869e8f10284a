// How deep a value may nest before it is stored. DynamoDB refuses an item nested more than 32 levels; dynalite has no
// such limit, so without a check of our own a value AWS would refuse was stored locally, and one a few thousand levels
// deep overflowed the stack (JSON.stringify, the DynamoDB marshaller, schema walks) and answered 500.

/** What DynamoDB stores: attributes nested at most this many levels. */
export const STORED_DEPTH_LIMIT = 32;

/**
 * How deep a value that comes in (a request body, a tool's result) may nest: the records keep such a value at most
 * two levels below the item (a run's `input`, a step's `output.json`, a workflow version's `definition`).
 */
export const MAX_VALUE_DEPTH = STORED_DEPTH_LIMIT - 2;

/** Nesting depth of a JSON value (a scalar is 0, `[]` and `{}` are 1), counted without recursion up to `limit + 1`. */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Where a value first nests deeper than `limit`: the keys and indexes down to the container that passes it, or
 * undefined when it fits. Iterative, so a value nested 100,000 levels cannot overflow the stack.
 */
export function tooDeepAt(value: unknown, limit: number): string[] | undefined {
  interface Frame {
    node: unknown;
    depth: number;
    key: string | undefined;
    parent: Frame | undefined;
  }
  const stack: Frame[] = [{ node: value, depth: 0, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.node === null || typeof frame.node !== "object") continue;
    if (frame.depth + 1 > limit) {
      const path: string[] = [];
      for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) path.push(at.key);
      return path.reverse();
    }
    const entries = Array.isArray(frame.node)
      ? frame.node.map((child, index) => [String(index), child] as const)
      : Object.entries(frame.node);
    for (const [key, node] of entries) stack.push({ node, depth: frame.depth + 1, key, parent: frame });
  }
  return undefined;
}
