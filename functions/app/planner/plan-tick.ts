// app → one planner tick (scheduled every minute): read the watch index a page at a time, queue one poll per due
// task with SendMessageBatch, and record progress, so that a duplicate or retried invocation of the same tick
// neither plans it twice nor leaves it half done. It finishes in seconds: it only reads small index items and
// sends messages; the workers do the polling.
import { duePolls, type TickPlan } from '../../core/planning.js';
import type { FleetGates, Logger, Metrics, PlannerTicks, PollQueue, WatchIndex } from '../../ports.js';
import { PLANNER_LOG_FIELDS, PLANNER_METRICS } from '../../shared/metrics.js';

export interface PlannerDeps {
  index: WatchIndex;
  ticks: PlannerTicks;
  queue: PollQueue;
  gates: FleetGates;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
}

export interface PlannerSettings {
  /** The schedule's period (POLL_INTERVAL_SECONDS): follow-ups of a tick's polls stop where the next tick starts. */
  intervalSeconds: number;
}

export interface TickRequest {
  /** The tick's ID and start (see tickOf). */
  id: string;
  atMs: number;
  /** Who plans it (one invocation). */
  owner: string;
  /** When the invocation is cut off: a claim of the tick lapses soon after, so a retry may finish it. */
  deadlineMs: number;
}

export interface PlanReport {
  tick: string;
  /** Another invocation planned (or is planning) this tick: nothing was done. */
  skipped: boolean;
  watches: number;
  queued: number;
  /** Seconds since the oldest undelivered change was recorded, over every watch (0: none). */
  oldestPendingSeconds: number;
}

/** A tick claim outlives the invocation by this much before a retry may take the tick over. */
const CLAIM_GRACE_MS = 10_000;
/** SQS delays a message by at most 15 minutes. */
const MAX_DELAY_SECONDS = 900;

export async function planTick(
  deps: PlannerDeps,
  settings: PlannerSettings,
  tick: TickRequest,
): Promise<PlanReport> {
  const report: PlanReport = {
    tick: tick.id,
    skipped: false,
    watches: 0,
    queued: 0,
    oldestPendingSeconds: 0,
  };
  const claim = await deps.ticks.claim(tick.id, tick.owner, deps.now(), tick.deadlineMs + CLAIM_GRACE_MS);
  if (claim === 'taken') {
    deps.logger.info('This tick is planned already; nothing to do', {
      tick: tick.id,
      [PLANNER_LOG_FIELDS.skipped]: 1,
    });
    return { ...report, skipped: true };
  }
  if (claim.resumeAfter !== null) {
    deps.logger.info('Finishing a tick an earlier invocation left half planned', {
      tick: tick.id,
      after: claim.resumeAfter,
    });
  }
  const plan: TickPlan = {
    tick: tick.id,
    untilMs: tick.atMs + settings.intervalSeconds * 1000,
    delaySeconds: await codeartsDelaySeconds(deps),
  };
  let oldestPendingAt = Number.POSITIVE_INFINITY;
  let watches = 0;
  let queued = 0;
  for await (const page of deps.index.pages(claim.resumeAfter === null ? {} : { after: claim.resumeAfter })) {
    const polls = duePolls(page.entries, plan);
    await deps.queue.send(polls);
    if (page.cursor !== null) await deps.ticks.progress(tick.id, tick.owner, page.cursor);
    watches += page.entries.length;
    queued += polls.length;
    for (const entry of page.entries) {
      if (entry.pendingSince !== null)
        oldestPendingAt = Math.min(oldestPendingAt, Date.parse(entry.pendingSince));
    }
  }
  await deps.ticks.complete(tick.id, tick.owner);
  const oldestPendingSeconds = Number.isFinite(oldestPendingAt)
    ? Math.max(0, (deps.now() - oldestPendingAt) / 1000)
    : 0;
  const { metrics } = deps;
  metrics.add(PLANNER_METRICS.ticksPlanned, 1);
  metrics.add(PLANNER_METRICS.oldestPendingEventAgeSeconds, oldestPendingSeconds, 'Seconds');
  deps.logger.info('Tick planned', {
    tick: tick.id,
    [PLANNER_LOG_FIELDS.watches]: watches,
    [PLANNER_LOG_FIELDS.pollsQueued]: queued,
  });
  return { ...report, watches, queued, oldestPendingSeconds };
}

/** While CodeArts throttles the fleet, this tick's polls wait for the pause to end instead of meeting it. */
async function codeartsDelaySeconds(deps: PlannerDeps): Promise<number> {
  try {
    const until = (await deps.gates.read()).get('codearts') ?? 0;
    return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((until - deps.now()) / 1000)));
  } catch (error) {
    deps.logger.warn('The fleet gates could not be read; planning as if they were open', {
      error: String(error),
    });
    return 0;
  }
}
