// A dynalite server (the embedded store's DynamoDB) on 127.0.0.1 for one test file, started before its tests and
// closed after them, as useMotoServer does for moto_server.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { afterAll, beforeAll } from "vitest";

export interface DynaliteServer {
  /** Its URL, once the file's beforeAll has run. */
  endpoint: string;
}

export function useDynalite(): DynaliteServer {
  const store = { endpoint: "" };
  let server: Server | undefined;
  beforeAll(async () => {
    const started = dynalite({ createTableMs: 0 });
    server = started;
    await new Promise<void>((resolve) => started.listen(0, "127.0.0.1", () => resolve()));
    store.endpoint = `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  return store;
}
