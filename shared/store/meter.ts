// Counts the store requests made through one view of the table: the embedded engine gives each run's steps such a
// view, so a run's record can say how many reads and writes it made (its cost, shared/costs/usage.ts).
import type { Table } from "./table.js";

export interface StoreMeter {
  reads: number;
  writes: number;
}

const READS = new Set(["GetCommand", "QueryCommand", "ScanCommand", "BatchGetCommand"]);
const WRITES = new Set(["PutCommand", "UpdateCommand", "DeleteCommand", "BatchWriteCommand"]);

/** Which table a metered view reads through: caches keyed by table stay shared between the views of one store. */
const origins = new WeakMap<Table, Table>();

export function originOf(table: Table): Table {
  return origins.get(table) ?? table;
}

/**
 * A view of `table` whose every request is counted in `meter`, as DynamoDB bills them: a batch counts its items.
 * Everything else of the document client is the table's own.
 */
export function meteredTable(table: Table, meter: StoreMeter): Table {
  const doc = Object.create(table.doc) as Table["doc"];
  const send = ((command: { constructor: { name: string }; input?: unknown }, ...rest: unknown[]) => {
    const kind = command.constructor.name;
    if (READS.has(kind)) meter.reads += kind === "BatchGetCommand" ? batchSize(command.input, "Keys") : 1;
    else if (WRITES.has(kind))
      meter.writes += kind === "BatchWriteCommand" ? batchSize(command.input, null) : 1;
    return (table.doc.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as Table["doc"]["send"];
  Object.defineProperty(doc, "send", { value: send });
  const view: Table = { name: table.name, doc };
  origins.set(view, originOf(table));
  return view;
}

/** Items of a BatchGet (`Keys` per table) or a BatchWrite (requests per table). */
function batchSize(input: unknown, field: "Keys" | null): number {
  const tables = (input as { RequestItems?: Record<string, unknown> } | undefined)?.RequestItems ?? {};
  let count = 0;
  for (const entry of Object.values(tables)) {
    const items = field ? (entry as Record<string, unknown[]>)[field] : entry;
    count += Array.isArray(items) ? items.length : 0;
  }
  return Math.max(1, count);
}
