// local/run → the local DynamoDB: dynalite keeping its data under the data directory (or DYNAMODB_ENDPOINT
// when given), the notifier's table created if missing, and the store the API and poller share.
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoTaskStore } from '../../functions/adapters/dynamodb/store.js';
import { TABLE_SCHEMA } from '../../functions/adapters/dynamodb/table-schema.js';
import { POLLER_LEASE } from '../../functions/app/poll-cycle.js';
import { startEmbeddedDynamo } from '../dynalite.js';

export interface LocalDynamo {
  store: DynamoTaskStore;
  /** Where the data is (a directory, or the external endpoint). */
  location: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** Call only while holding the data directory (lockDataDir). */
export async function startLocalDynamo(options: {
  dataDir: string;
  tableName: string;
  endpoint: string | undefined;
}): Promise<LocalDynamo> {
  const path = join(options.dataDir, 'dynamodb');
  const embedded = options.endpoint === undefined ? await startEmbeddedDynamo({ path }) : null;
  const endpoint = embedded?.endpoint ?? options.endpoint!;
  // Short timeouts: a local DynamoDB answers in milliseconds or not at all.
  const client = createDocumentClient({ endpoint, requestTimeoutMs: 5000, maxAttempts: 2 });
  const stop = async () => {
    client.destroy();
    await embedded?.stop();
  };
  try {
    await ensureTable(client, options.tableName);
    if (embedded) await freeLeaseOfDeadProcess(client, options.tableName);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    store: new DynamoTaskStore({ client, tableName: options.tableName }),
    location: embedded ? path : endpoint,
    embedded: embedded !== null,
    stop,
  };
}

/**
 * A process killed mid-cycle leaves the poller lease taken until its deadline passes. The embedded
 * database's directory belongs to this process alone (see data-dir.ts), so whoever held the lease is
 * dead: give it back now rather than skip ticks until it expires. (Only for the embedded store: a shared endpoint may have a
 * live poller elsewhere.) If the store's key layout ever changes, this finds nothing and the lease
 * simply expires as it would on Lambda.
 */
async function freeLeaseOfDeadProcess(
  client: ReturnType<typeof createDocumentClient>,
  tableName: string,
): Promise<void> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [TABLE_SCHEMA.partitionKey]: `LEASE#${POLLER_LEASE}`, [TABLE_SCHEMA.sortKey]: 'LEASE' },
        UpdateExpression: 'SET #until = :zero',
        ConditionExpression: 'attribute_exists(#until)',
        ExpressionAttributeNames: { '#until': 'leaseUntil' },
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
  }
}
