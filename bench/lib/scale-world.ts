// bench → one benchmark world for the poll pipeline: dynalite (in memory), the CodeArts simulator and the fake
// Slack over real HTTP on loopback, in a worker thread (servers.ts), and in this thread the real planner and
// worker handlers (functions/handlers/*-pipeline.ts) wired with the real adapters as the Lambdas wire them, with
// the stack's defaults. The poll queue is simulated on the benchmark's clock (test/support/sim-queue.ts), so the
// idle waits an SQS delay makes can be skipped; everything else (HTTP round trips, CPU) takes real time.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CodeArtsClient } from '../../functions/adapters/codearts/client.js';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoFeedStatus } from '../../functions/adapters/dynamodb/feed-status.js';
import { DynamoFleetGates } from '../../functions/adapters/dynamodb/fleet-gates.js';
import { DynamoPlannerTicks } from '../../functions/adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../functions/adapters/dynamodb/store.js';
import { createSlackWebClients, SlackAdapter } from '../../functions/adapters/slack/index.js';
import { verifyTask } from '../../functions/app/registration/verify.js';
import type { TaskEvent, TaskRecord } from '../../functions/core/model.js';
import { createPlannerHandler, type PlannerHandler } from '../../functions/handlers/planner-pipeline.js';
import { createWorkerHandler, type WorkerHandler } from '../../functions/handlers/worker-pipeline.js';
import type { Logger, MetricUnit, TaskRepository } from '../../functions/ports.js';
import { type CallBudget, workerBatchSize } from '../../functions/shared/call-budget.js';
import type { RunScript, RunTruth, TaskSpec } from '../../local/codearts-simulator/index.js';
import { SimulatedQueue } from '../../test/support/sim-queue.js';
import { countDynamoRequests, type DdbCounter } from './ddb-counter.js';
import type { RpcOp, RpcResponse, ServersReady } from './servers.js';
import { VirtualClock } from './virtual-clock.js';

export const CHANNEL = 'C0BENCH001';
const TIME_ZONE = '+08:00';
/** The planner's period as deployed (rate(1 minute)). */
export const TICK_SECONDS = 60;
/** The worker's timeout as deployed (lib/constructs/worker.ts). */
export const WORKER_TIMEOUT_MS = 30_000;

/** A batch of events a worker wrote, and when the write completed (the clock's time). */
export interface ObservedWrite {
  taskId: string;
  at: number;
  events: TaskEvent[];
}

/** One handler invocation: which, how long it ran (real ms: what Lambda bills), how many messages it had. */
export interface Invocation {
  fn: 'planner' | 'worker';
  ms: number;
  records: number;
}

export interface Servers {
  ready: ServersReady;
  batch(ops: RpcOp[]): Promise<unknown[]>;
  runs(taskIds: string[]): Promise<RunTruth[][]>;
  /** CodeArts requests answered so far, by route. */
  codeartsCalls(): Promise<Map<string, number>>;
  slackCallCount(): Promise<number>;
  stop(): Promise<void>;
}

export interface ScaleWorld {
  clock: VirtualClock;
  servers: Servers;
  store: DynamoTaskStore;
  queue: SimulatedQueue;
  ddb: DdbCounter;
  planner: PlannerHandler;
  worker: WorkerHandler;
  budget: CallBudget;
  batchSize: number;
  writes: ObservedWrite[];
  invocations: Invocation[];
  /** Every poll a worker made (first CodeArts call of the task in an invocation), with the tick it belonged to. */
  polls: Array<{ taskId: string; at: number; tick: string }>;
  /** Warnings and errors the handlers logged (a healthy run logs none). */
  problems: string[];
  createTasks(specs: TaskSpec[]): Promise<string[]>;
  startRun(taskId: string, script: RunScript): Promise<void>;
  autoDeploy(taskId: string, options: { everyMs: number; failEvery?: number }): Promise<void>;
  createProject(): Promise<string>;
  /**
   * Registers watches as the API does (current run, if any, as the baseline), several at once; with the task's
   * project when given (registration learns it from the task detail). CodeArts answers at once meanwhile: set-up
   * is not what is measured.
   */
  watch(taskIds: string[], projectOf?: (taskId: string) => string | undefined): Promise<void>;
  stop(): Promise<void>;
}

export async function startServers(workerFile: string, clock: VirtualClock): Promise<Servers> {
  const worker = new Worker(workerFile, { workerData: { shared: clock.shared } });
  const pending = new Map<
    number,
    { resolve: (results: unknown[]) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  const ready = await new Promise<ServersReady>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: ServersReady | RpcResponse) => {
      if ('type' in message) return resolve(message);
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if ('error' in message) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.results);
    });
  });
  const batch = (ops: RpcOp[]): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ops });
    });
  const one = async <T>(op: string, ...args: unknown[]): Promise<T> => (await batch([{ op, args }]))[0] as T;
  return {
    ready,
    batch,
    runs: async (taskIds) => (await batch(taskIds.map((id) => ({ op: 'runs', args: [id] })))) as RunTruth[][],
    codeartsCalls: async () => new Map(await one<Array<[string, number]>>('codeartsCallsByPath')),
    slackCallCount: () => one('slackCallCount'),
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage({ type: 'stop' });
        // A server that will not close must not hang the benchmark.
        setTimeout(() => void worker.terminate(), 5000).unref();
      }),
  };
}

export async function startScaleWorld(
  workerFile: string,
  options: {
    budget: CallBudget;
    activePollSeconds: number;
    latency: { codeartsMs: number; slackMs: number };
    /** CHANGE_FEED and SWEEP_MINUTES of the planner. */
    changeFeed: boolean;
    sweepMinutes: number;
  },
): Promise<ScaleWorld> {
  const clock = new VirtualClock();
  const now = () => clock.now();
  const servers = await startServers(workerFile, clock);
  await servers.batch([{ op: 'setLatency', args: [options.latency.codeartsMs, options.latency.slackMs] }]);
  const { ready } = servers;
  // The same client settings as on Lambda (handlers/wiring/table.ts buildTable), only pointed at dynalite.
  const documentClient = createDocumentClient({ endpoint: ready.dynamoEndpoint });
  const ddb = countDynamoRequests(documentClient);
  const tableName = `bench-${randomUUID().slice(0, 8)}`;
  await ensureTable(documentClient, tableName);
  const store = new DynamoTaskStore({ client: documentClient, tableName });
  const ticks = new DynamoPlannerTicks(documentClient, tableName);
  const gates = new DynamoFleetGates(documentClient, tableName);
  const feedStatus = new DynamoFeedStatus(documentClient, tableName);
  const codearts = new CodeArtsClient({
    region: 'cn-north-4',
    endpoint: ready.codeartsUrl,
    iamEndpoint: ready.codeartsUrl,
    auth: { type: 'token', token: ready.codeartsToken },
    timeZone: TIME_ZONE,
    now,
  });
  const slack = new SlackAdapter(createSlackWebClients({ token: ready.slackToken, apiUrl: ready.slackUrl }));
  const queue = new SimulatedQueue({ now, visibilityTimeoutMs: WORKER_TIMEOUT_MS * 6 });

  const writes: ObservedWrite[] = [];
  const polls: ScaleWorld['polls'] = [];
  const invocations: Invocation[] = [];
  const problems: string[] = [];
  const note = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    if (problems.length < 50) problems.push(`${level}: ${message} ${extra ? JSON.stringify(extra) : ''}`);
  };
  const logger: Logger = { debug() {}, info() {}, warn: note('warn'), error: note('error') };
  const metrics = { add: (_name: string, _value: number, _unit?: MetricUnit) => {} };
  let currentTick = '';

  const planner = createPlannerHandler(() => ({
    deps: { index: store, ticks, queue, gates, feed: codearts, feedStatus, logger, metrics, now },
    settings: {
      intervalSeconds: TICK_SECONDS,
      changeFeed: options.changeFeed,
      sweepMinutes: options.sweepMinutes,
      codeartsConcurrency: options.budget.workers * options.budget.callsPerWorker,
    },
  }));
  const worker = createWorkerHandler(
    () => ({
      deps: {
        repository: observing(store, now, writes),
        codearts: {
          getTaskState: async (taskId, callOptions) => {
            if (callOptions?.recordId === undefined) polls.push({ taskId, at: now(), tick: currentTick });
            return codearts.getTaskState(taskId, callOptions);
          },
          getTaskDetail: (taskId, callOptions) => codearts.getTaskDetail(taskId, callOptions),
          listTaskHistory: (taskId, callOptions) => codearts.listTaskHistory(taskId, callOptions),
        },
        slack,
        queue,
        gates,
        logger,
        metrics,
        timeZone: TIME_ZONE,
        consoleUrlTemplate: undefined,
        now,
      },
      settings: {
        callsPerWorker: options.budget.callsPerWorker,
        activePollSeconds: options.activePollSeconds,
      },
    }),
    logger,
  );
  /** Wall time of each invocation, as Lambda bills it (the handler's own duration). */
  const timed = async <R>(fn: Invocation['fn'], records: number, run: () => Promise<R>): Promise<R> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      invocations.push({ fn, ms: performance.now() - started, records });
    }
  };

  return {
    clock,
    servers,
    store,
    queue,
    ddb,
    budget: options.budget,
    batchSize: workerBatchSize(options.budget),
    planner: (event, context) => {
      currentTick = event.scheduledTime ?? '';
      return timed('planner', 0, () => planner(event, context));
    },
    worker: (event, context) => timed('worker', event.Records.length, () => worker(event, context)),
    writes,
    invocations,
    polls,
    problems,
    createTasks: async (specs) => {
      const created = (await servers.batch(
        specs.map((spec) => ({ op: 'createTask', args: [spec] })),
      )) as Array<{
        taskId: string;
      }>;
      return created.map((c) => c.taskId);
    },
    startRun: async (taskId, script) => {
      await servers.batch([{ op: 'startRun', args: [taskId, script] }]);
    },
    autoDeploy: async (taskId, deploy) => {
      await servers.batch([{ op: 'autoDeploy', args: [taskId, deploy] }]);
    },
    createProject: async () => {
      const [created] = (await servers.batch([{ op: 'createProject', args: [{}] }])) as Array<{
        projectId: string;
      }>;
      return created!.projectId;
    },
    watch: async (taskIds, projectOf) => {
      const at = new Date(now()).toISOString();
      await servers.batch([{ op: 'setLatency', args: [0, options.latency.slackMs] }]);
      await inParallel(taskIds, 16, async (taskId) => {
        const projectId = projectOf?.(taskId);
        const { run, taskName } = await verifyTask({ codearts }, taskId, 'cn-north-4');
        await store.watch(
          {
            taskId,
            region: 'cn-north-4',
            taskName,
            run,
            channel: CHANNEL,
            options: { notify: 'all', mode: 'thread', mentions: [] },
            ...(projectId === undefined ? {} : { projectId }),
          },
          at,
        );
      });
      await servers.batch([
        { op: 'setLatency', args: [options.latency.codeartsMs, options.latency.slackMs] },
      ]);
    },
    stop: async () => {
      documentClient.destroy();
      await servers.stop();
    },
  };
}

/** The store, noting every outbox batch a write adds, with the time the conditional write completed. */
function observing(store: DynamoTaskStore, now: () => number, writes: ObservedWrite[]): TaskRepository {
  // The highest batch seq written so far per task: a write whose lastSeq is higher added the batches above it.
  const written = new Map<string, number>();
  return {
    getTask: (taskId, options) => store.getTask(taskId, options),
    listTasks: () => store.listTasks(),
    deleteTask: (taskId, expected) => store.deleteTask(taskId, expected),
    putTask: async (record: TaskRecord, expected: number | null) => {
      const ok = await store.putTask(record, expected);
      const seen = written.get(record.taskId) ?? 0;
      if (ok && record.lastSeq > seen) {
        written.set(record.taskId, record.lastSeq);
        const events = record.outbox.filter((batch) => batch.seq > seen).flatMap((batch) => batch.events);
        if (events.length > 0) writes.push({ taskId: record.taskId, at: now(), events });
      }
      return ok;
    },
  };
}

export async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, lane));
}
