// Test support: a fresh dynalite with the notifier's table, over real HTTP.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { startEmbeddedDynamo } from '../../local/dynalite.js';

export interface TestDynamo {
  endpoint: string;
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** A new empty table on the same server (for test isolation). */
  newTable(): Promise<string>;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<TestDynamo> {
  const dynamo = await startEmbeddedDynamo();
  const documentClient = createDocumentClient({ endpoint: dynamo.endpoint, maxAttempts: 1 });
  const newTable = async () => {
    const name = `notifier-${randomUUID().slice(0, 8)}`;
    await ensureTable(documentClient, name);
    return name;
  };
  const tableName = await newTable();
  return {
    endpoint: dynamo.endpoint,
    documentClient,
    tableName,
    newTable,
    stop: async () => {
      documentClient.destroy();
      await dynamo.stop();
    },
  };
}
