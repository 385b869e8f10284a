// Picks the best k of n candidates in order without sorting all n: a bounded heap whose root is the worst kept.
// A search over 10,000 documents may match thousands; a page needs twenty.

/** Indices 0…count-1 of the best `k` by `better` (a strict order: no two indices equal), best first. */
export function bestOf(count: number, k: number, better: (a: number, b: number) => boolean): number[] {
  const size = Math.min(k, count);
  if (size <= 0) return [];
  const heap: number[] = [];
  const worse = (a: number, b: number) => better(b, a);
  const siftDown = (from: number) => {
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && worse(heap[left]!, heap[worst]!)) worst = left;
      if (right < heap.length && worse(heap[right]!, heap[worst]!)) worst = right;
      if (worst === at) return;
      [heap[at], heap[worst]] = [heap[worst]!, heap[at]!];
      at = worst;
    }
  };
  for (let i = 0; i < count; i++) {
    if (heap.length < size) {
      heap.push(i);
      let at = heap.length - 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(heap[at]!, heap[parent]!)) break;
        [heap[at], heap[parent]] = [heap[parent]!, heap[at]!];
        at = parent;
      }
    } else if (better(i, heap[0]!)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}
