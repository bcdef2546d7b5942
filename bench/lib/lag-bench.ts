// bench → detection lag: how long after a deployment really changed (the simulator's ground truth) the poller
// had that change durably written (and was about to post it to Slack). Runs scheduled ticks, one a minute,
// each a real runPollCycle with the Lambda's 55 s budget, on the VirtualClock: HTTP latencies and processing
// take real time, while idle waits (between ticks, and between active re-poll passes) are skipped. So a
// lag includes everything the poller itself spends, but not Lambda start-up or EventBridge Scheduler jitter.
import type { RunTruth } from '../../local/codearts-simulator/index.js';
import {
  aroundTaskState,
  inParallel,
  LAMBDA_TIMEOUT_MS,
  MAIN_CHANNEL,
  type ObservedWrite,
  startWorld,
  type WorldOptions,
} from './world.js';

const TICK_MS = 60_000;

/** Deterministic pseudo-random numbers, so both pollers face deployments of the same shapes. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LagStats {
  /** Transitions whose true time falls in the measured window. */
  transitions: number;
  /** Of those, never written by the end (counted as infinitely late in the percentiles). */
  undetected: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
}

export interface LagResult {
  activePollSeconds: number;
  ticks: number;
  /**
   * Step started/finished/failed and run finished, of runs the poller had already seen start (those it saw
   * only later are bound by the schedule, like run.started), plus every transition of a run never seen
   * because its task was never polled. Runs lost between two polls are counted in `unseen` instead.
   */
  running: LagStats;
  /** A new run's first sighting (run.started): bound by the schedule, not by active re-polling. */
  newRuns: LagStats;
  unseen: UnseenRuns;
  /** CodeArts requests per hour per task without a deployment, and per task with one. */
  codeartsCallsPerIdleTaskHour: number;
  codeartsCallsPerActiveTaskHour: number;
  /** Mean billed duration of a tick (the cycle's own clock, skipped waits included, as Lambda bills them). */
  meanTickSeconds: number;
  /** Tasks never polled in some measured tick: the cycle ran out of time before reaching them. */
  tasksMissedPerTick: number;
  problems: string[];
}

export async function measureLag(
  workerFile: string,
  n: number,
  options: {
    activePollSeconds: number;
    ticks: number;
    codeartsMs: number;
    slackMs: number;
    seed: number;
    world?: WorldOptions;
  },
  progress: (message: string) => void,
): Promise<LagResult> {
  const mode =
    options.activePollSeconds > 0 ? `active re-poll ${options.activePollSeconds} s` : 'schedule only';
  const world = await startWorld(workerFile, options.world);
  const { servers, clock } = world;
  const random = rng(options.seed);
  try {
    await servers.setLatency(0, 0);
    progress(`N=${n} lag (${mode}): creating tasks; 10 % deploy continuously`);
    const created = (await servers.batch(
      Array.from({ length: n }, (_, i) => {
        const active = i % 10 === 0;
        const steps = active
          ? Array.from({ length: 3 + Math.floor(random() * 4) }, (_, s) => ({
              name: `Step ${s + 1}`,
              durationMs: Math.round(5_000 + random() * 35_000),
            }))
          : 3;
        return { op: 'createTask', args: [{ name: `lag-task-${i}`, steps }] };
      }),
    )) as Array<{ taskId: string }>;
    const ids = created.map((c) => c.taskId);
    const activeIds = ids.filter((_, i) => i % 10 === 0);
    const idleIds = ids.filter((_, i) => i % 10 !== 0);
    const oneSecondSteps = { stepDurationsMs: [1000, 1000, 1000], pendingMs: 0 };
    await servers.batch(idleIds.map((id) => ({ op: 'startRun', args: [id, oneSecondSteps] })));
    clock.advance(60_000);
    // Start the deployment loops spread over a minute, each with its own period, so they do not run in step.
    for (const id of activeIds) {
      await servers.autoDeploy(id, { everyMs: Math.round(20_000 + random() * 30_000), failEvery: 4 });
      clock.advance(TICK_MS / activeIds.length);
    }
    progress(`N=${n} lag (${mode}): registering ${n} watches`);
    await inParallel(ids, 16, (id) => world.watch(id, [MAIN_CHANNEL]));
    await servers.setLatency(options.codeartsMs, options.slackMs);

    // Tick 0 warms up (its lags include the set-up), ticks 1..K are measured, one more tick drains.
    const start = clock.now();
    const tickAt = (k: number) => start + k * TICK_MS;
    let callsAtStart = new Map<string, number>();
    let callsAtEnd = new Map<string, number>();
    let tickSeconds = 0;
    let missed = 0;
    const polled = new Set<string>();
    const pollTimes = new Map<string, number[]>();
    world.deps.codearts = aroundTaskState(world.deps.codearts, (taskId, call) => {
      polled.add(taskId);
      const times = pollTimes.get(taskId) ?? [];
      times.push(clock.now());
      pollTimes.set(taskId, times);
      return call();
    });
    for (let k = 0; k <= options.ticks + 1; k++) {
      clock.jumpTo(tickAt(k));
      if (k === 1) callsAtStart = await servers.codeartsCalls();
      if (k === options.ticks + 1) callsAtEnd = await servers.codeartsCalls();
      const label = k === 0 ? 'warm-up' : k > options.ticks ? 'drain' : `${k}/${options.ticks}`;
      progress(`N=${n} lag (${mode}): tick ${label}`);
      polled.clear();
      const heartbeat = setInterval(
        () => progress(`N=${n} lag (${mode}): tick ${label}: ${polled.size}/${n} tasks polled so far`),
        15_000,
      );
      const report = await world.cycle({
        activePollSeconds: options.activePollSeconds,
        deadlineMs: clock.now() + LAMBDA_TIMEOUT_MS,
      });
      clearInterval(heartbeat);
      if (k >= 1 && k <= options.ticks) {
        tickSeconds += report.durationMs / 1000;
        missed += n - polled.size;
      }
    }
    const windowStart = tickAt(1);
    const windowEnd = tickAt(options.ticks + 1);
    const truths = await servers.runs(activeIds);
    const unseen = unseenRuns(truths, world.writes, pollTimes, windowStart, windowEnd);
    const { running, newRuns } = lags(truths.flat(), world.writes, windowStart, windowEnd, unseen.lost);
    const hours = (windowEnd - windowStart) / 3_600_000;
    const perHour = (list: string[]) =>
      list.reduce((sum, id) => sum + ((callsAtEnd.get(id) ?? 0) - (callsAtStart.get(id) ?? 0)), 0) /
      list.length /
      hours;
    return {
      activePollSeconds: options.activePollSeconds,
      ticks: options.ticks,
      running,
      newRuns,
      unseen,
      codeartsCallsPerIdleTaskHour: perHour(idleIds),
      codeartsCallsPerActiveTaskHour: perHour(activeIds),
      meanTickSeconds: tickSeconds / options.ticks,
      tasksMissedPerTick: missed / options.ticks,
      problems: world.problems,
    };
  } finally {
    await world.stop();
  }
}

/** Runs created in the window that the poller never reported at all (no event of theirs was ever written). */
export interface UnseenRuns {
  runsInWindow: number;
  neverReported: number;
  /** Their task was never polled in the window: the tick ran out of budget before reaching it. */
  taskNotPolled: number;
  /**
   * The run started and ended between two polls of its task, and a newer run had started by the next poll:
   * `/state` only shows the newest run, and the poller only back-fills the run it had stored.
   */
  supersededBetweenPolls: number;
  other: number;
  /** Record IDs of the superseded runs: lost, not late, so they are kept out of the lag figures. */
  lost: string[];
}

function unseenRuns(
  truths: RunTruth[][],
  writes: ObservedWrite[],
  pollTimes: Map<string, number[]>,
  windowStart: number,
  windowEnd: number,
): UnseenRuns {
  const reported = new Set(writes.flatMap((w) => w.events.map((e) => e.recordId)));
  const out: UnseenRuns = {
    runsInWindow: 0,
    neverReported: 0,
    taskNotPolled: 0,
    supersededBetweenPolls: 0,
    other: 0,
    lost: [],
  };
  for (const runs of truths) {
    runs.forEach((run, i) => {
      if (run.createdAt < windowStart || run.createdAt >= windowEnd) return;
      out.runsInWindow++;
      if (reported.has(run.recordId)) return;
      out.neverReported++;
      const polls = (pollTimes.get(run.taskId) ?? []).filter((t) => t >= windowStart);
      const next = runs[i + 1];
      const pollDuring = polls.some((t) => t >= run.createdAt && t <= run.endsAt);
      const nextPoll = polls.find((t) => t > run.endsAt);
      if (polls.length === 0) out.taskNotPolled++;
      else if (!pollDuring && next !== undefined && (nextPoll === undefined || next.createdAt <= nextPoll)) {
        out.supersededBetweenPolls++;
        out.lost.push(run.recordId);
      } else out.other++;
    });
  }
  return out;
}

interface Transition {
  key: string;
  recordId: string;
  at: number;
}

/** Every transition of a run, keyed as the poller's events are (see eventKey in core/model.ts). */
function transitionsOf(run: RunTruth): Transition[] {
  const out: Transition[] = [
    { key: `${run.recordId}/run.started`, recordId: run.recordId, at: run.createdAt },
  ];
  for (const step of run.steps) {
    if (step.startsAt !== null) {
      out.push({
        key: `${run.recordId}/step.started/${step.index}`,
        recordId: run.recordId,
        at: step.startsAt,
      });
    }
    if (step.endsAt !== null && step.finalOutcome === 'done') {
      out.push({
        key: `${run.recordId}/step.finished/${step.index}`,
        recordId: run.recordId,
        at: step.endsAt,
      });
    }
    if (step.endsAt !== null && step.finalOutcome === 'failed') {
      out.push({ key: `${run.recordId}/step.failed/${step.index}`, recordId: run.recordId, at: step.endsAt });
    }
  }
  out.push({ key: `${run.recordId}/run.finished`, recordId: run.recordId, at: run.endsAt });
  return out;
}

function lags(
  runs: RunTruth[],
  writes: ObservedWrite[],
  windowStart: number,
  windowEnd: number,
  lost: string[],
): { running: LagStats; newRuns: LagStats } {
  const lostRuns = new Set(lost);
  const seenAt = new Map<string, number>();
  for (const write of writes) {
    for (const event of write.events) {
      const key =
        'step' in event ? `${event.recordId}/${event.type}/${event.step}` : `${event.recordId}/${event.type}`;
      if (!seenAt.has(key)) seenAt.set(key, write.at);
    }
  }
  const running: number[] = [];
  const newRuns: number[] = [];
  for (const run of runs) {
    if (lostRuns.has(run.recordId)) continue;
    const startSeen = seenAt.get(`${run.recordId}/run.started`);
    for (const t of transitionsOf(run)) {
      if (t.at < windowStart || t.at >= windowEnd) continue;
      const seen = seenAt.get(t.key);
      const lag = seen === undefined ? Number.POSITIVE_INFINITY : Math.max(0, seen - t.at);
      if (t.key.endsWith('/run.started')) newRuns.push(lag);
      // A running deployment: the poller already knew this run when the transition happened. A run it never
      // saw at all because its task was not polled counts here too, as missed. (Runs superseded unseen
      // between two polls are lost rather than late: reported apart, in UnseenRuns.)
      else if (startSeen === undefined || startSeen <= t.at) running.push(lag);
    }
  }
  return { running: stats(running), newRuns: stats(newRuns) };
}

function stats(lagsMs: number[]): LagStats {
  const sorted = [...lagsMs].sort((a, b) => a - b);
  const at = (q: number): number | null => {
    if (sorted.length === 0) return null;
    const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
    return value === null || !Number.isFinite(value) ? null : value / 1000;
  };
  return {
    transitions: sorted.length,
    undetected: sorted.filter((lag) => !Number.isFinite(lag)).length,
    p50Seconds: at(0.5),
    p95Seconds: at(0.95),
    maxSeconds: at(1),
  };
}
