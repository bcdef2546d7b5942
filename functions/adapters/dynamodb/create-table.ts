// adapter → creates the notifier's table from the shared schema (local run and tests; CDK creates it on AWS).
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema.js';

export class OutdatedTableError extends Error {
  override readonly name = 'OutdatedTableError';
}

/**
 * Creates the table if it does not exist yet. A table made by an older version, without the watch index, is
 * refused with a clear error (the local run's data is disposable: its watches can be registered again).
 */
export async function ensureTable(
  client: { send(command: CreateTableCommand | DescribeTableCommand): Promise<unknown> },
  tableName: string,
): Promise<void> {
  const { partitionKey, sortKey, watchIndex } = TABLE_SCHEMA;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
          { AttributeName: watchIndex.partitionKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: watchIndex.name,
            KeySchema: [
              { AttributeName: watchIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: watchIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...watchIndex.projected] },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    const described = (await client.send(new DescribeTableCommand({ TableName: tableName }))) as {
      Table?: {
        GlobalSecondaryIndexes?: Array<{ IndexName?: string; Projection?: { NonKeyAttributes?: string[] } }>;
      };
    };
    const index = (described.Table?.GlobalSecondaryIndexes ?? []).find(
      (i) => i.IndexName === watchIndex.name,
    );
    const projected = new Set(index?.Projection?.NonKeyAttributes ?? []);
    const missing = watchIndex.projected.filter((attribute) => !projected.has(attribute));
    if (index === undefined || missing.length > 0) {
      const why =
        index === undefined
          ? `it has no ${watchIndex.name} index`
          : `its ${watchIndex.name} lacks ${missing.join(', ')}`;
      throw new OutdatedTableError(
        `Table ${tableName} was made by an older version of the notifier (${why}): ` +
          'move its data directory (NOTIFIER_DATA_DIR) aside and start again, then register the watches anew',
      );
    }
  }
}
