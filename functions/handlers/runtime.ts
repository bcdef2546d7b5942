// Shared composition for the Lambda entry points: the adapters built from the configuration (kept current by
// live-config.ts). (The Slack client is built in slack-runtime.ts and the SQS client in queue-runtime.ts, so the
// bundles that do not use them do not carry them.)
import { CodeArtsClient } from '../adapters/codearts/client.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoFeedStatus } from '../adapters/dynamodb/feed-status.js';
import { DynamoFleetGates } from '../adapters/dynamodb/fleet-gates.js';
import { DynamoInsightStore } from '../adapters/dynamodb/insight-store.js';
import { DynamoPlannerTicks } from '../adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../adapters/dynamodb/store.js';
import { systemClock } from '../adapters/system-clock.js';
import { ConfigError, type NotifierConfig } from '../config.js';
import type { CodeArtsActionsPort, CodeArtsFeedPort, CodeArtsPort } from '../ports.js';
import { liveConfig } from './live-config.js';

/**
 * The configuration once, secrets included. A handler that keeps running should hold a {@link liveConfig}
 * instead and ask it on every invocation, so rotated secrets reach it.
 */
export async function loadLambdaConfig(
  env: Record<string, string | undefined> = process.env,
): Promise<NotifierConfig> {
  return liveConfig({ env: () => env, required: ['TABLE_NAME'] }).current();
}

/**
 * The table's adapters, sharing one document client: the task store, the planner's ticks, the fleet gates, and the
 * run summaries and people.
 */
export function buildTable(config: NotifierConfig): {
  store: DynamoTaskStore;
  ticks: DynamoPlannerTicks;
  gates: DynamoFleetGates;
  feedStatus: DynamoFeedStatus;
  insight: DynamoInsightStore;
} {
  const client = createDocumentClient(config.table.endpoint ? { endpoint: config.table.endpoint } : {});
  const tableName = config.table.name ?? 'notifier';
  return {
    store: new DynamoTaskStore({ client, tableName }),
    ticks: new DynamoPlannerTicks(client, tableName),
    gates: new DynamoFleetGates(client, tableName),
    feedStatus: new DynamoFeedStatus(client, tableName),
    insight: new DynamoInsightStore({ client, tableName, now: () => systemClock.now() }),
  };
}

/** The CodeArts client: reading tasks and runs, the change feed, and the acting calls a press from Slack makes. */
export function buildCodeArts(config: NotifierConfig): CodeArtsPort & CodeArtsFeedPort & CodeArtsActionsPort {
  const { auth, region, endpoint, iamEndpoint } = config.codearts;
  if (!auth) {
    throw new ConfigError([
      'CodeArts credentials are missing: set HUAWEI_ACCESS_KEY + HUAWEI_SECRET_KEY, or HUAWEI_DOMAIN_NAME + HUAWEI_USER_NAME + HUAWEI_PASSWORD, or HUAWEI_AUTH_TOKEN',
    ]);
  }
  return new CodeArtsClient({
    region,
    auth,
    timeZone: config.codearts.timeZone,
    ...(endpoint ? { endpoint } : {}),
    ...(iamEndpoint ? { iamEndpoint } : {}),
  });
}
