// The embedded store in a thread of its own (node:worker_threads): dynalite parses every request's JSON, evaluates
// its expressions and reads and writes LevelDB, which was about a third of the platform's CPU under a burst of run
// starts (bench/run-starts.ts) — on the same event loop as the API and the executions. In its own thread it runs on
// another core; the platform reaches it over the same Unix socket as before (local/store-client.ts).
import { Worker } from "node:worker_threads";

export interface StoreThreadOptions {
  /** LevelDB's folder. */
  dataPath: string;
  /** The Unix socket dynalite listens on (its folder exists, no file is there). */
  socketPath: string;
}

export type StoreThreadMessage =
  | { kind: "listening" }
  | { kind: "closed" }
  | { kind: "failed"; message: string; code?: string };

export interface StoreThread {
  /** Closes the socket and then the database, once the requests in flight are answered; resolves when both are. */
  close(): Promise<void>;
}

/**
 * Starts the store's thread; resolves once it listens. A thread that ends unexpectedly (dynalite threw) takes the
 * platform down with it, as dynalite did when it ran in the platform's own thread: every request after it would fail,
 * and a restart recovers (the crash rules: runs marked, processes reaped).
 */
export async function startStoreThread(options: StoreThreadOptions): Promise<StoreThread> {
  const worker = new Worker(new URL("./store-worker.mjs", import.meta.url), { workerData: options });
  let closing = false;
  let ended = (_code: number) => {};
  const exited = new Promise<number>((done) => {
    ended = done;
  });
  const failure = (message: StoreThreadMessage & { kind: "failed" }) =>
    Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
  let starting: { fail: (error: Error) => void } | undefined;
  const listening = new Promise<void>((done, fail) => {
    starting = { fail };
    worker.on("message", (message: StoreThreadMessage) => {
      if (message.kind === "listening") done();
      if (message.kind === "failed" && starting) fail(failure(message));
    });
  });
  worker.on("error", (error) => {
    if (starting) starting.fail(error);
    else if (!closing)
      setImmediate(() => {
        throw error;
      });
  });
  worker.once("exit", (code) => {
    ended(code);
    if (starting) starting.fail(new Error(`the store's thread exited with code ${code}`));
    else if (!closing)
      setImmediate(() => {
        throw new Error(`the store's thread exited unexpectedly (code ${code})`);
      });
  });
  try {
    await listening;
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    starting = undefined;
  }
  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= (async () => {
        closing = true;
        const answer = new Promise<StoreThreadMessage>((done) => worker.once("message", done));
        worker.postMessage("close");
        const message = await Promise.race([answer, exited.then(() => undefined)]);
        await exited;
        if (message?.kind === "failed") throw failure(message);
      })();
      return closed;
    },
  };
}
