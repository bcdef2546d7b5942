// handlers/wiring → the table's adapters built from the configuration, for the composition roots (planner.ts,
// worker.ts, api.ts) and the local run. One file per adapter, so a bundle carries only the clients its function
// uses: the planner never loads Slack (slack.ts), the api never posts.
import { createDocumentClient } from '../../adapters/dynamodb/client.js';
import { DynamoFeedStatus } from '../../adapters/dynamodb/feed-status.js';
import { DynamoFleetGates } from '../../adapters/dynamodb/fleet-gates.js';
import { DynamoInsightStore } from '../../adapters/dynamodb/insight-store.js';
import { DynamoPlannerTicks } from '../../adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../adapters/dynamodb/store.js';
import { systemClock } from '../../adapters/system-clock.js';
import { ConfigError, type NotifierConfig, TABLE_NAME_MISSING } from '../../config.js';

/**
 * The table's adapters, sharing one document client: the task store, the planner's ticks, the fleet gates, the
 * change feed's status, and the run summaries and people.
 */
export function buildTable(config: NotifierConfig): {
  store: DynamoTaskStore;
  ticks: DynamoPlannerTicks;
  gates: DynamoFleetGates;
  feedStatus: DynamoFeedStatus;
  insight: DynamoInsightStore;
} {
  const tableName = config.table.name;
  // The composition roots ask liveConfig for TABLE_NAME, which reports it missing before anything is built.
  if (!tableName) throw new ConfigError([TABLE_NAME_MISSING]);
  const client = createDocumentClient(config.table.endpoint ? { endpoint: config.table.endpoint } : {});
  return {
    store: new DynamoTaskStore({ client, tableName }),
    ticks: new DynamoPlannerTicks(client, tableName),
    gates: new DynamoFleetGates(client, tableName),
    feedStatus: new DynamoFeedStatus(client, tableName),
    insight: new DynamoInsightStore({ client, tableName, now: () => systemClock.now() }),
  };
}
