// Shared composition for the Lambda entry points: the adapters built from the configuration (kept current by
// live-config.ts). (The Slack client is built in slack-runtime.ts, so the api bundle does not carry it.)
import { CodeArtsClient } from '../adapters/codearts/client.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoTaskStore } from '../adapters/dynamodb/store.js';
import { ConfigError, type NotifierConfig } from '../config.js';
import type { CodeArtsPort } from '../ports.js';
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

export function buildStore(config: NotifierConfig): DynamoTaskStore {
  const client = createDocumentClient(config.table.endpoint ? { endpoint: config.table.endpoint } : {});
  return new DynamoTaskStore({ client, tableName: config.table.name ?? 'notifier' });
}

export function buildCodeArts(config: NotifierConfig): CodeArtsPort {
  const { auth, region, endpoint, iamEndpoint } = config.codearts;
  if (!auth) {
    throw new ConfigError([
      'CodeArts credentials are missing: set HUAWEI_ACCESS_KEY + HUAWEI_SECRET_KEY, or HUAWEI_DOMAIN_NAME + HUAWEI_USER_NAME + HUAWEI_PASSWORD, or HUAWEI_AUTH_TOKEN',
    ]);
  }
  return new CodeArtsClient({
    region,
    auth,
    ...(endpoint ? { endpoint } : {}),
    ...(iamEndpoint ? { iamEndpoint } : {}),
  });
}
