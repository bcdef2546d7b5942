// local/run → the local DynamoDB: dynalite keeping its data under the data directory (or DYNAMODB_ENDPOINT
// when given), the notifier's table created if missing, and the adapters the API, planner and workers share.
import { join } from 'node:path';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoFeedStatus } from '../../functions/adapters/dynamodb/feed-status.js';
import { DynamoFleetGates } from '../../functions/adapters/dynamodb/fleet-gates.js';
import { DynamoInsightStore } from '../../functions/adapters/dynamodb/insight-store.js';
import { DynamoPlannerTicks } from '../../functions/adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../functions/adapters/dynamodb/store.js';
import { startEmbeddedDynamo } from '../dynalite.js';

export interface LocalDynamo {
  store: DynamoTaskStore;
  ticks: DynamoPlannerTicks;
  gates: DynamoFleetGates;
  feedStatus: DynamoFeedStatus;
  /** Run summaries and people. */
  insight: DynamoInsightStore;
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
  const store = new DynamoTaskStore({ client, tableName: options.tableName });
  try {
    await ensureTable(client, options.tableName);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    store,
    ticks: new DynamoPlannerTicks(client, options.tableName),
    gates: new DynamoFleetGates(client, options.tableName),
    feedStatus: new DynamoFeedStatus(client, options.tableName),
    insight: new DynamoInsightStore({ client, tableName: options.tableName, now: () => Date.now() }),
    location: embedded ? path : endpoint,
    embedded: embedded !== null,
    stop,
  };
}
