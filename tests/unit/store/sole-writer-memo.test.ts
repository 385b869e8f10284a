// The sole writer's memo: a read is kept until a write, a read that overlaps a write is not kept, and a table not
// declared is read every time (a Lambda container is one writer among many).
import { describe, expect, it } from "vitest";
import { SoleWriterMemo } from "../../../shared/store/sole-writer-memo.js";
import type { Table } from "../../../shared/store/table.js";

const aTable = () => ({ name: "memo" }) as unknown as Table;

function counter(values: string[]) {
  let reads = 0;
  return {
    read: async () => values[Math.min(reads++, values.length - 1)]!,
    get reads() {
      return reads;
    },
  };
}

describe("SoleWriterMemo", () => {
  it("keeps a read on a declared table until a write, then reads again", async () => {
    const memo = new SoleWriterMemo();
    const table = aTable();
    memo.soleWriter(table);
    const store = counter(["v1", "v2"]);
    expect(await memo.read(table, "k", store.read)).toBe("v1");
    expect(await memo.read(table, "k", store.read)).toBe("v1");
    expect(store.reads).toBe(1);
    await memo.change(table, async () => undefined);
    expect(await memo.read(table, "k", store.read)).toBe("v2");
    expect(store.reads).toBe(2);
  });

  it("does not keep what was read while a write was under way", async () => {
    const memo = new SoleWriterMemo();
    const table = aTable();
    memo.soleWriter(table);
    const store = counter(["before", "after"]);
    let finish!: () => void;
    const writing = memo.change(table, () => new Promise<void>((done) => (finish = done)));
    expect(await memo.read(table, "k", store.read)).toBe("before");
    finish();
    await writing;
    expect(await memo.read(table, "k", store.read)).toBe("after");
  });

  it("reads a table that was not declared every time", async () => {
    const memo = new SoleWriterMemo();
    const table = aTable();
    const store = counter(["a", "b"]);
    expect(await memo.read(table, "k", store.read)).toBe("a");
    expect(await memo.read(table, "k", store.read)).toBe("b");
  });
});
