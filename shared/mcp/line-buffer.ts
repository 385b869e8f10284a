// The read buffer of a stdio server's messages (one JSON-RPC message per line), in place of the MCP SDK's ReadBuffer.
// The SDK's concatenates everything buffered with every chunk and scans all of it for a newline: quadratic in a
// message's size (reading a 10 MiB message cost 0.8 s of CPU, a 50 MB result 1.35 s), and after a message outgrew
// the limit it started over on the rest of that same message. This one keeps a line's chunks, looks for the newline
// in the new chunk only, joins a line once it ends, and drops the rest of a message that outgrew the limit.
import type { ReadBuffer } from "@modelcontextprotocol/sdk/shared/stdio.js";
import { deserializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const NEWLINE = 0x0a;

export class LineReadBuffer implements Pick<ReadBuffer, "append" | "readMessage" | "clear"> {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly lines: string[] = [];
  /** Set once a message outgrew the limit: its bytes up to the next newline are dropped unread. */
  private skipping = false;

  constructor(private readonly maxBytes: number) {}

  append(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (!this.skipping) {
        this.chunks.push(chunk.subarray(start, end));
        this.lines.push(Buffer.concat(this.chunks).toString("utf8").replace(/\r$/, ""));
      }
      this.chunks = [];
      this.size = 0;
      this.skipping = false;
      start = end + 1;
    }
    if (this.skipping || start === chunk.length) return;
    const rest = chunk.subarray(start);
    if (this.size + rest.length > this.maxBytes) {
      this.chunks = [];
      this.size = 0;
      this.skipping = true;
      // The SDK's words: connect.ts recognises an overflow by them.
      throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBytes} bytes`);
    }
    this.chunks.push(rest);
    this.size += rest.length;
  }

  readMessage(): JSONRPCMessage | null {
    const line = this.lines.shift();
    return line === undefined ? null : deserializeMessage(line);
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.lines.length = 0;
  }
}
