// bench → one benchmark world: dynalite (in memory), the CodeArts simulator and the fake Slack over real HTTP
// on loopback (in a worker thread, see servers.ts), and the real adapters wired to them in this thread as the
// poller Lambda wires them (functions/handlers/runtime.ts), with the stack's defaults. One VirtualClock.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CodeArtsClient } from '../../functions/adapters/codearts/client.js';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoTaskStore } from '../../functions/adapters/dynamodb/store.js';
import { createSlackWebClient, SlackAdapter } from '../../functions/adapters/slack/index.js';
import { type PollCycleDeps, type PollCycleReport, runPollCycle } from '../../functions/app/poll-cycle.js';
import type { TaskRecord } from '../../functions/core/model.js';
import { isTerminal, type RunState, type TaskEvent } from '../../functions/core/model.js';
import { normaliseStateResponse } from '../../functions/core/normalise.js';
import type { CodeArtsPort, GetTaskStateOptions, Logger, TaskRepository } from '../../functions/ports.js';
import type { RunScript, RunTruth, TaskSpec } from '../../local/codearts-simulator/index.js';
import type { FakeSlackCall, FakeSlackMessage } from '../../local/fake-slack/index.js';
import { countDynamoRequests, type DdbCounter } from './ddb-counter.js';
import type { RpcOp, RpcResponse, ServersReady } from './servers.js';
import { VirtualClock } from './virtual-clock.js';

export const MAIN_CHANNEL = 'C0BENCH001';
export const SECOND_CHANNEL = 'C0BENCH002';
const TIME_ZONE = '+08:00';
/** CODEARTS_CONCURRENCY's default, as deployed (lib/README.md). */
export const CONCURRENCY = 8;
/** The Lambda timeout (lib/constructs/poller.ts POLLER_TIMEOUT): a tick's deadline. */
export const LAMBDA_TIMEOUT_MS = 55_000;

/** A batch of events the poller wrote, and when the write completed (the clock's time). */
export interface ObservedWrite {
  taskId: string;
  at: number;
  events: TaskEvent[];
}

/** The simulator and fake Slack, across the thread boundary. Calls in one `batch` cost one message. */
export interface Servers {
  ready: ServersReady;
  batch(ops: RpcOp[]): Promise<unknown[]>;
  createTask(spec: TaskSpec): Promise<{ taskId: string }>;
  startRun(taskId: string, script: RunScript): Promise<{ recordId: string }>;
  autoDeploy(taskId: string, options: { everyMs: number; failEvery?: number }): Promise<void>;
  runs(taskIds: string[]): Promise<RunTruth[][]>;
  setLatency(codeartsMs: number, slackMs: number): Promise<void>;
  slackCallCount(): Promise<number>;
  slackCalls(from: number): Promise<FakeSlackCall[]>;
  slackMessages(): Promise<FakeSlackMessage[]>;
  /** CodeArts Deploy requests answered, per task ID. */
  codeartsCalls(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export interface World {
  clock: VirtualClock;
  servers: Servers;
  store: DynamoTaskStore;
  ddb: DdbCounter;
  tableName: string;
  /** Every outbox batch the poller wrote, with the time the conditional write completed. */
  writes: ObservedWrite[];
  /** Warnings and errors the cycle logged (a healthy benchmark logs none). */
  problems: string[];
  deps: PollCycleDeps;
  cycle(options: { activePollSeconds: number; deadlineMs: number }): Promise<PollCycleReport>;
  /** Registers a watch the way the API does: the current run (if any) is the baseline. */
  watch(taskId: string, channels: string[]): Promise<void>;
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
      if ('type' in message) {
        resolve(message);
        return;
      }
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
    createTask: (spec) => one('createTask', spec),
    startRun: (taskId, script) => one('startRun', taskId, script),
    autoDeploy: (taskId, options) => one('autoDeploy', taskId, options),
    runs: async (taskIds) => (await batch(taskIds.map((id) => ({ op: 'runs', args: [id] })))) as RunTruth[][],
    setLatency: (codeartsMs, slackMs) => one('setLatency', codeartsMs, slackMs),
    slackCallCount: () => one('slackCallCount'),
    slackCalls: (from) => one('slackCalls', from),
    slackMessages: () => one('slackMessages'),
    codeartsCalls: async () => new Map(await one<Array<[string, number]>>('codeartsCalls')),
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage({ type: 'stop' });
        // A server that will not close must not hang the benchmark.
        setTimeout(() => void worker.terminate(), 5000).unref();
      }),
  };
}

/**
 * What-if knobs (bench/what-if.ts), to measure the effect of a recommended change before it is made in the
 * product: another CODEARTS_CONCURRENCY, or the task listing reordered so tasks with a deployment running
 * (per their stored snapshot) come first. Both default to the product as it is.
 */
export interface WorldOptions {
  concurrency?: number;
  taskOrder?: 'as-listed' | 'active-first';
}

export async function startWorld(workerFile: string, options: WorldOptions = {}): Promise<World> {
  const clock = new VirtualClock();
  const servers = await startServers(workerFile, clock);
  const { ready } = servers;
  // The same client settings as on Lambda (runtime.ts buildStore), only pointed at dynalite.
  const documentClient = createDocumentClient({ endpoint: ready.dynamoEndpoint });
  const ddb = countDynamoRequests(documentClient);
  const tableName = `bench-${randomUUID().slice(0, 8)}`;
  await ensureTable(documentClient, tableName);
  const store = new DynamoTaskStore({ client: documentClient, tableName });
  const codearts = new CodeArtsClient({
    region: 'cn-north-4',
    endpoint: ready.codeartsUrl,
    iamEndpoint: ready.codeartsUrl,
    auth: { type: 'token', token: ready.codeartsToken },
  });
  const slackPort = new SlackAdapter(
    createSlackWebClient({ token: ready.slackToken, apiUrl: ready.slackUrl }),
  );

  const writes: ObservedWrite[] = [];
  const problems: string[] = [];
  const note = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    if (problems.length < 50) problems.push(`${level}: ${message} ${extra ? JSON.stringify(extra) : ''}`);
  };
  const logger: Logger = { debug() {}, info() {}, warn: note('warn'), error: note('error') };
  const deps: PollCycleDeps = {
    repository: observingRepository(store, clock, writes, options.taskOrder ?? 'as-listed'),
    lease: store,
    codearts,
    slack: slackPort,
    clock,
    logger,
    metrics: { add() {} },
    timeZone: TIME_ZONE,
    consoleUrlTemplate: undefined,
  };

  return {
    clock,
    servers,
    store,
    ddb,
    tableName,
    writes,
    problems,
    deps,
    cycle: ({ activePollSeconds, deadlineMs }) =>
      runPollCycle(
        deps,
        { concurrency: options.concurrency ?? CONCURRENCY, activePollSeconds },
        { deadlineMs },
      ),
    watch: async (taskId, channels) => {
      let run: RunState | null = null;
      let taskName = '';
      try {
        run = normaliseStateResponse(await codearts.getTaskState(taskId), { timeZone: TIME_ZONE });
        taskName = run.taskName;
      } catch {
        // A task that never ran: the API confirms it by its detail and watches it with no run.
      }
      for (const channel of channels) {
        await store.watch(
          {
            taskId,
            region: 'cn-north-4',
            taskName,
            run,
            channel,
            options: { notify: 'all', mode: 'thread', mentions: ['U0ONCALL1'] },
          },
          new Date(clock.now()).toISOString(),
        );
      }
    },
    stop: async () => {
      documentClient.destroy();
      await servers.stop();
    },
  };
}

/**
 * The real store, observed: each conditional write that adds outbox batches is recorded with the time it
 * completed. That is the moment the change is durable; Slack is posted right after, in the same poll.
 */
function observingRepository(
  store: TaskRepository,
  clock: VirtualClock,
  writes: ObservedWrite[],
  order: NonNullable<WorldOptions['taskOrder']>,
): TaskRepository {
  const lastSeq = new Map<string, number>();
  return {
    getTask: (taskId) => store.getTask(taskId),
    deleteTask: (taskId, version) => store.deleteTask(taskId, version),
    listTasks: async function* () {
      const held: TaskRecord[] = [];
      for await (const record of store.listTasks()) {
        lastSeq.set(record.taskId, Math.max(lastSeq.get(record.taskId) ?? 0, record.lastSeq));
        if (order === 'as-listed') yield record;
        else held.push(record);
      }
      const running = (r: TaskRecord) => (r.run !== null && !isTerminal(r.run.status) ? 0 : 1);
      yield* held.sort((a, b) => running(a) - running(b));
    },
    putTask: async (record: TaskRecord, expectedVersion: number | null) => {
      const ok = await store.putTask(record, expectedVersion);
      const known = lastSeq.get(record.taskId) ?? 0;
      if (ok && record.lastSeq > known) {
        lastSeq.set(record.taskId, record.lastSeq);
        const events = record.outbox.filter((b) => b.seq > known).flatMap((b) => b.events);
        if (events.length > 0) writes.push({ taskId: record.taskId, at: clock.now(), events });
      }
      return ok;
    },
  };
}

/**
 * The same CodeArts port with `getTaskState` passed through `around` (to count or time the poller's polls);
 * every other method, present or future, is the original's, so the cycle behaves exactly as without it.
 */
export function aroundTaskState(
  port: CodeArtsPort,
  around: (taskId: string, call: () => Promise<unknown>) => Promise<unknown>,
): CodeArtsPort {
  return new Proxy(port, {
    get(target, property) {
      if (property === 'getTaskState') {
        return (taskId: string, options?: GetTaskStateOptions) =>
          around(taskId, () => target.getTaskState(taskId, options));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Runs `work` over `items` with at most `limit` in flight (setting up thousands of tasks). */
export async function inParallel<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
