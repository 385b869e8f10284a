// Reads kept in memory where this process makes every write of what they read: the embedded platform, whose home
// lock keeps every other writer off its store. A write moves the memo's epoch before it starts and after it ends,
// and what was read while the epoch moved is not kept, so a read that begins after a write has answered sees it.
// Elsewhere (a Lambda container, one of many writers) nothing is kept and every read goes to the store.
import { originOf } from "./meter.js";
import type { Table } from "./table.js";

interface Kept {
  epoch: number;
  values: Map<string, unknown>;
}

export class SoleWriterMemo {
  private readonly kept = new WeakMap<Table, Kept>();

  /** `limit`: entries kept per table; a full memo starts over (each entry is one read to redo). */
  constructor(private readonly limit = 1024) {}

  /** Declares that every write of what this memo keeps on `table` goes through this process (at start). */
  soleWriter(table: Table): void {
    this.kept.set(originOf(table), { epoch: 0, values: new Map() });
  }

  /** `read()`'s answer for `key`, kept until a write on `table`; read every time on a table not declared. */
  async read<T>(table: Table, key: string, read: () => Promise<T>): Promise<T> {
    const kept = this.kept.get(originOf(table));
    if (!kept) return read();
    if (kept.values.has(key)) return kept.values.get(key) as T;
    const epoch = kept.epoch;
    const value = await read();
    if (kept.values.size >= this.limit) kept.values.clear();
    if (kept.epoch === epoch) kept.values.set(key, value);
    return value;
  }

  /** Wraps a write: whatever was read before, during or after it is read again. */
  async change<T>(table: Table, write: () => Promise<T>): Promise<T> {
    const kept = this.kept.get(originOf(table));
    const forget = () => {
      if (!kept) return;
      kept.epoch++;
      kept.values.clear();
    };
    forget();
    try {
      return await write();
    } finally {
      forget();
    }
  }
}
