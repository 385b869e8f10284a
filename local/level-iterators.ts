// A shim for dynalite 4 on abstract-level 3: dynalite turns LevelDB iterators into streams and, when a stream ends or
// is destroyed, closes the iterator with `iterator.return()`, a method abstract-level iterators do not have (theirs is
// `close()`). Every Query, Scan and table listing therefore left its iterator open: ~27,000 live iterators in one
// heap snapshot, 20–25 KiB of memory per request (issue 11). Giving the iterator classes the `return()` dynalite
// expects closes them; node_modules stays untouched, and the shim steps aside if either package fixes it.
import { createRequire } from "node:module";

interface IteratorPrototype {
  close(): Promise<void>;
  return?: () => Promise<IteratorReturnResult<undefined>>;
}

/** Resolves abstract-level as dynalite loads it (dynalite → level → classic-level → abstract-level). */
function abstractLevelOfDynalite(): Record<string, { prototype: IteratorPrototype } | undefined> {
  let require = createRequire(import.meta.url);
  for (const name of ["dynalite", "level", "classic-level"]) require = createRequire(require.resolve(name));
  return require("abstract-level") as Record<string, { prototype: IteratorPrototype } | undefined>;
}

let applied = false;

/** Idempotent; call before dynalite opens its database. */
export function closeDynaliteIterators(): void {
  if (applied) return;
  applied = true;
  const level = abstractLevelOfDynalite();
  for (const name of ["AbstractIterator", "AbstractKeyIterator", "AbstractValueIterator"]) {
    const prototype = level[name]?.prototype;
    if (!prototype || typeof prototype.return === "function") continue;
    prototype.return = async function (this: IteratorPrototype) {
      await this.close();
      return { done: true, value: undefined };
    };
  }
}
