// Puts that arrive while earlier ones are on their way to the store go together in the next write (group commit):
// every write request answers only once its audit entry is stored, and 50 concurrent run starts sent 50 PutItems on
// the event loop that answers them; they now send a few BatchWriteItems. Each put still resolves only once its own
// item is stored, so nothing is acknowledged earlier than before; a lone put goes at once, as one PutItem.
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { putMany, type Table } from "./table.js";

interface Waiting {
  item: Record<string, unknown>;
  stored: () => void;
  failed: (error: unknown) => void;
}

class GroupCommit {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly table: Table) {}

  put(item: Record<string, unknown>): Promise<void> {
    return new Promise((stored, failed) => {
      this.waiting.push({ item, stored, failed });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        if (group.length === 1)
          await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: group[0]!.item }));
        else
          await putMany(
            this.table,
            group.map((waiting) => waiting.item),
          );
        for (const waiting of group) waiting.stored();
      } catch (error) {
        for (const waiting of group) waiting.failed(error);
      }
    }
    this.writing = false;
  }
}

const groups = new WeakMap<Table, GroupCommit>();

/** Puts `item` whole (unconditionally) on `table`, with whatever other puts are waiting; resolves once it is stored. */
export function groupedPut(table: Table, item: Record<string, unknown>): Promise<void> {
  let group = groups.get(table);
  if (!group) {
    group = new GroupCommit(table);
    groups.set(table, group);
  }
  return group.put(item);
}
