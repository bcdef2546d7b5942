// Shared composition for the Lambda entry points: configuration (with Secrets Manager values) and the
// adapters built from it, once per container. (The Slack client is built in slack-runtime.ts and the SQS client in
// queue-runtime.ts, so the bundles that do not use them do not carry them.)
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { CodeArtsClient } from '../adapters/codearts/client.js';
import { createDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoFleetGates } from '../adapters/dynamodb/fleet-gates.js';
import { DynamoPlannerTicks } from '../adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../adapters/dynamodb/store.js';
import { ConfigError, type NotifierConfig, parseConfig, withSecrets } from '../config.js';
import type { CodeArtsPort } from '../ports.js';

/** Secrets are re-read at most this often, so a rotated Slack token is picked up without a redeploy. */
const SECRET_MAX_AGE_SECONDS = 300;

export async function loadLambdaConfig(
  env: Record<string, string | undefined> = process.env,
): Promise<NotifierConfig> {
  const merged = await withSecrets(env, async (arn) => {
    const value = await getSecret(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
    return typeof value === 'string' ? value : undefined;
  });
  const config = parseConfig(merged);
  if (!config.table.name) throw new ConfigError(['TABLE_NAME is missing: set it to the notifier table name']);
  return config;
}

/** The table's adapters, sharing one document client: the task store, the planner's ticks, the fleet gates. */
export function buildTable(config: NotifierConfig): {
  store: DynamoTaskStore;
  ticks: DynamoPlannerTicks;
  gates: DynamoFleetGates;
} {
  const client = createDocumentClient(config.table.endpoint ? { endpoint: config.table.endpoint } : {});
  const tableName = config.table.name ?? 'notifier';
  return {
    store: new DynamoTaskStore({ client, tableName }),
    ticks: new DynamoPlannerTicks(client, tableName),
    gates: new DynamoFleetGates(client, tableName),
  };
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
    timeZone: config.codearts.timeZone,
    ...(endpoint ? { endpoint } : {}),
    ...(iamEndpoint ? { iamEndpoint } : {}),
  });
}
