// The one DynamoDB table, reached through the document client. The same calls run against dynalite locally
// and DynamoDB on AWS; dynalite has no transactions, so writes that must not clash use condition expressions.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";

export interface Table {
  readonly name: string;
  readonly doc: DynamoDBDocumentClient;
}

export interface TableOptions {
  name: string;
  /** A local DynamoDB-compatible endpoint (dynalite, moto_server); left out, DynamoDB itself. */
  endpoint?: string;
  region?: string;
  /** More of the client's configuration: how the embedded platform reaches its store (local/store-client.ts). */
  client?: Omit<DynamoDBClientConfig, "region" | "endpoint">;
}

export function createTable(options: TableOptions): Table {
  const client = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
    ...options.client,
  });
  const doc = DynamoDBDocumentClient.from(client, {
    // convertClassInstanceToMap: the marshaller tells a map from a class instance by `value.constructor`, so a
    // caller's JSON object with a key named "constructor" (in `_meta`, tool arguments, run input) would otherwise
    // be refused as an unsupported type. Everything stored here is JSON data; dates are ISO strings.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  return { name: options.name, doc };
}

/** Whether the table answers (DescribeTable): the store's part of GET /v1/health. Never throws. */
export async function tableAnswers(table: Table): Promise<boolean> {
  try {
    await table.doc.send(new DescribeTableCommand({ TableName: table.name }));
    return true;
  } catch {
    return false;
  }
}

/** Creates the table with the same key schema the CDK data stack declares (pk/sk + gsi1), if it is missing. */
export async function ensureTable(table: Table): Promise<void> {
  try {
    await table.doc.send(new DescribeTableCommand({ TableName: table.name }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await table.doc.send(
    new CreateTableCommand({
      TableName: table.name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
        { AttributeName: "gsi1pk", AttributeType: "S" },
        { AttributeName: "gsi1sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  for (let i = 0; i < 100; i++) {
    const described = await table.doc.send(new DescribeTableCommand({ TableName: table.name }));
    if (described.Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** Every item a query matches, following LastEvaluatedKey: for item collections read as a whole. */
export async function queryAll<T>(
  table: Table,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new QueryCommand({ ...input, TableName: table.name, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

type Key = { pk: string; sk: string };

/**
 * Several items by key in one round trip (BatchGetItem, strongly consistent), answered in the order of `keys`,
 * undefined where there is none; keys the store left unprocessed (throttling) are asked again.
 */
export async function getMany<T>(table: Table, keys: Key[]): Promise<(T | undefined)[]> {
  const found = new Map<string, T>();
  const id = (key: Key) => `${key.pk}\u0000${key.sk}`;
  let pending: Record<string, unknown>[] = keys;
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
    const answer = await table.doc.send(
      new BatchGetCommand({ RequestItems: { [table.name]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of answer.Responses?.[table.name] ?? []) found.set(id(item as Key), item as T);
    pending = answer.UnprocessedKeys?.[table.name]?.Keys ?? [];
  }
  return keys.map((key) => found.get(id(key)));
}

/**
 * Puts items whole, 25 to a BatchWriteItem (the most DynamoDB takes), the batches at once; items the store left
 * unprocessed (throttling) are put again, with a growing pause, up to 8 times before it throws naming how many are
 * left. Unconditional: for items no one else writes (history, audit entries, step records).
 */
export async function putMany(table: Table, items: Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await Promise.all(
    batches.map(async (batch) => {
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
        if (round > 8)
          throw new Error(`the store left ${pending.length} items unprocessed after ${round} tries`);
        const answer = await table.doc.send(
          new BatchWriteCommand({ RequestItems: { [table.name]: pending } }),
        );
        pending = (answer.UnprocessedItems?.[table.name] ?? []) as typeof pending;
      }
    }),
  );
}

/**
 * Puts `item` unless an item with its key exists: how every create in mcpflow wins a race without transactions.
 * Answers false when the key was taken.
 */
export async function putIfAbsent(table: Table, item: Record<string, unknown>): Promise<boolean> {
  try {
    await table.doc.send(
      new PutCommand({ TableName: table.name, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
