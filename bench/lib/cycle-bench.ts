// bench → one full poll cycle over N watched tasks, 10 % of them with a running deployment: its time against
// the floor, and the DynamoDB and Slack requests it makes, first with nothing changed, then with changes.
//
// Deployments are scripted in hours, so the minutes the benchmark itself takes never cross a step boundary:
// a cycle sees a change only when the benchmark moves the clock over one on purpose.
import type { PollCycleReport } from '../../functions/app/poll-cycle.js';
import type { RunScript } from '../../local/codearts-simulator/index.js';
import type { FakeSlackCall, FakeSlackMessage } from '../../local/fake-slack/index.js';
import type { DdbCounts } from './ddb-counter.js';
import {
  aroundTaskState,
  CONCURRENCY,
  inParallel,
  MAIN_CHANNEL,
  SECOND_CHANNEL,
  startWorld,
  type World,
} from './world.js';

const HOUR = 3_600_000;

/**
 * Three shapes of running deployment. The clock is moved by 2 h before each change cycle (to 2 h, then 4 h):
 * shape 0 crosses one step boundary each time (2 events), shape 1 two then one (4, then 2 events), shape 2
 * two, then fails (step failed + run finished). So a changed task has 2–4 events to coalesce.
 */
const SHAPES: Array<{ steps: number; script: RunScript }> = [
  { steps: 4, script: { stepDurationsMs: [1, 2, 2, 2].map((h) => h * HOUR), pendingMs: 0 } },
  { steps: 4, script: { stepDurationsMs: [0.5, 1, 2, 3].map((h) => h * HOUR), pendingMs: 0 } },
  {
    steps: 3,
    script: {
      stepDurationsMs: [0.5, 1, 2].map((h) => h * HOUR),
      pendingMs: 0,
      outcome: 'failed',
      failAtStep: 2,
    },
  },
];
export const CHANGE_STEP_MS = 2 * HOUR;

/** cycle ≈ head + (codeartsCalls × meanCodeartsMs + slotSecondsOutsideCodeArts) / concurrency + tail. */
export interface CycleBreakdown {
  /** Start of the cycle to its first CodeArts request: the lease and the whole task listing. */
  headSeconds: number;
  codeartsCalls: number;
  /** Round trip of a CodeArts request as the poller sees it (the simulated latency is 100 ms of it). */
  meanCodeartsMs: number;
  /** Worker-slot time between the first and last CodeArts answer not spent waiting on CodeArts. */
  slotSecondsOutsideCodeArts: number;
  /** Last CodeArts answer to the end of the cycle: that task's writes and Slack posts, the lease release. */
  tailSeconds: number;
}

export interface CycleMeasure {
  /** Wall time of runPollCycle, from the call to its return. */
  seconds: number;
  report: PollCycleReport;
  ddb: DdbCounts;
  slackCalls: number;
  slackByMethod: Record<string, number>;
  /** Tasks whose poll wrote new events. */
  changedTasks: number;
  /** Σ over changed tasks of their subscriptions: the deliveries Slack calls are shared by. */
  changedSubscriptions: number;
  events: number;
  /** The most Slack calls one subscription of one task got in this cycle. */
  maxSlackCallsPerSubscription: number;
  breakdown: CycleBreakdown;
  /**
   * This thread's heap growth during the cycle and the whole process's peak RSS (the servers' worker thread
   * included, so only an upper bound); the Lambda-like figure comes from a child process (children.ts).
   */
  inProcess: { heapDeltaMB: number; processPeakRssMB: number };
}

export interface CycleBenchWorld {
  world: World;
  n: number;
  running: number;
  subscriptions: Map<string, number>;
  measure(label: string): Promise<CycleMeasure>;
}

export async function setUpCycleWorld(
  workerFile: string,
  n: number,
  latency: { codeartsMs: number; slackMs: number },
  progress: (message: string) => void,
): Promise<CycleBenchWorld> {
  const world = await startWorld(workerFile);
  const { servers, clock } = world;
  await servers.setLatency(0, 0);
  progress(`N=${n}: creating ${n} CodeArts tasks, each with a finished run`);
  const created = (await servers.batch(
    Array.from({ length: n }, (_, i) => ({
      op: 'createTask',
      args: [{ name: `bench-task-${i}`, steps: i % 10 === 0 ? SHAPES[(i / 10) % SHAPES.length]!.steps : 3 }],
    })),
  )) as Array<{ taskId: string }>;
  const ids = created.map((c) => c.taskId);
  const oneSecondSteps = { stepDurationsMs: [1000, 1000, 1000, 1000], pendingMs: 0 };
  await servers.batch(ids.map((id) => ({ op: 'startRun', args: [id, oneSecondSteps] })));
  clock.advance(60_000);
  // Every tenth task has a deployment running; every fourth of those is watched in two channels.
  const runningIds = ids.filter((_, i) => i % 10 === 0);
  await servers.batch(
    runningIds.map((id, r) => ({ op: 'startRun', args: [id, SHAPES[r % SHAPES.length]!.script] })),
  );
  const running = runningIds.length;
  const subscriptions = new Map<string, number>();
  progress(`N=${n}: registering ${n} watches in DynamoDB (${running} with a running deployment)`);
  await inParallel([...ids.keys()], 16, async (i) => {
    const taskId = ids[i]!;
    const channels = i % 40 === 0 ? [MAIN_CHANNEL, SECOND_CHANNEL] : [MAIN_CHANNEL];
    subscriptions.set(taskId, channels.length);
    await world.watch(taskId, channels);
  });
  await servers.setLatency(latency.codeartsMs, latency.slackMs);

  // Where the cycle's time goes, seen from the poller: before its first CodeArts request (lease, listing),
  // in CodeArts requests (the floor's only term), and in a worker slot doing anything else (DynamoDB writes,
  // Slack, CPU).
  let polled = 0;
  let firstCallAt = Number.POSITIVE_INFINITY;
  let lastEndAt = 0;
  let codeartsMs = 0;
  world.deps.codearts = aroundTaskState(world.deps.codearts, async (_taskId, call) => {
    polled++;
    const start = performance.now();
    firstCallAt = Math.min(firstCallAt, start);
    try {
      return await call();
    } finally {
      const end = performance.now();
      codeartsMs += end - start;
      lastEndAt = Math.max(lastEndAt, end);
    }
  });

  const measure = async (label: string): Promise<CycleMeasure> => {
    progress(`N=${n}: ${label}`);
    polled = 0;
    firstCallAt = Number.POSITIVE_INFINITY;
    lastEndAt = 0;
    codeartsMs = 0;
    const heartbeat = setInterval(() => progress(`N=${n}: ${label}: ${polled}/${n} tasks polled`), 15_000);
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    let rssPeak = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      heapPeak = Math.max(heapPeak, usage.heapUsed);
      rssPeak = Math.max(rssPeak, usage.rss);
    }, 50);
    const ddbBefore = world.ddb.snapshot();
    const slackBefore = await servers.slackCallCount();
    const writesBefore = world.writes.length;
    const started = performance.now();
    // Active re-polling off and a generous deadline: this is one pass over every task, the unit the
    // floor describes. (The 55 s Lambda budget is not applied here; see the lag experiment for that.)
    const report = await world.cycle({ activePollSeconds: 0, deadlineMs: clock.now() + 30 * 60_000 });
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    clearInterval(heartbeat);
    clearInterval(sampler);
    const ddb = world.ddb.since(ddbBefore);
    const calls = await servers.slackCalls(slackBefore);
    const slackByMethod: Record<string, number> = {};
    for (const call of calls) slackByMethod[call.method] = (slackByMethod[call.method] ?? 0) + 1;
    const written = world.writes.slice(writesBefore);
    const changed = new Set(written.map((w) => w.taskId));
    const changedSubscriptions = [...changed].reduce((sum, id) => sum + (subscriptions.get(id) ?? 1), 0);
    return {
      seconds,
      report,
      ddb,
      slackCalls: calls.length,
      slackByMethod,
      changedTasks: changed.size,
      changedSubscriptions,
      events: written.reduce((sum, w) => sum + w.events.length, 0),
      maxSlackCallsPerSubscription: maxCallsPerSubscription(await servers.slackMessages(), calls),
      breakdown: {
        headSeconds: (firstCallAt - started) / 1000,
        codeartsCalls: polled,
        meanCodeartsMs: codeartsMs / Math.max(1, polled),
        slotSecondsOutsideCodeArts: (CONCURRENCY * (lastEndAt - firstCallAt) - codeartsMs) / 1000,
        tailSeconds: (ended - lastEndAt) / 1000,
      },
      inProcess: {
        heapDeltaMB: (heapPeak - heapBefore) / 1024 / 1024,
        processPeakRssMB: rssPeak / 1024 / 1024,
      },
    };
  };
  return { world, n, running, subscriptions, measure };
}

/** Groups Slack calls by (channel, task): posts carry the task in their metadata key, edits name a message. */
function maxCallsPerSubscription(messages: FakeSlackMessage[], calls: FakeSlackCall[]): number {
  const keyOfTs = new Map<string, string>();
  for (const message of messages) {
    const key = message.metadata?.event_payload.key;
    if (typeof key === 'string') keyOfTs.set(`${message.channel}/${message.ts}`, key);
  }
  const perSubscription = new Map<string, number>();
  for (const call of calls) {
    const channel = String(call.args.channel ?? '');
    const metadata = call.args.metadata as { event_payload?: { key?: unknown } } | undefined;
    const key =
      typeof metadata?.event_payload?.key === 'string'
        ? metadata.event_payload.key
        : (keyOfTs.get(`${channel}/${String(call.args.ts ?? '')}`) ?? 'unknown');
    const id = `${channel}/${key.split('/')[0]}`;
    perSubscription.set(id, (perSubscription.get(id) ?? 0) + 1);
  }
  return Math.max(0, ...perSubscription.values());
}

export const floorSeconds = (n: number, latencyMs: number): number => (n * latencyMs) / 1000 / CONCURRENCY;
