// Test support: the real planner and worker handlers wired to dynalite, the CodeArts simulator and the fake Slack,
// all over real HTTP, with the poll queue simulated on a manual clock (test/support/sim-queue.ts), so deployments,
// re-polls and faults are deterministic.
import { DynamoFeedStatus } from '../../functions/adapters/dynamodb/feed-status.js';
import { DynamoFleetGates } from '../../functions/adapters/dynamodb/fleet-gates.js';
import { DynamoInsightStore } from '../../functions/adapters/dynamodb/insight-store.js';
import { DynamoPlannerTicks } from '../../functions/adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../functions/adapters/dynamodb/store.js';
import { createSlackWebClients, SlackAdapter } from '../../functions/adapters/slack/index.js';
import type { PlanReport } from '../../functions/app/planner/plan-tick.js';
import { verifyTask } from '../../functions/app/registration/verify.js';
import type { WorkerDeps } from '../../functions/app/worker/run-batch.js';
import type { WatchRequest } from '../../functions/core/model.js';
import { createPlannerHandler } from '../../functions/handlers/planner-pipeline.js';
import { createWorkerHandler } from '../../functions/handlers/worker-pipeline.js';
import { type Logger, type MetricUnit, silentLogger } from '../../functions/ports.js';
import { ManualClock } from '../../local/codearts-simulator/clock.js';
import { CodeArtsSimulator } from '../../local/codearts-simulator/index.js';
import { FakeSlack } from '../../local/fake-slack/index.js';
import { startDynalite, type TestDynamo } from './dynamo.js';
import { type BatchRun, PipelineDriver } from './pipeline.js';
import { type Boundary, type CrashPlan, ProcessKilled, WorkerProcess } from './process.js';
import { simulatorClient } from './sim-codearts.js';
import { SimulatedQueue } from './sim-queue.js';

export const CHANNEL = 'C0DEPLOYS1';
export const OTHER_CHANNEL = 'C0DEPLOYS2';
export const TIME_ZONE = '+08:00';
/** The planner's period in the harness (a tick's follow-ups stop where the next tick starts). */
export const TICK_SECONDS = 60;

export interface CycleOptions {
  /** ACTIVE_POLL_SECONDS of the workers; default 0 (a running task waits for the next tick). */
  activePollSeconds?: number;
  /** Kills a worker invocation at the first boundary it approves. */
  crash?: CrashPlan;
  /** Awaited at every boundary (to hold a worker half-way). */
  hold?: (boundary: Boundary) => Promise<void>;
  /** Worker invocations at once; default 3. */
  workers?: number;
  /** CodeArts calls each worker invocation keeps in flight; default 4. */
  callsPerWorker?: number;
  /** Overrides of the workers' dependencies. */
  deps?: Partial<WorkerDeps>;
}

export interface CycleSummary {
  plan: PlanReport;
  batches: BatchRun[];
  /** The workers' summary counts over the cycle (eventsDetected, tasksPolled, codeartsThrottled, …). */
  worker: Record<string, number>;
}

export interface Harness {
  dynamo: TestDynamo;
  store: DynamoTaskStore;
  /** Run summaries and people, in the same table. */
  insight: DynamoInsightStore;
  sim: CodeArtsSimulator;
  slack: FakeSlack;
  clock: ManualClock;
  queue: SimulatedQueue;
  metrics: Array<{ name: string; value: number; unit: MetricUnit | undefined }>;
  /** One planner tick now, then the workers drain every message visible now. */
  cycle(options?: CycleOptions): Promise<CycleSummary>;
  /** One planner invocation for the tick scheduled at `scheduledTime` (default now), without draining. */
  plan(scheduledTime?: string): Promise<PlanReport>;
  /**
   * The rest of the tick: while delayed follow-ups (a running deployment's re-polls) fall due before `ms` has
   * passed, moves the clock to the next and drains again.
   */
  follow(ms: number, options?: CycleOptions): Promise<BatchRun[]>;
  /** Registers a watch the way the API does: verified with CodeArts, current run as baseline. */
  watch(taskId: string, overrides?: Partial<WatchRequest>): Promise<void>;
  advance(ms: number): void;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** CHANGE_FEED of the planner; default off, so every tick polls every task (test/integration/feed turns it on). */
  changeFeed?: boolean;
  /** SWEEP_MINUTES; default 10. */
  sweepMinutes?: number;
  /** Where the clock starts (epoch ms); default now. A test that depends on the time of day fixes it. */
  startAt?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock(options.startAt ?? Date.now());
  const now = () => clock.now();
  const [dynamo, sim, slack] = await Promise.all([
    startDynalite(),
    CodeArtsSimulator.start({ clock }),
    FakeSlack.start({ now }),
  ]);
  const store = new DynamoTaskStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const insight = new DynamoInsightStore({ client: dynamo.documentClient, tableName: dynamo.tableName, now });
  const ticks = new DynamoPlannerTicks(dynamo.documentClient, dynamo.tableName);
  const gates = new DynamoFleetGates(dynamo.documentClient, dynamo.tableName);
  const feedStatus = new DynamoFeedStatus(dynamo.documentClient, dynamo.tableName);
  const codearts = simulatorClient(sim, { timeZone: TIME_ZONE, now });
  const slackPort = new SlackAdapter(
    createSlackWebClients({ token: slack.token, apiUrl: slack.url, timeoutMs: 2000, retries: 1 }),
  );
  const queue = new SimulatedQueue({ now });
  const metrics: Harness['metrics'] = [];
  const metricsPort = {
    add: (name: string, value: number, unit?: MetricUnit) => metrics.push({ name, value, unit }),
  };
  // What each worker invocation counted: the numeric fields of its summary log line ("Batch polled").
  const summaries: Array<Record<string, unknown>> = [];
  const workerLogger: Logger = {
    ...silentLogger,
    info: (message, extra) => {
      if (message === 'Batch polled' && extra) summaries.push(extra);
    },
  };
  const planner = createPlannerHandler(() => ({
    deps: {
      index: store,
      ticks,
      queue,
      gates,
      feed: codearts,
      feedStatus,
      logger: silentLogger,
      metrics: metricsPort,
      now,
    },
    settings: {
      intervalSeconds: TICK_SECONDS,
      changeFeed: options.changeFeed ?? false,
      sweepMinutes: options.sweepMinutes ?? 10,
    },
  }));
  const driverFor = (options: CycleOptions) =>
    new PipelineDriver({
      queue,
      now,
      planner,
      workers: options.workers ?? 3,
      worker: () => {
        const proc = new WorkerProcess(options.crash, options.hold);
        const deps: WorkerDeps = {
          repository: proc.repository(store),
          codearts: proc.codearts(codearts),
          slack: proc.slack(slackPort),
          queue: proc.queue(queue),
          gates: proc.gates(gates),
          runs: proc.runs(insight),
          people: proc.people(insight),
          logger: workerLogger,
          metrics: metricsPort,
          timeZone: TIME_ZONE,
          consoleUrlTemplate: undefined,
          now,
          ...options.deps,
        };
        const handler = createWorkerHandler(
          () => ({
            deps,
            settings: {
              callsPerWorker: options.callsPerWorker ?? 4,
              activePollSeconds: options.activePollSeconds ?? 0,
            },
          }),
          silentLogger,
        );
        // A killed process answers nothing: its whole batch comes back after the visibility timeout.
        return async (event, context) => {
          const response = await handler(event, context);
          await proc.drained();
          if (proc.dead) throw new ProcessKilled('the worker was killed');
          return response;
        };
      },
    });
  // Each cycle is a tick of its own, as a new scheduled time is (tests often run two cycles at the same instant).
  let lastTick = 0;
  const nextTick = () => {
    lastTick = Math.max(clock.now(), lastTick + 1);
    return new Date(lastTick).toISOString();
  };
  const summed = (from: number): Record<string, number> => {
    const sums: Record<string, number> = {};
    for (const summary of summaries.slice(from)) {
      for (const [name, value] of Object.entries(summary)) {
        if (typeof value === 'number') sums[name] = (sums[name] ?? 0) + value;
      }
    }
    return sums;
  };
  return {
    dynamo,
    store,
    insight,
    sim,
    slack,
    clock,
    queue,
    metrics,
    cycle: async (options = {}) => {
      const from = summaries.length;
      const driver = driverFor(options);
      const plan = await driver.tick(nextTick());
      const batches = await driver.drain();
      return { plan, batches, worker: summed(from) };
    },
    plan: (scheduledTime) => driverFor({}).tick(scheduledTime ?? nextTick()),
    follow: async (ms, options = {}) => {
      const driver = driverFor(options);
      const end = clock.now() + ms;
      const ran: BatchRun[] = [];
      for (let at = queue.nextVisibleAt(); at !== null && at <= end; at = queue.nextVisibleAt()) {
        clock.set(Math.max(clock.now(), at));
        ran.push(...(await driver.drain()));
      }
      clock.set(end);
      return ran;
    },
    watch: async (taskId, overrides = {}) => {
      // Verified as the API verifies (the current run is the baseline); the project is left to the first poll.
      const { run, taskName } = await verifyTask({ codearts }, taskId, 'cn-north-4');
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
