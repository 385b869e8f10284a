// Store: dynalite (what `npm start` runs) and moto_server's DynamoDB pass the same contract.
import { beforeAll, describe } from "vitest";
import { createTable, ensureTable, type Table } from "../../shared/store/table.js";
import { useDynalite } from "../helpers/dynalite.js";
import { motoAvailable, useMotoServer } from "../helpers/moto.js";
import { storeContract } from "./store.contract.js";

describe("dynalite", () => {
  const store = useDynalite();
  let table: Table;
  beforeAll(async () => {
    table = createTable({ name: "contract", endpoint: store.endpoint });
    await ensureTable(table);
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
