// The api pipeline over a fresh dynalite table (tasks, run summaries and people), with the scripted CodeArts and
// the unit fixtures' keys, signing secret and clock: for the routes whose truth is in the table.
import { DynamoInsightStore } from '../../../functions/adapters/dynamodb/insight-store.js';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import { type ApiHandler, createApiHandler } from '../../../functions/handlers/api-pipeline.js';
import { silentLogger } from '../../../functions/ports.js';
import type { TestDynamo } from '../../support/dynamo.js';
import { FakeCodeArts } from '../../support/fakes/codearts.js';
import { API_KEYS, NOW, SIGNING_SECRET } from '../../unit/api/fixtures.js';

export async function apiOverDynamo(
  dynamo: TestDynamo,
): Promise<{ handler: ApiHandler; tasks: DynamoTaskStore; insight: DynamoInsightStore }> {
  const tableName = await dynamo.newTable();
  const tasks = new DynamoTaskStore({ client: dynamo.documentClient, tableName });
  const insight = new DynamoInsightStore({ client: dynamo.documentClient, tableName, now: () => NOW });
  const handler = createApiHandler({
    store: tasks,
    people: insight,
    runs: insight,
    codearts: new FakeCodeArts(),
    apiKeys: () => API_KEYS,
    slackSigningSecret: () => SIGNING_SECRET,
    defaultRegion: 'cn-north-4',
    now: () => NOW,
    logger: silentLogger,
  });
  return { handler, tasks, insight };
}
