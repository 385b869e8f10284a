// Reverse links, stored as items so "who points at X" is one Query: `pk=REF#<type>#<id>, sk=<type>#<id>` of
// the source. A forward item per source (`pk=REFFROM#<type>#<id>`) remembers what it pointed at last, so a save
// can remove the links it dropped. The composition root (shared/compose.ts) writes them after every MCD and
// workflow save or delete.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Platform } from "../platform.js";
import type { Reference, References } from "./schema.js";

export type RefType = "server" | "workflow" | "mcd";

export interface RefTarget {
  type: RefType;
  id: string;
}

export interface RefSource extends RefTarget {
  /** Shown in reference lists, so callers need not fetch every source. */
  title?: string;
}

const reverseKey = (target: RefTarget) => `REF#${target.type}#${target.id}`;
const sourceSortKey = (source: RefTarget) => `${source.type}#${source.id}`;
const forwardKey = (source: RefTarget) => `REFFROM#${source.type}#${source.id}`;

interface ForwardItem {
  pk: string;
  sk: "LINKS";
  targets: RefTarget[];
}

interface ReverseItem {
  pk: string;
  sk: string;
  sourceType: RefType;
  sourceId: string;
  title?: string;
}

/** Makes `source` point at exactly `targets`. New links are written before stale ones are removed. */
async function replaceReferences(
  platform: Platform,
  source: RefSource,
  targets: readonly RefTarget[],
): Promise<void> {
  const { table } = platform;
  const previous = await table.doc.send(
    new GetCommand({
      TableName: table.name,
      Key: { pk: forwardKey(source), sk: "LINKS" },
      ConsistentRead: true,
    }),
  );
  const old = ((previous.Item as ForwardItem | undefined)?.targets ?? []).map((t) => reverseKey(t));
  const unique = [...new Map(targets.map((t) => [reverseKey(t), t])).values()];
  await Promise.all(
    unique.map((target) => {
      const item: ReverseItem = {
        pk: reverseKey(target),
        sk: sourceSortKey(source),
        sourceType: source.type,
        sourceId: source.id,
        ...(source.title ? { title: source.title } : {}),
      };
      return table.doc.send(new PutCommand({ TableName: table.name, Item: item }));
    }),
  );
  const keep = new Set(unique.map((t) => reverseKey(t)));
  await Promise.all(
    old
      .filter((pk) => !keep.has(pk))
      .map((pk) =>
        table.doc.send(new DeleteCommand({ TableName: table.name, Key: { pk, sk: sourceSortKey(source) } })),
      ),
  );
  if (unique.length === 0) {
    await table.doc.send(
      new DeleteCommand({ TableName: table.name, Key: { pk: forwardKey(source), sk: "LINKS" } }),
    );
  } else {
    const item: ForwardItem = { pk: forwardKey(source), sk: "LINKS", targets: unique };
    await table.doc.send(new PutCommand({ TableName: table.name, Item: item }));
  }
}

/** The MCDs and workflows that point at `target`: one Query on its reverse-link partition. */
async function findReferences(platform: Platform, target: RefTarget): Promise<References> {
  const { table } = platform;
  const found: References = { mcds: [], workflows: [] };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": reverseKey(target) },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as ReverseItem[]) {
      const ref: Reference = {
        type: item.sourceType,
        id: item.sourceId,
        ...(item.title ? { title: item.title } : {}),
      };
      if (item.sourceType === "mcd") found.mcds.push(ref);
      else if (item.sourceType === "workflow") found.workflows.push(ref);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

export class ReferenceIndex {
  constructor(private readonly platform: Platform) {}

  /** Makes `source` point at exactly `targets`. */
  replace(source: RefSource, targets: readonly RefTarget[]): Promise<void> {
    return replaceReferences(this.platform, source, targets);
  }

  /** Removes every link `source` has (on delete). */
  remove(source: RefTarget): Promise<void> {
    return replaceReferences(this.platform, source, []);
  }

  /** The MCDs and workflows that point at `target`. */
  find(target: RefTarget): Promise<References> {
    return findReferences(this.platform, target);
  }
}
