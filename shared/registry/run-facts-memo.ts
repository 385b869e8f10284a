// What assertMayRun reads (a version's approval, the runtime policy, the server's grants), kept in memory where this
// process makes every write of them (shared/store/sole-writer-memo.ts): every step of a run checks that its server
// may still run, and reading the same three items before each call cost a store round trip per step
// (bench/workflow.ts). A revocation still stops the very next step.
import { SoleWriterMemo } from "../store/sole-writer-memo.js";
import type { Table } from "../store/table.js";

const runFacts = new SoleWriterMemo();

/**
 * Declares that every write of approvals, grants and the runtime policy on `table` goes through this process's
 * approval.ts, secret-grants.ts and runtime-policy.ts (the embedded platform, at start).
 */
export function runFactsHaveSoleWriter(table: Table): void {
  runFacts.soleWriter(table);
}

/** `read()`'s answer for `key`, kept until a write of run facts on `table`; read every time on any other table. */
export function memoizedRunFacts<T>(table: Table, key: string, read: () => Promise<T>): Promise<T> {
  return runFacts.read(table, key, read);
}

/** Wraps a write of run facts: whatever was read before, during or after it is read again. */
export function changingRunFacts<T>(table: Table, write: () => Promise<T>): Promise<T> {
  return runFacts.change(table, write);
}
