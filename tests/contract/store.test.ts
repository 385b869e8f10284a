// Store: dynalite (what `npm start` runs) and moto_server's DynamoDB pass the same contract.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe } from "vitest";
import { createTable, ensureTable, type Table } from "../../shared/store/table.js";
import { motoAvailable, useMotoServer } from "../helpers/moto.js";
import { storeContract } from "./store.contract.js";

describe("dynalite", () => {
  let server: Server;
  let table: Table;
  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    table = createTable({
      name: "contract",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    await ensureTable(table);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  storeContract("dynalite", () => table);
});

describe.skipIf(!motoAvailable)("DynamoDB on moto_server", () => {
  const moto = useMotoServer();
  let table: Table;
  beforeAll(async () => {
    table = createTable({ name: "contract", endpoint: moto.endpoint, region: moto.clientConfig.region });
    await ensureTable(table);
  });
  storeContract("moto DynamoDB", () => table);
});
