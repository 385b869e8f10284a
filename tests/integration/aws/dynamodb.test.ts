// The table code against moto_server's DynamoDB (not dynalite): ensureTable creates the CDK key schema, and the
// registry publishes and lists through it, proving the same calls run on DynamoDB proper.
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError } from "../../../shared/errors.js";
import type { Caller } from "../../../shared/identity/roles.js";
import { RegistryReads } from "../../../shared/registry/server-reads.js";
import { Registry } from "../../../shared/registry/service.js";
import { createTable, ensureTable, type Table } from "../../../shared/store/table.js";
import { MOTO_REGION, motoAvailable, useMotoServer } from "../../helpers/moto.js";

const editor: Caller = { id: "user:editor", kind: "user", name: "editor", role: "editor" };

describe.skipIf(!motoAvailable)("DynamoDB on moto_server", () => {
  const moto = useMotoServer();
  let table: Table;
  beforeAll(() => {
    table = createTable({ name: "mcpflow-test", endpoint: moto.endpoint, region: MOTO_REGION });
  });

  it("creates the table with pk/sk and the gsi1 index, and a second ensureTable is a no-op", async () => {
    await ensureTable(table);
    await ensureTable(table);
    const { Table: described } = await table.doc.send(
      new DescribeTableCommand({ TableName: "mcpflow-test" }),
    );
    expect(described?.TableStatus).toBe("ACTIVE");
    expect(described?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(described?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(["gsi1"]);
    expect(described?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
  });

  it("publishes a server version through the registry and lists it", async () => {
    await ensureTable(table);
    const registry = new Registry(table);
    const record = await registry.publish(
      {
        name: "io.github.acme/weather",
        description: "Weather forecasts",
        version: "1.0.0",
        tags: ["weather"],
        runtime: { transport: "stdio", command: "node", args: ["weather.js"] },
      },
      editor,
    );
    expect(record).toMatchObject({
      status: "active",
      isLatest: true,
      runtimeSource: "declared",
      publishedBy: "user:editor",
    });

    const listed = await new RegistryReads(table).list({ limit: 30 });
    expect(listed.servers.map((s) => `${s.server.name}@${s.server.version}`)).toEqual([
      "io.github.acme/weather@1.0.0",
    ]);
    expect(await registry.getVersion("io.github.acme/weather", "1.0.0")).toMatchObject({
      runtime: { transport: "stdio", command: "node" },
    });
    // The conditional write that keeps versions immutable holds on DynamoDB proper too.
    await expect(
      registry.publish({ name: "io.github.acme/weather", description: "again", version: "1.0.0" }, editor),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});
