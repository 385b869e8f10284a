// The stdio read buffer (shared/mcp/line-buffer.ts): messages split and joined across chunks as the SDK's ReadBuffer
// reads them (its cost is measured, not timed here: see the commit that brought it), and a message over the limit refused once with the SDK's words, its
// rest dropped, the next message read.
import { describe, expect, it } from "vitest";
import { LineReadBuffer } from "../../../shared/mcp/line-buffer.js";

const message = (id: number, text = "ok") => JSON.stringify({ jsonrpc: "2.0", id, result: { text } });
const drain = (buffer: LineReadBuffer) => {
  const read: unknown[] = [];
  for (let m = buffer.readMessage(); m !== null; m = buffer.readMessage()) read.push(m);
  return read;
};

describe("LineReadBuffer", () => {
  it("reads messages split across chunks and several in one chunk, CRLF or LF", () => {
    const buffer = new LineReadBuffer(1024);
    const bytes = Buffer.from(`${message(1)}\r\n${message(2)}\n${message(3)}\n`);
    for (let i = 0; i < bytes.length; i += 7) buffer.append(bytes.subarray(i, i + 7));
    expect(drain(buffer)).toEqual([1, 2, 3].map((id) => JSON.parse(message(id))));
  });

  it("keeps a multi-byte character whole when a chunk ends inside it", () => {
    const buffer = new LineReadBuffer(1024);
    const bytes = Buffer.from(`${message(1, "é漢🙂")}\n`);
    const cut = bytes.indexOf(Buffer.from("漢")) + 1;
    buffer.append(bytes.subarray(0, cut));
    buffer.append(bytes.subarray(cut));
    expect(drain(buffer)).toEqual([JSON.parse(message(1, "é漢🙂"))]);
  });

  it("refuses a message over the limit once, drops its rest, then reads the next message", () => {
    const buffer = new LineReadBuffer(100);
    const big = Buffer.from(`${message(1, "x".repeat(500))}\n${message(2)}\n`);
    const errors: string[] = [];
    for (let i = 0; i < big.length; i += 40) {
      try {
        buffer.append(big.subarray(i, i + 40));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    expect(errors).toEqual(["ReadBuffer exceeded maximum size of 100 bytes"]);
    expect(drain(buffer)).toEqual([JSON.parse(message(2))]);
  });

  it("takes a message of exactly the limit", () => {
    const line = message(1, "y".repeat(60));
    const buffer = new LineReadBuffer(Buffer.byteLength(line));
    buffer.append(Buffer.from(line));
    buffer.append(Buffer.from("\n"));
    expect(drain(buffer)).toEqual([JSON.parse(line)]);
  });

  it("a line that is not JSON-RPC throws as the SDK's does, and is consumed", () => {
    const buffer = new LineReadBuffer(1024);
    buffer.append(Buffer.from(`not json\n${message(1)}\n`));
    expect(() => buffer.readMessage()).toThrow();
    expect(drain(buffer)).toEqual([JSON.parse(message(1))]);
  });
});
