// bench → one scale measurement: N watched tasks, a share of them deploying, through the real planner and worker
// handlers tick after tick, with the workers run as the event source mapping runs them (several invocations at
// once, each a batch of up to workerBatchSize polls). Real work takes real time; when nothing is in flight and
// nothing is visible on the queue, the clock jumps to the next message or tick (an SQS delay is an idle wait).
import type { SQSEvent } from 'aws-lambda';
import type { PlanReport } from '../../functions/app/planner/plan-tick.js';
import { callBudget } from '../../functions/shared/call-budget.js';
import type { RunTruth } from '../../local/codearts-simulator/index.js';
import { lambdaContext } from '../../test/support/pipeline.js';
import type { DdbCounts } from './ddb-counter.js';
import {
  type ObservedWrite,
  type ScaleWorld,
  startScaleWorld,
  TICK_SECONDS,
  WORKER_TIMEOUT_MS,
} from './scale-world.js';

export interface ScaleOptions {
  n: number;
  /** CODEARTS_CONCURRENCY: the call budget across every worker. */
  codeartsConcurrency: number;
  /** Share of the tasks with a deployment running at any time (they redeploy as soon as a run ends). */
  activeShare: number;
  /** Or an exact number of deploying tasks (N = 100 with one deployment). */
  deploying?: number;
  activePollSeconds: number;
  /** Ticks measured after the warm-up tick. */
  ticks: number;
  latency: { codeartsMs: number; slackMs: number };
  /** CHANGE_FEED of the planner, and SWEEP_MINUTES with it on. */
  changeFeed: boolean;
  sweepMinutes: number;
  /** Watched tasks per CodeArts project (the last project takes the rest). */
  tasksPerProject: number;
  progress: (message: string) => void;
}

export interface ScaleResult {
  n: number;
  changeFeed: boolean;
  sweepMinutes: number | null;
  projects: number;
  workers: number;
  callsPerWorker: number;
  codeartsConcurrency: number;
  activeShare: number;
  deploying: number;
  ticks: number;
  codeartsCallsPerTick: number;
  /** ListAllApp calls per tick (part of codeartsCallsPerTick). */
  feedCallsPerTick: number;
  /** Polls the planner queued per tick, by why (follow-ups of running tasks not counted). */
  plannedPollsPerTick: Record<string, number>;
  /**
   * CodeArts calls per idle task per tick: the /state polls of tasks with nothing running, plus every ListAllApp
   * call (the feed is for them), over their number.
   */
  idleCallsPerTaskPerTick: number;
  ddbReadUnitsPerTick: number;
  ddbWriteUnitsPerTick: number;
  sqsRequestsPerTick: number;
  lambdaRequestsPerTick: number;
  lambdaBilledSecondsPerTick: number;
  /** CodeArts calls × latency ÷ calls in flight per invocation: the least the workers can be billed. */
  billedFloorSecondsPerTick: number;
  /**
   * The least the tick's batches as they came can be billed: each worker invocation's polls in rounds of its calls
   * in flight (a batch of one poll takes a whole call's latency). Above billedFloorSecondsPerTick when polls are
   * sparse (the feed on, few deployments).
   */
  billedBatchFloorSecondsPerTick: number;
  tasksNotPolled: number[];
  stepLagP95Seconds: number | null;
  stepLagP50Seconds: number | null;
  newRunLagP95Seconds: number | null;
  newRunLagP50Seconds: number | null;
  transitionsMeasured: number;
  undetected: number;
  slackCallsPerTick: number;
  /** Real seconds the whole measurement took (set-up excluded). */
  wallSeconds: number;
  problems: string[];
}

/** Steps of a deployment and how long each runs: five steps of about a minute, a run of about five minutes. */
const STEPS = [
  'Select Deployment Source',
  'Stop Service',
  'Install Package',
  'Start Service',
  'Health Check',
];
const STEP_MS = 60_000;
/** A deploying task starts its next run this long after its last one began (runs overlap nothing). */
const REDEPLOY_EVERY_MS = STEPS.length * STEP_MS + 30_000;
const LIST_ALL_APP = 'POST /v1/applications/list';

export async function measureScale(serversFile: string, o: ScaleOptions): Promise<ScaleResult> {
  const budget = callBudget(o.codeartsConcurrency);
  const world = await startScaleWorld(serversFile, {
    budget,
    activePollSeconds: o.activePollSeconds,
    latency: o.latency,
    changeFeed: o.changeFeed,
    sweepMinutes: o.sweepMinutes,
  });
  try {
    const deploying = o.deploying ?? Math.ceil(o.n * o.activeShare);
    const projectCount = Math.ceil(o.n / o.tasksPerProject);
    o.progress(
      `N=${o.n}: creating ${o.n} tasks in ${projectCount} projects (${deploying} deploying), watching them`,
    );
    const projects: string[] = [];
    for (let p = 0; p < projectCount; p++) projects.push(await world.createProject());
    const ids: string[] = [];
    const projectOfTask = new Map<string, string>();
    for (let i = 0; i < o.n; i += 1000) {
      const specs = Array.from({ length: Math.min(1000, o.n - i) }, (_, k) => ({
        name: `svc-${i + k}`,
        projectId: projects[Math.floor((i + k) / o.tasksPerProject)]!,
        steps: STEPS.map((name) => ({ name, durationMs: STEP_MS })),
      }));
      const created = await world.createTasks(specs);
      created.forEach((taskId, k) => {
        ids.push(taskId);
        projectOfTask.set(taskId, specs[k]!.projectId);
      });
    }
    // The deploying tasks spread over the projects (every k-th task), as deployments are in a real tenant.
    const stride = Math.max(1, Math.floor(o.n / Math.max(1, deploying)));
    const active = ids.filter((_, i) => i % stride === 0).slice(0, deploying);
    // Spread the deploying tasks' schedules over one redeploy period (the clock moves on between them), so runs
    // start and steps end all the time rather than all at once.
    for (const taskId of active) {
      world.clock.advance(REDEPLOY_EVERY_MS / Math.max(1, active.length));
      await world.autoDeploy(taskId, { everyMs: REDEPLOY_EVERY_MS });
    }
    await world.watch(ids, (taskId) => projectOfTask.get(taskId));

    const tickMs = TICK_SECONDS * 1000;
    let tickAt = Math.ceil(world.clock.now() / tickMs) * tickMs;
    // With the feed on, the warm-up tick polls every task once, for what the feed says of it (as switching the feed
    // on does); from then on idle tasks are polled only when the feed moves or their sweep falls due.
    // Polling every task may take longer than a tick at large N: the warm-up gets as many ticks' time as it needs,
    // and the measured ticks start at the next tick after it.
    const warmUpTicks = Math.max(
      1,
      Math.ceil((o.n * o.latency.codeartsMs) / (budget.workers * budget.callsPerWorker) / tickMs) + 1,
    );
    o.progress(`N=${o.n}: warm-up tick (${warmUpTicks} ticks' time)`);
    await runTick(world, tickAt, tickAt + warmUpTicks * tickMs);
    const started = performance.now();
    tickAt = Math.max(tickAt + warmUpTicks * tickMs, Math.ceil(world.clock.now() / tickMs) * tickMs);
    const windowStart = tickAt;
    const perTick: TickFigures[] = [];
    for (let t = 0; t < o.ticks; t++) {
      const before = await snapshot(world);
      const plan = await runTick(world, tickAt, tickAt + tickMs);
      const after = await snapshot(world);
      const figures = tickFigures(world, plan, before, after, tickAt, tickAt + tickMs, new Set(active));
      perTick.push(figures);
      o.progress(
        `N=${o.n}: tick ${t + 1}/${o.ticks}: ${figures.codeartsCalls} CodeArts calls, ${figures.notPolled} not polled, billed ${figures.billedSeconds.toFixed(1)} s`,
      );
      tickAt += tickMs;
    }
    const windowEnd = tickAt;
    const truths = (await world.servers.runs(active)).flat();
    const lags = detectionLags(truths, world.writes, windowStart, windowEnd);
    const mean = (pick: (f: TickFigures) => number) =>
      perTick.reduce((sum, f) => sum + pick(f), 0) / perTick.length;
    const idleTasks = o.n - deploying;
    const reasonsPerTick: Record<string, number> = {};
    for (const f of perTick) {
      for (const [reason, count] of Object.entries(f.reasons)) {
        reasonsPerTick[reason] = (reasonsPerTick[reason] ?? 0) + count / perTick.length;
      }
    }
    return {
      n: o.n,
      changeFeed: o.changeFeed,
      sweepMinutes: o.changeFeed ? o.sweepMinutes : null,
      projects: projectCount,
      workers: budget.workers,
      callsPerWorker: budget.callsPerWorker,
      codeartsConcurrency: o.codeartsConcurrency,
      activeShare: deploying / o.n,
      deploying,
      ticks: o.ticks,
      codeartsCallsPerTick: round(mean((f) => f.codeartsCalls)),
      feedCallsPerTick: round(mean((f) => f.feedCalls)),
      plannedPollsPerTick: Object.fromEntries(
        Object.entries(reasonsPerTick)
          .filter(([, count]) => count > 0)
          .map(([reason, count]) => [reason, round(count)]),
      ),
      idleCallsPerTaskPerTick: idleTasks === 0 ? 0 : round(mean((f) => f.idleCalls) / idleTasks, 4),
      ddbReadUnitsPerTick: round(mean((f) => f.ddb.readUnits)),
      ddbWriteUnitsPerTick: round(mean((f) => f.ddb.writeUnits)),
      sqsRequestsPerTick: round(mean((f) => f.sqsRequests)),
      lambdaRequestsPerTick: round(mean((f) => f.invocations)),
      lambdaBilledSecondsPerTick: round(
        mean((f) => f.billedSeconds),
        2,
      ),
      billedFloorSecondsPerTick: round(
        mean((f) => (f.codeartsCalls * o.latency.codeartsMs) / 1000 / budget.callsPerWorker),
        2,
      ),
      billedBatchFloorSecondsPerTick: round(
        mean((f) => (f.callRounds * o.latency.codeartsMs) / 1000),
        2,
      ),
      tasksNotPolled: perTick.map((f) => f.notPolled),
      stepLagP95Seconds: lags.step.p95,
      stepLagP50Seconds: lags.step.p50,
      newRunLagP95Seconds: lags.newRun.p95,
      newRunLagP50Seconds: lags.newRun.p50,
      transitionsMeasured: lags.measured,
      undetected: lags.undetected,
      slackCallsPerTick: round(mean((f) => f.slackCalls)),
      wallSeconds: round((performance.now() - started) / 1000, 1),
      problems: world.problems.slice(0, 10),
    };
  } finally {
    await world.stop();
  }
}

/**
 * One tick: the planner, then worker invocations (at most `budget.workers` at once) until the next tick is due.
 * While batches are in flight, real time passes; when none is and no message is visible, the clock jumps to the
 * next visible message (or the next tick).
 */
async function runTick(world: ScaleWorld, tickAt: number, nextTickAt: number): Promise<PlanReport> {
  world.clock.jumpTo(tickAt);
  const plan = await world.planner(
    { scheduledTime: new Date(tickAt).toISOString() },
    lambdaContext(() => world.clock.now(), 50_000),
  );
  const inflight = new Set<Promise<void>>();
  const invoke = (records: ReturnType<typeof world.queue.receive>) => {
    const event: SQSEvent = { Records: records };
    const run = world
      .worker(
        event,
        lambdaContext(() => world.clock.now(), WORKER_TIMEOUT_MS),
      )
      .then((response) => {
        const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        world.queue.delete(records.filter((r) => !failed.has(r.messageId)).map((r) => r.messageId));
      })
      .finally(() => inflight.delete(run));
    inflight.add(run);
  };
  while (world.clock.now() < nextTickAt) {
    while (inflight.size < world.budget.workers) {
      const records = world.queue.receive(world.batchSize);
      if (records.length === 0) break;
      invoke(records);
    }
    if (inflight.size > 0) {
      // Messages may become visible while batches run: look again soon, not only when one ends.
      await Promise.race([...inflight, new Promise((resolve) => setTimeout(resolve, 20))]);
      continue;
    }
    const next = world.queue.nextVisibleAt();
    world.clock.jumpTo(next === null ? nextTickAt : Math.min(next, nextTickAt));
  }
  await Promise.all(inflight);
  return plan;
}

interface Snapshot {
  calls: Map<string, number>;
  ddb: DdbCounts;
  sqs: { send: number; receive: number; delete: number };
  invocations: number;
  polls: number;
  slackCalls: number;
}

async function snapshot(world: ScaleWorld): Promise<Snapshot> {
  return {
    calls: await world.servers.codeartsCalls(),
    ddb: world.ddb.snapshot(),
    sqs: { ...world.queue.requests },
    invocations: world.invocations.length,
    polls: world.polls.length,
    slackCalls: await world.servers.slackCallCount(),
  };
}

interface TickFigures {
  codeartsCalls: number;
  feedCalls: number;
  reasons: Record<string, number>;
  idleCalls: number;
  ddb: DdbCounts;
  sqsRequests: number;
  invocations: number;
  billedSeconds: number;
  /** Rounds of calls in flight the tick's worker batches needed at least (Σ ⌈polls ÷ calls per worker⌉). */
  callRounds: number;
  notPolled: number;
  slackCalls: number;
}

function tickFigures(
  world: ScaleWorld,
  plan: PlanReport,
  before: Snapshot,
  after: Snapshot,
  from: number,
  to: number,
  active: ReadonlySet<string>,
): TickFigures {
  let codeartsCalls = 0;
  for (const [route, count] of after.calls) codeartsCalls += count - (before.calls.get(route) ?? 0);
  const polls = world.polls.slice(before.polls);
  const invocations = world.invocations.slice(before.invocations);
  const polledInTick = new Set(polls.filter((p) => p.at >= from && p.at < to).map((p) => p.taskId));
  const feedCalls = (after.calls.get(LIST_ALL_APP) ?? 0) - (before.calls.get(LIST_ALL_APP) ?? 0);
  // Idle tasks' share of the calls: their /state polls (an idle task makes no other call), and the feed's.
  const idleCalls = polls.filter((p) => !active.has(p.taskId)).length + feedCalls;
  return {
    codeartsCalls,
    feedCalls,
    reasons: { ...plan.reasons },
    idleCalls,
    ddb: world.ddb.since(before.ddb),
    sqsRequests:
      after.sqs.send -
      before.sqs.send +
      (after.sqs.receive - before.sqs.receive) +
      (after.sqs.delete - before.sqs.delete),
    invocations: invocations.length,
    billedSeconds: invocations.reduce((sum, i) => sum + i.ms, 0) / 1000,
    callRounds: invocations
      .filter((i) => i.fn === 'worker')
      .reduce((sum, i) => sum + Math.ceil(i.records / world.budget.callsPerWorker), 0),
    notPolled: Math.max(0, plan.queued - polledInTick.size),
    slackCalls: after.slackCalls - before.slackCalls,
  };
}

interface Quantiles {
  p50: number | null;
  p95: number | null;
}

/** How long after each transition truly happened (the simulator's truth) a worker recorded it. */
function detectionLags(
  runs: RunTruth[],
  writes: ObservedWrite[],
  windowStart: number,
  windowEnd: number,
): { step: Quantiles; newRun: Quantiles; measured: number; undetected: number } {
  const seenAt = new Map<string, number>();
  for (const write of writes) {
    for (const event of write.events) {
      const key =
        'step' in event ? `${event.recordId}/${event.type}/${event.step}` : `${event.recordId}/${event.type}`;
      if (!seenAt.has(key)) seenAt.set(key, write.at);
    }
  }
  const step: number[] = [];
  const newRun: number[] = [];
  for (const run of runs) {
    const transitions: Array<{ key: string; at: number }> = [
      { key: `${run.recordId}/run.started`, at: run.createdAt },
    ];
    for (const s of run.steps) {
      if (s.endsAt !== null && s.finalOutcome === 'done')
        transitions.push({ key: `${run.recordId}/step.finished/${s.index}`, at: s.endsAt });
      if (s.endsAt !== null && s.finalOutcome === 'failed')
        transitions.push({ key: `${run.recordId}/step.failed/${s.index}`, at: s.endsAt });
    }
    transitions.push({ key: `${run.recordId}/run.finished`, at: run.endsAt });
    for (const t of transitions) {
      // Only what happened inside the measured window, and early enough to have been seen within it.
      if (t.at < windowStart || t.at >= windowEnd - TICK_SECONDS * 1000) continue;
      const seen = seenAt.get(t.key);
      const lag = seen === undefined ? Number.POSITIVE_INFINITY : Math.max(0, seen - t.at);
      (t.key.endsWith('/run.started') ? newRun : step).push(lag);
    }
  }
  const all = [...step, ...newRun];
  return {
    step: quantiles(step),
    newRun: quantiles(newRun),
    measured: all.length,
    undetected: all.filter((lag) => !Number.isFinite(lag)).length,
  };
}

function quantiles(lagsMs: number[]): Quantiles {
  const sorted = [...lagsMs].sort((a, b) => a - b);
  const at = (q: number): number | null => {
    if (sorted.length === 0) return null;
    const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return Number.isFinite(value) ? round(value / 1000, 1) : null;
  };
  return { p50: at(0.5), p95: at(0.95) };
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
