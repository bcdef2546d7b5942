// Test support: the real poll cycle wired to dynalite, the CodeArts simulator and the fake Slack, all over
// real HTTP, on a manual clock so deployments and re-polling are deterministic.
import { CodeArtsClient } from '../../functions/adapters/codearts/client.js';
import { DynamoTaskStore } from '../../functions/adapters/dynamodb/store.js';
import { createSlackWebClient, SlackAdapter } from '../../functions/adapters/slack/index.js';
import { type PollCycleDeps, type PollCycleReport, runPollCycle } from '../../functions/app/poll-cycle.js';
import type { FaultHook } from '../../functions/app/poll-task.js';
import type { WatchRequest } from '../../functions/core/model.js';
import { normaliseStateResponse } from '../../functions/core/normalise.js';
import { type Clock, type MetricUnit, silentLogger } from '../../functions/ports.js';
import { ManualClock } from '../../local/codearts-simulator/clock.js';
import { CodeArtsSimulator } from '../../local/codearts-simulator/index.js';
import { FakeSlack } from '../../local/fake-slack/index.js';
import { startDynalite, type TestDynamo } from './dynamo.js';

export const CHANNEL = 'C0DEPLOYS1';
export const OTHER_CHANNEL = 'C0DEPLOYS2';
export const TIME_ZONE = '+08:00';

export interface Harness {
  dynamo: TestDynamo;
  store: DynamoTaskStore;
  sim: CodeArtsSimulator;
  slack: FakeSlack;
  clock: ManualClock;
  /** The cycle's clock: `sleep` moves the manual clock instead of waiting, so re-polling runs instantly. */
  cycleClock: Clock;
  metrics: Array<{ name: string; value: number; unit: MetricUnit | undefined }>;
  deps(overrides?: Partial<PollCycleDeps>): PollCycleDeps;
  /** Runs one poll cycle with a budget (default: 50 s of simulated time, active re-polling off). */
  cycle(options?: {
    budgetMs?: number;
    activePollSeconds?: number;
    faultHook?: FaultHook;
    deps?: Partial<PollCycleDeps>;
  }): Promise<PollCycleReport>;
  /** Registers a watch the way the API does: verified with CodeArts, current run as baseline. */
  watch(taskId: string, overrides?: Partial<WatchRequest>): Promise<void>;
  /** Moves simulated time forward. */
  advance(ms: number): void;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const clock = new ManualClock(Date.now());
  const [dynamo, sim, slack] = await Promise.all([
    startDynalite(),
    CodeArtsSimulator.start({ clock }),
    FakeSlack.start({ now: () => clock.now() }),
  ]);
  const store = new DynamoTaskStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const codearts = new CodeArtsClient({
    region: 'cn-north-4',
    endpoint: sim.url,
    iamEndpoint: sim.url,
    auth: { type: 'token', token: sim.issueToken() },
    timeoutMs: 2000,
  });
  const slackPort = new SlackAdapter(
    createSlackWebClient({ token: slack.token, apiUrl: slack.url, timeoutMs: 2000, retries: 1 }),
  );
  const cycleClock: Clock = {
    now: () => clock.now(),
    sleep: async (ms) => {
      clock.advance(Math.max(0, ms));
    },
  };
  const metrics: Harness['metrics'] = [];
  const deps = (overrides: Partial<PollCycleDeps> = {}): PollCycleDeps => ({
    repository: store,
    lease: store,
    codearts,
    slack: slackPort,
    clock: cycleClock,
    logger: silentLogger,
    metrics: { add: (name, value, unit) => metrics.push({ name, value, unit }) },
    timeZone: TIME_ZONE,
    consoleUrlTemplate: undefined,
    ...overrides,
  });
  return {
    dynamo,
    store,
    sim,
    slack,
    clock,
    cycleClock,
    metrics,
    deps,
    cycle: (options = {}) =>
      runPollCycle(
        deps({ ...(options.faultHook ? { faultHook: options.faultHook } : {}), ...options.deps }),
        { concurrency: 4, activePollSeconds: options.activePollSeconds ?? 0 },
        { deadlineMs: clock.now() + (options.budgetMs ?? 50_000) },
      ),
    watch: async (taskId, overrides = {}) => {
      let run = null;
      let taskName = '';
      try {
        run = normaliseStateResponse(await codearts.getTaskState(taskId), { timeZone: TIME_ZONE });
        taskName = run.taskName;
      } catch {
        const detail = (await codearts.getTaskDetail(taskId)) as { name?: string };
        taskName = detail.name ?? '';
      }
      await store.watch(
        {
          taskId,
          region: 'cn-north-4',
          taskName,
          run,
          channel: CHANNEL,
          options: { notify: 'all', mode: 'thread', mentions: [] },
          ...overrides,
        },
        new Date(clock.now()).toISOString(),
      );
    },
    advance: (ms) => clock.advance(ms),
    stop: async () => {
      await Promise.all([sim.stop(), slack.stop(), dynamo.stop()]);
    },
  };
}
