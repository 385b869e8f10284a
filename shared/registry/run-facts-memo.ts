// What assertMayRun reads (a version's approval, the runtime policy, the server's grants), kept in memory where this
// process makes every write of them: the embedded platform, whose home lock keeps every other writer off its store.
// Every step of a run checks that its server may still run; reading the same three items before each call cost a
// store round trip per step (bench/workflow.ts). A write moves the table's epoch before it starts and after it ends,
// and facts read while the epoch moved are not kept, so a revocation still stops the very next step.
import { originOf } from "../store/meter.js";
import type { Table } from "../store/table.js";

interface Memo {
  epoch: number;
  facts: Map<string, unknown>;
}

const memos = new WeakMap<Table, Memo>();

/**
 * Declares that every write of approvals, grants and the runtime policy on `table` goes through this process's
 * approval.ts, secret-grants.ts and runtime-policy.ts (the embedded platform, at start).
 */
export function runFactsHaveSoleWriter(table: Table): void {
  memos.set(originOf(table), { epoch: 0, facts: new Map() });
}

/** `read()`'s answer for `key`, kept until a write of run facts on `table`; read every time on any other table. */
export async function memoizedRunFacts<T>(table: Table, key: string, read: () => Promise<T>): Promise<T> {
  const memo = memos.get(originOf(table));
  if (!memo) return read();
  if (memo.facts.has(key)) return memo.facts.get(key) as T;
  const epoch = memo.epoch;
  const facts = await read();
  // Bounded simply: a full memo starts over (each entry is one read to redo).
  if (memo.facts.size >= 1024) memo.facts.clear();
  if (memo.epoch === epoch) memo.facts.set(key, facts);
  return facts;
}

/** Wraps a write of run facts: whatever was read before, during or after it is read again. */
export async function changingRunFacts<T>(table: Table, write: () => Promise<T>): Promise<T> {
  const memo = memos.get(originOf(table));
  const forget = () => {
    if (!memo) return;
    memo.epoch++;
    memo.facts.clear();
  };
  forget();
  try {
    return await write();
  } finally {
    forget();
  }
}
