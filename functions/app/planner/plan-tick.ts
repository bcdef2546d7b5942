// app → one planner tick (scheduled every minute): read the watch index, ask the change feed of each CodeArts
// project what moved (feed-look.ts), queue one poll per due task with SendMessageBatch, and record progress, so
// that a duplicate or retried invocation of the same tick neither plans it twice nor leaves it half done. It
// finishes in seconds: it reads small index items and a page or so per project, and sends messages; the workers
// do the polling.
import {
  duePolls,
  isCheck,
  type PlannedPoll,
  type PollReason,
  spreadPolls,
  type TickPlan,
} from '../../core/planning.js';
import { delayUntil } from '../../core/queue-delay.js';
import type {
  CodeArtsFeedPort,
  FeedStatusStore,
  FleetGates,
  Logger,
  Metrics,
  PlannerTicks,
  PollQueue,
  WatchIndex,
  WatchIndexEntry,
} from '../../ports.js';
import { PLANNER_LOG_FIELDS, PLANNER_METRICS } from '../../shared/metrics.js';
import { lookAtFeeds } from './feed-look.js';

export interface PlannerDeps {
  index: WatchIndex;
  ticks: PlannerTicks;
  queue: PollQueue;
  gates: FleetGates;
  /** ListAllApp; null when the change feed is off (CHANGE_FEED=off). */
  feed: CodeArtsFeedPort | null;
  feedStatus: FeedStatusStore;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
}

export interface PlannerSettings {
  /** The schedule's period (POLL_INTERVAL_SECONDS): follow-ups of a tick's polls stop where the next tick starts. */
  intervalSeconds: number;
  /** CHANGE_FEED: ask each project's feed what moved; off: poll every task every tick. */
  changeFeed: boolean;
  /** SWEEP_MINUTES: with the feed on, every task is still polled directly this often. */
  sweepMinutes: number;
  /** Polls sent between two progress marks: a retried tick sends at most this many again. Default 500. */
  progressEvery?: number;
  /** CODEARTS_CONCURRENCY: how many polls the workers make at once, which says when a tick's checks are spread. */
  codeartsConcurrency?: number;
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
  /** Polls queued, by why each task was due. */
  reasons: Record<PollReason, number>;
  /** ListAllApp calls this tick. */
  feedCalls: number;
  /** Projects whose feed is failing: their tasks were polled directly. */
  feedFallbacks: number;
  /** Seconds since the oldest undelivered change was recorded, over every watch (0: none). */
  oldestPendingSeconds: number;
}

/** A tick claim outlives the invocation by this much before a retry may take the tick over. */
const CLAIM_GRACE_MS = 10_000;
const DEFAULT_PROGRESS_EVERY = 500;
const DEFAULT_CODEARTS_CONCURRENCY = 8;
/**
 * A tick's checks (sweeps, direct polls) are spread over the first three quarters of the tick once there are more
 * than the workers make in about 5 s (at 100 ms a call): fewer go at once and are done in seconds anyway.
 */
const SPREAD_ABOVE_SECONDS_OF_CALLS = 5;
const CALL_SECONDS = 0.1;
const SPREAD_SHARE_OF_TICK = 0.75;

const noReasons = (): Record<PollReason, number> => ({
  active: 0,
  pending: 0,
  insight: 0,
  direct: 0,
  feed: 0,
  sweep: 0,
  deliver: 0,
});

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
    reasons: noReasons(),
    feedCalls: 0,
    feedFallbacks: 0,
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
  const entries = await readIndex(deps.index);
  const plan: TickPlan = {
    tick: tick.id,
    atMs: tick.atMs,
    intervalSeconds: settings.intervalSeconds,
    untilMs: tick.atMs + settings.intervalSeconds * 1000,
    delaySeconds: 0,
    sweepMinutes: settings.changeFeed && deps.feed !== null ? settings.sweepMinutes : null,
  };
  const looked = await lookAtFeeds(deps, plan, entries, claim.previousCompletedAt);
  const polls = spreadChecks(
    duePolls(entries, { ...plan, delaySeconds: await codeartsDelaySeconds(deps) }, looked.feeds),
    settings,
  );
  const resumeAfter = claim.resumeAfter;
  const toSend = resumeAfter === null ? polls : polls.filter((poll) => poll.message.taskId > resumeAfter);
  await sendInChunks(deps, tick, toSend, Math.max(1, settings.progressEvery ?? DEFAULT_PROGRESS_EVERY));
  await deps.ticks.complete(tick.id, tick.owner);

  const reasons = countReasons(toSend);
  const oldestPendingSeconds = oldestPending(entries, deps.now());
  const { metrics } = deps;
  metrics.add(PLANNER_METRICS.ticksPlanned, 1);
  metrics.add(PLANNER_METRICS.oldestPendingEventAgeSeconds, oldestPendingSeconds, 'Seconds');
  if (plan.sweepMinutes !== null) metrics.add(PLANNER_METRICS.feedFallbacks, looked.fallbacks);
  deps.logger.info('Tick planned', {
    tick: tick.id,
    [PLANNER_LOG_FIELDS.watches]: entries.length,
    [PLANNER_LOG_FIELDS.pollsQueued]: toSend.length,
    [PLANNER_LOG_FIELDS.codeartsCalls]: looked.calls,
    [PLANNER_LOG_FIELDS.feedFallbacks]: looked.fallbacks,
    ...Object.fromEntries(Object.entries(reasons).map(([reason, n]) => [`due_${reason}`, n])),
  });
  return {
    ...report,
    watches: entries.length,
    queued: toSend.length,
    reasons,
    feedCalls: looked.calls,
    feedFallbacks: looked.fallbacks,
    oldestPendingSeconds,
  };
}

async function readIndex(index: WatchIndex): Promise<WatchIndexEntry[]> {
  const entries: WatchIndexEntry[] = [];
  for await (const page of index.pages()) entries.push(...page.entries);
  return entries;
}

/** Sends the polls in task ID order, marking progress after each chunk so a retried tick carries on from there. */
async function sendInChunks(
  deps: PlannerDeps,
  tick: TickRequest,
  polls: readonly PlannedPoll[],
  chunkSize: number,
): Promise<void> {
  for (let i = 0; i < polls.length; i += chunkSize) {
    const chunk = polls.slice(i, i + chunkSize);
    await deps.queue.send(chunk);
    const last = chunk.at(-1);
    // After the last chunk, completing the tick says it all.
    if (last !== undefined && i + chunkSize < polls.length) {
      await deps.ticks.progress(tick.id, tick.owner, last.message.taskId);
    }
  }
}

function spreadChecks(polls: PlannedPoll[], settings: PlannerSettings): PlannedPoll[] {
  const concurrency = settings.codeartsConcurrency ?? DEFAULT_CODEARTS_CONCURRENCY;
  const checks = polls.filter(isCheck).length;
  if (checks <= (concurrency * SPREAD_ABOVE_SECONDS_OF_CALLS) / CALL_SECONDS) return polls;
  return spreadPolls(polls, Math.floor(settings.intervalSeconds * SPREAD_SHARE_OF_TICK));
}

const countReasons = (polls: readonly PlannedPoll[]): Record<PollReason, number> => {
  const reasons = noReasons();
  for (const poll of polls) reasons[poll.reason] += 1;
  return reasons;
};

/** Seconds since the oldest undelivered change over every watch (0: none). */
function oldestPending(entries: readonly WatchIndexEntry[], nowMs: number): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const entry of entries) {
    if (entry.pendingSince !== null) oldest = Math.min(oldest, Date.parse(entry.pendingSince));
  }
  return Number.isFinite(oldest) ? Math.max(0, (nowMs - oldest) / 1000) : 0;
}

/** While CodeArts throttles the fleet, this tick's polls wait for the pause to end instead of meeting it. */
async function codeartsDelaySeconds(deps: PlannerDeps): Promise<number> {
  try {
    const until = (await deps.gates.read()).get('codearts') ?? 0;
    return delayUntil(until, deps.now());
  } catch (error) {
    deps.logger.warn('The fleet gates could not be read; planning as if they were open', {
      error: String(error),
    });
    return 0;
  }
}
