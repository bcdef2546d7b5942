// adapter → creates the notifier's table from the shared schema (local run and tests; CDK creates it on AWS).
import { CreateTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema.js';

/** Creates the table if it does not exist yet. */
export async function ensureTable(
  client: { send(command: CreateTableCommand): Promise<unknown> },
  tableName: string,
): Promise<void> {
  const { partitionKey, sortKey, tasksIndex } = TABLE_SCHEMA;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
          { AttributeName: tasksIndex.partitionKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: tasksIndex.name,
            KeySchema: [
              { AttributeName: tasksIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: tasksIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
