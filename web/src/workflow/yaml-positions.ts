// Where a field named by the API (`steps[2].depends_on[0]`, `steps.shout.tool`, `body.steps[1].tool`) sits in the YAML text the user
// typed, so a validation error is drawn under that step and field. The deepest part of the path the text has
// is used (a missing field points at its step).
import { isMap, isNode, isPair, isScalar, isSeq, type Node, parseDocument } from "yaml";

export function pathOfField(field: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const part of field.replace(/^body\.?/, "").split(".")) {
    if (!part) continue;
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      path.push(part);
      continue;
    }
    if (match[1]) path.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** The text range [from, to) of the field, or of its deepest existing ancestor; the first line if none. */
export function rangeOfField(text: string, field: string): { from: number; to: number } {
  const doc = parseDocument(text);
  let node: Node | null = doc.contents as Node | null;
  let keyRange: [number, number] | undefined;
  let best: [number, number] | undefined = node?.range ? [node.range[0], node.range[1]] : undefined;
  for (const segment of pathOfField(field)) {
    if (!node) break;
    let next: unknown;
    keyRange = undefined;
    if (isMap(node) && typeof segment === "string") {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      if (pair && isScalar(pair.key) && pair.key.range) keyRange = [pair.key.range[0], pair.key.range[1]];
      next = pair?.value;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
    } else if (isSeq(node)) {
      // The API names a step by its id (`steps.shout.tool`).
      next = node.items.find(
        (item) =>
          isMap(item) &&
          item.items.some(
            (pair) =>
              isScalar(pair.key) &&
              pair.key.value === "id" &&
              isScalar(pair.value) &&
              pair.value.value === segment,
          ),
      );
    }
    if (!isNode(next)) {
      if (keyRange) best = keyRange;
      break;
    }
    node = next;
    // A scalar or a one-line value is marked whole; a block (a step) by its key, so the mark stays short.
    if (node.range) {
      const [start, end] = node.range;
      best = keyRange && !isScalar(node) ? keyRange : [start, Math.min(end, textLineEnd(text, start))];
    }
  }
  if (!best) return { from: 0, to: textLineEnd(text, 0) };
  return { from: best[0], to: Math.max(best[1], best[0] + 1) };
}

function textLineEnd(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end === -1 ? text.length : end;
}
