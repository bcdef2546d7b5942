// The api Lambda's handler over real wires: dynalite for the store, the CodeArts simulator behind the real
// HTTP client, served by the local HTTP adapter.
import { DynamoFeedStatus } from '../../../functions/adapters/dynamodb/feed-status.js';
import { DynamoPlannerTicks } from '../../../functions/adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import type { TaskRecord } from '../../../functions/core/model.js';
import { createApiHandler } from '../../../functions/handlers/api-pipeline.js';
import { silentLogger } from '../../../functions/ports.js';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { createLocalApiServer } from '../../../local/http-adapter.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';
import { simulatorClient } from '../../support/sim-codearts.js';
import { API_KEYS, SIGNING_SECRET } from '../../unit/api/fixtures.js';

export interface Stack {
  url: string;
  sim: CodeArtsSimulator;
  clock: ManualClock;
  store: DynamoTaskStore;
  ticks: DynamoPlannerTicks;
  feedStatus: DynamoFeedStatus;
  /** Tasks in the simulator: one with a finished run, one running, one that never ran. */
  tasks: { finished: string; running: string; neverRun: string };
  dump(): Promise<TaskRecord[]>;
  stop(): Promise<void>;
}

export const startStack = async (options: { slashVerifyTimeoutMs?: number } = {}): Promise<Stack> => {
  const clock = new ManualClock();
  const dynamo: TestDynamo = await startDynalite();
  const sim = await CodeArtsSimulator.start({ clock });
  const finished = sim.createTask({
    name: 'gateway-prod',
    steps: ['Select Deployment Source', 'Start Service'],
  }).taskId;
  sim.startRun(finished, { pendingMs: 0 });
  clock.advance(10 * 60_000);
  const running = sim.createTask({ name: 'billing-api', steps: 3 }).taskId;
  sim.startRun(running, { pendingMs: 0, stepDurationsMs: [1_000, 600_000, 600_000] });
  clock.advance(5_000);
  const neverRun = sim.createTask({ name: 'fresh-service', steps: 2 }).taskId;

  const store = new DynamoTaskStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const ticks = new DynamoPlannerTicks(dynamo.documentClient, dynamo.tableName);
  const feedStatus = new DynamoFeedStatus(dynamo.documentClient, dynamo.tableName);
  const codearts = simulatorClient(sim, { timeZone: '+08:00', now: () => clock.now() });
  const handler = createApiHandler({
    store,
    codearts,
    apiKeys: () => API_KEYS,
    slackSigningSecret: () => SIGNING_SECRET,
    defaultRegion: 'cn-north-4',
    now: () => clock.now(),
    logger: silentLogger,
    slashVerifyTimeoutMs: options.slashVerifyTimeoutMs ?? 500,
    lastPollCycleAt: () => ticks.lastCompletedAt(),
    feedStatus: () => feedStatus.read(),
  });
  const server = await createLocalApiServer(handler, { port: 0 });
  const dump = async (): Promise<TaskRecord[]> => {
    const records: TaskRecord[] = [];
    for await (const record of store.listTasks()) records.push(record);
    return records.sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
  };
  return {
    url: server.url,
    sim,
    clock,
    store,
    ticks,
    feedStatus,
    tasks: { finished, running, neverRun },
    dump,
    stop: async () => {
      await server.close();
      await sim.stop();
      await dynamo.stop();
    },
  };
};
