// The run-start benchmark's baseline: a bare node:http server that answers each POST with 202 after the one write a
// run start cannot do without (the run's item, a conditional put), against its own dynalite in the same process on
// a Unix socket, as the embedded platform has it. What the platform's start costs beyond this is the platform's own.
// Prints its URL.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { createSocketTable } from "../local/store-client.js";
import { ensureTable } from "../shared/store/table.js";

const home = await mkdtemp(join(tmpdir(), "mcpflow-bare-"));
const store = dynalite({ path: home, createTableMs: 0 }) as Server;
// On a Unix socket, through the same client as the platform's store.
const socketPath = join(home, "store.sock");
await new Promise<void>((done) => store.listen(socketPath, done));
const table = createSocketTable("bare", socketPath);
await ensureTable(table);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    const id = randomUUID();
    const startedAt = new Date().toISOString();
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: `RUN#${id}`,
          sk: "RUN",
          gsi1pk: "RUNS",
          gsi1sk: `${startedAt}#${id}`,
          id,
          status: "RUNNING",
          startedAt,
          input: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    res.writeHead(202, { "content-type": "application/json" });
    res.end(JSON.stringify({ id }));
  });
});
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
process.on("SIGTERM", () => {
  server.close();
  store.close(() => void rm(home, { recursive: true, force: true }).then(() => process.exit(0)));
});
