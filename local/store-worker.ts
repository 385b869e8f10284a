// The body of the store's thread (local/store-thread.ts starts it): dynalite on the platform's Unix socket, its
// LevelDB under the home. It tells its host when it listens and when, asked to close, its database is closed.
import type { Server } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";
import { closeDynaliteIterators } from "./level-iterators.js";
import type { StoreThreadMessage, StoreThreadOptions } from "./store-thread.js";

const { dataPath, socketPath } = workerData as StoreThreadOptions;
const port = parentPort!;
const tell = (message: StoreThreadMessage) => port.postMessage(message);

// Within this thread, before dynalite opens its database: the iterators are this thread's module instances.
closeDynaliteIterators();
const store = dynalite({
  path: dataPath,
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
}) as Server;
store.once("error", (error: NodeJS.ErrnoException) =>
  tell({ kind: "failed", message: error.message, ...(error.code ? { code: error.code } : {}) }),
);
store.listen(socketPath, () => tell({ kind: "listening" }));
port.on("message", (message: "close") => {
  if (message !== "close") return;
  store.close((error) => {
    tell(error ? { kind: "failed", message: error.message } : { kind: "closed" });
    port.close();
  });
});
