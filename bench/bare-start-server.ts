// The run-start benchmark's baseline: a bare node:http server that answers each POST with 202 after the one write a
// run start cannot do without (the run's item, a conditional put), against its own dynalite on a Unix socket in a
// thread of its process (local/store-thread.ts), as the embedded platform has it. What the platform's start costs
// beyond this is the platform's own. Prints its URL.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createSocketTable } from "../local/store-client.js";
import { startStoreThread } from "../local/store-thread.js";
import { ensureTable } from "../shared/store/table.js";

const home = await mkdtemp(join(tmpdir(), "mcpflow-bare-"));
// On a Unix socket, in its own thread, through the same client as the platform's store.
const socketPath = join(home, "store.sock");
const store = await startStoreThread({ dataPath: join(home, "data"), socketPath });
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
  void store
    .close()
    .then(() => rm(home, { recursive: true, force: true }))
    .then(() => process.exit(0));
});
