// core/insight → what one poll means beyond the transitions: it learns how long steps take when a run
// ends, calls a step stuck once per run and step, marks the success that fixes a run of failures, holds back what
// quiet hours keep quiet, and records the quiet-hours summaries and digests that fall due. Everything it adds goes
// through the outbox with the rest of the poll's changes, in the same conditional write, so it is told once and
// never lost. Pure: the worker re-applies it to a fresher record after a conflict, like decide().

import { mergeRun } from '../changes.js';
import { type Decision, decide } from '../decide.js';
import type { FeedView } from '../feed.js';
import {
  isTerminal,
  type OutboxBatch,
  type RunState,
  type RunStatus,
  type Subscription,
  type TaskEvent,
  type TaskRecord,
} from '../model.js';
import type { Observation } from '../observation.js';
import { digestFigures, distinctRuns, type RunSummary, summarizeRun } from './digest.js';
import { learnRun, usualSeconds } from './durations.js';
import {
  type ChannelInsight,
  emptyInsight,
  type InsightReport,
  QUIET_RUNS_LISTED,
  type TaskInsight,
} from './model.js';
import { lastEndedPeriod, nextPeriodEnd, previousPeriod } from './periods.js';
import { isQuietAt, quietWindowAt } from './quiet-hours.js';
import { runningSecondsOf, runningStep, stuckAfterSeconds } from './stuck.js';

/** Run summaries kept per task for digests (a ring of slots; on AWS they also expire, see RUN_SUMMARY_TTL_DAYS). */
export const RUN_SUMMARIES_KEPT = 500;
/** A weekly digest compares two weeks; a day more covers a late poll. */
export const RUN_SUMMARY_TTL_DAYS = 15;

export interface ArchivedSummary {
  slot: number;
  summary: RunSummary;
}

export interface PollDecision extends Decision {
  /** Summaries of the runs this decision ended, with their slots: stored before the record is written. */
  archive: ArchivedSummary[];
}

export interface InsightInput {
  /** The task's stored run summaries, read because {@link reportsDue} said a report is due. */
  summaries?: readonly RunSummary[];
  /** What the change feed said of the task, when the planner asked this poll for it (kept once the poll succeeds). */
  feed?: FeedView;
}

/** Ended without succeeding: what failures are told about (and what a later success fixes). */
const isUnsuccessful = (status: RunStatus): boolean => isTerminal(status) && status !== 'succeeded';

const NOTHING: Decision = { next: null, events: [], detectionLagsMs: [], refreshRecordId: null };

/**
 * What quiet hours still let through: failures, stuck steps, and the end of a step that was called stuck (its
 * thread heard the alarm, so it hears the all-clear). Everything else waits for the summary.
 */
export const toldInQuietHours = (event: TaskEvent): boolean => {
  switch (event.type) {
    case 'step.failed':
    case 'step.stuck':
      return true;
    case 'step.finished':
      return event.wasStuck !== undefined;
    case 'run.finished':
      return isUnsuccessful(event.status);
    default:
      return false;
  }
};

/** The decision for one poll, transitions (decide) and insight together. `observation` null: deliver only. */
export function decidePoll(
  record: TaskRecord,
  observation: Observation | null,
  nowMs: number,
  input: InsightInput = {},
): PollDecision {
  const base = observation === null ? NOTHING : decide(record, observation, nowMs, input.feed);
  if (record.health.gone) return { ...base, archive: [] };
  const now = new Date(nowMs).toISOString();
  const start = base.next ?? record;
  let insight: TaskInsight = start.insight ?? emptyInsight();
  const outbox = [...start.outbox];
  let lastSeq = start.lastSeq;
  let snapshot = start.run;
  let changed = base.next !== null;
  const archive: ArchivedSummary[] = [];
  const added: OutboxBatch[] = [];

  const recorded = start.lastSeq > record.lastSeq ? outbox.at(-1) : undefined;
  if (recorded !== undefined) {
    const annotated = annotateBatch(recorded, insight, now);
    insight = annotated.insight;
    archive.push(...annotated.archive);
    outbox[outbox.length - 1] = annotated.batch;
    added.push(annotated.batch);
  }

  const followed = followRunningStep(record, base, observation, insight, nowMs, now);
  if (followed.insight !== insight) {
    insight = followed.insight;
    changed = true;
  }
  if (followed.stuck !== null && followed.run !== null) {
    const stuckRun = followed.run;
    snapshot = stuckRun;
    const last = outbox.at(-1);
    if (recorded !== undefined && last === added.at(-1) && last !== undefined) {
      const batch: OutboxBatch = {
        ...last,
        events: [...last.events, followed.stuck],
        runs: [...last.runs.filter((r) => r.recordId !== stuckRun.recordId), stuckRun],
      };
      outbox[outbox.length - 1] = batch;
      added[added.length - 1] = batch;
    } else {
      lastSeq += 1;
      const batch: OutboxBatch = { seq: lastSeq, at: now, events: [followed.stuck], runs: [stuckRun] };
      // Only the newest copy of a run is kept in the outbox (see applyObservation).
      for (let i = 0; i < outbox.length; i++) {
        const b = outbox[i] as OutboxBatch;
        outbox[i] = { ...b, runs: b.runs.filter((r) => r.recordId !== stuckRun.recordId) };
      }
      outbox.push(batch);
      added.push(batch);
    }
    changed = true;
  }

  const channels = { ...(insight.channels ?? {}) };
  for (const batch of added) {
    if (holdForQuietHours(start.subscriptions, batch, channels)) changed = true;
  }
  if (input.summaries !== undefined) {
    for (const subscription of Object.values(start.subscriptions)) {
      const made = dueReports(subscription, channels[subscription.channel] ?? {}, nowMs, input.summaries);
      if (made === null) continue;
      channels[subscription.channel] = made.channel;
      changed = true;
      for (const report of made.reports) {
        lastSeq += 1;
        outbox.push({ seq: lastSeq, at: now, events: [], runs: [], report });
      }
    }
  }
  if (!changed) return { ...base, archive: [] };

  const kept = Object.fromEntries(
    Object.entries(channels).filter(
      ([channel, c]) => channel in start.subscriptions && Object.keys(c).length > 0,
    ),
  );
  const { channels: _old, ...rest } = insight;
  const next: TaskRecord = {
    ...start,
    ...(base.next === null ? { version: record.version + 1, updatedAt: now } : {}),
    run: snapshot,
    outbox,
    lastSeq,
    insight: Object.keys(kept).length > 0 ? { ...rest, channels: kept } : rest,
  };
  const events = next.outbox.filter((b) => b.seq > record.lastSeq).flatMap((b) => b.events);
  return { ...base, next, events, archive };
}

/**
 * The poll's batch with what insight adds to its events: the end of a step called stuck says so; each run that
 * ended teaches the duration model and is summed up for digests; a success after failures carries the fix.
 */
function annotateBatch(
  batch: OutboxBatch,
  insight: TaskInsight,
  now: string,
): { batch: OutboxBatch; insight: TaskInsight; archive: ArchivedSummary[] } {
  let { durations, broken, summarized } = insight;
  const { running } = insight;
  const archive: ArchivedSummary[] = [];
  const fixedRuns: RunState[] = [];
  const events = batch.events.map((event): TaskEvent => {
    if (
      (event.type === 'step.finished' || event.type === 'step.failed') &&
      running?.stuck &&
      running.recordId === event.recordId &&
      running.step === event.step
    ) {
      return { ...event, wasStuck: { usualSeconds: running.stuck.usualSeconds } };
    }
    if (event.type !== 'run.finished') return event;
    const run = batch.runs.find((r) => r.recordId === event.recordId);
    if (run === undefined) return event;
    durations = learnRun(durations, run);
    archive.push({
      slot: summarized % RUN_SUMMARIES_KEPT,
      summary: summarizeRun(run, event.durationSeconds, now),
    });
    summarized += 1;
    if (isUnsuccessful(event.status)) {
      broken =
        broken === undefined
          ? { since: run.endedAt ?? now, failedRuns: 1, last: run }
          : { ...broken, failedRuns: broken.failedRuns + 1, last: run };
      return event;
    }
    if (broken === undefined) return event;
    const fixes = {
      recordId: broken.last.recordId,
      brokenSince: broken.since,
      failedRuns: broken.failedRuns,
    };
    fixedRuns.push(broken.last);
    broken = undefined;
    return { ...event, fixes };
  });
  const { broken: _was, ...rest } = insight;
  return {
    batch: { ...batch, events, ...(fixedRuns.length > 0 ? { fixedRuns } : {}) },
    insight: { ...rest, durations, summarized, ...(broken === undefined ? {} : { broken }) },
    archive,
  };
}

/**
 * Follows the step the current run is in (since when the notifier has seen it running) and, once it has run
 * past the stuck rule, calls it stuck: once per run and step, remembered in the record.
 */
function followRunningStep(
  record: TaskRecord,
  base: Decision,
  observation: Observation | null,
  insight: TaskInsight,
  nowMs: number,
  now: string,
): { insight: TaskInsight; stuck: TaskEvent | null; run: RunState | null } {
  const none = { insight, stuck: null, run: null };
  if (observation?.kind !== 'run') return none;
  const stored = record.run;
  const live =
    base.next?.run ??
    (stored !== null && stored.recordId === observation.run.recordId
      ? mergeRun(stored, observation.run)
      : null);
  if (live === null) return none;
  const step = runningStep(live);
  if (step === null) return none;
  let running = insight.running;
  if (running === undefined || running.recordId !== live.recordId || running.step !== step.index) {
    running = { recordId: live.recordId, step: step.index, since: now, stuck: null };
  }
  let stuck: TaskEvent | null = null;
  if (running.stuck === null) {
    const usual = usualSeconds(insight.durations, live.steps ?? [])[step.index] ?? null;
    const after = stuckAfterSeconds(usual);
    const ran = runningSecondsOf(step, Date.parse(running.since), nowMs);
    if (usual !== null && after !== null && ran >= after) {
      running = { ...running, stuck: { usualSeconds: usual } };
      stuck = {
        type: 'step.stuck',
        recordId: live.recordId,
        step: step.index,
        name: step.name,
        runningSeconds: ran,
        usualSeconds: usual,
      };
    }
  }
  if (running === insight.running) return none;
  return { insight: { ...insight, running }, stuck, run: live };
}

/** Marks the channels whose quiet hours hold back some of `batch`, so their summary falls due when they end. */
function holdForQuietHours(
  subscriptions: Record<string, Subscription>,
  batch: OutboxBatch,
  channels: Record<string, ChannelInsight>,
): boolean {
  if (batch.events.every(toldInQuietHours)) return false;
  let held = false;
  for (const subscription of Object.values(subscriptions)) {
    if (!subscription.quietHours || subscription.broken !== null) continue;
    const window = quietWindowAt(subscription.quietHours, Date.parse(batch.at));
    if (window === null) continue;
    const known = channels[subscription.channel] ?? {};
    const from = new Date(window.startMs).toISOString();
    const until = new Date(window.endMs).toISOString();
    if (known.quietUntil === until && known.quietFrom !== undefined) continue;
    channels[subscription.channel] = {
      ...known,
      quietFrom: known.quietFrom !== undefined && known.quietFrom < from ? known.quietFrom : from,
      quietUntil: until,
    };
    held = true;
  }
  return held;
}

/** A digest due for `subscription` at `nowMs`: the last ended period, if it has not been sent. */
function dueDigest(subscription: Subscription, channel: ChannelInsight, nowMs: number) {
  const digest = subscription.digest;
  if (!digest || subscription.broken !== null) return null;
  // A period that ends inside quiet hours is summed up when they are over.
  if (subscription.quietHours && isQuietAt(subscription.quietHours, nowMs)) return null;
  const period = lastEndedPeriod(digest, nowMs);
  const through = Date.parse(channel.digestThrough ?? subscription.createdAt);
  return period.endMs > through ? { digest, period } : null;
}

const quietDue = (channel: ChannelInsight, nowMs: number): boolean =>
  channel.quietUntil !== undefined && Date.parse(channel.quietUntil) <= nowMs;

/** True when some channel's quiet-hours summary or digest is due: the caller then reads the run summaries. */
export function reportsDue(record: TaskRecord, nowMs: number): boolean {
  if (record.health.gone) return false;
  const channels = record.insight?.channels ?? {};
  return Object.values(record.subscriptions).some((subscription) => {
    const channel = channels[subscription.channel] ?? {};
    return (
      (subscription.broken === null && quietDue(channel, nowMs)) ||
      dueDigest(subscription, channel, nowMs) !== null
    );
  });
}

/** When the next quiet-hours summary or digest of the task falls due (ISO), for the planner's index. */
export function insightDueAt(record: TaskRecord): string | null {
  if (record.health.gone) return null;
  const channels = record.insight?.channels ?? {};
  let due = Number.POSITIVE_INFINITY;
  for (const subscription of Object.values(record.subscriptions)) {
    if (subscription.broken !== null) continue;
    const channel = channels[subscription.channel] ?? {};
    if (channel.quietUntil !== undefined) due = Math.min(due, Date.parse(channel.quietUntil));
    if (subscription.digest) {
      const through = Date.parse(channel.digestThrough ?? subscription.createdAt);
      due = Math.min(due, nextPeriodEnd(subscription.digest, through));
    }
  }
  return Number.isFinite(due) ? new Date(due).toISOString() : null;
}

/** The reports due for one channel, and its state once they are recorded; null when nothing is due. */
function dueReports(
  subscription: Subscription,
  channel: ChannelInsight,
  nowMs: number,
  summaries: readonly RunSummary[],
): { reports: InsightReport[]; channel: ChannelInsight } | null {
  if (subscription.broken !== null) return null;
  const reports: InsightReport[] = [];
  let next = channel;
  if (quietDue(channel, nowMs) && channel.quietUntil !== undefined) {
    const { quietFrom, quietUntil, ...rest } = channel;
    next = rest;
    const from = quietFrom ?? quietUntil;
    const runs = distinctRuns(summaries).filter((run) => run.at >= from && run.at < quietUntil);
    // Nothing ended while it was quiet (a run still going is told as it goes on): nothing to sum up.
    if (runs.length > 0 && subscription.quietHours) {
      reports.push({
        kind: 'quiet',
        channel: subscription.channel,
        quietHours: subscription.quietHours,
        from,
        to: quietUntil,
        runs: runs.slice(-QUIET_RUNS_LISTED),
        total: runs.length,
        succeeded: runs.filter((run) => run.status === 'succeeded').length,
      });
    }
  }
  const digest = dueDigest(subscription, next, nowMs);
  if (digest !== null) {
    const { period } = digest;
    reports.push({
      kind: 'digest',
      channel: subscription.channel,
      every: digest.digest.every,
      timeZone: digest.digest.timeZone,
      from: new Date(period.startMs).toISOString(),
      to: new Date(period.endMs).toISOString(),
      figures: digestFigures(summaries, period, previousPeriod(digest.digest, period)),
    });
    next = { ...next, digestThrough: new Date(period.endMs).toISOString() };
  }
  return next === channel ? null : { reports, channel: next };
}
