// core → pure transitions of a task item (the watch, its snapshot, its outbox and delivery progress).
// Every function returns a new record with `version + 1`; the store writes it conditionally on the old version.

import { lastSucceededAfter } from './actions.js';
import { type FeedView, sameFeedView } from './feed.js';
import { sameInsightOptions, withoutInsightOptions } from './insight/options.js';
import {
  type Actor,
  type AuditEntry,
  isTerminal,
  type OutboxBatch,
  type PollHealth,
  type RunState,
  type SlackMessageRef,
  type Subscription,
  type SubscriptionOptions,
  type TaskRecord,
  type WatchOutcome,
  type WatchRequest,
} from './model.js';
import { appendAudit, auditEntry, watchDetail } from './trust.js';

/** How many delivered batches `GET /tasks/{id}` can show. */
export const RECENT_BATCHES_KEPT = 20;
/** Living-message references kept per subscription (older runs are no longer edited). */
export const MESSAGES_KEPT_PER_SUBSCRIPTION = 5;

export const emptyHealth = (): PollHealth => ({
  lastPollAt: null,
  lastSuccessAt: null,
  consecutiveFailures: 0,
  staleSince: null,
  lastError: null,
  gone: false,
});

/** What a poll may learn besides the run: the task's CodeArts project, and what the change feed said of it. */
export interface Learned {
  projectId?: string;
  feed?: FeedView;
}

/** The fields `learned` adds to or changes in `record`; null when it teaches nothing new. */
export function learnedFields(
  record: TaskRecord,
  learned: Learned,
): Pick<TaskRecord, 'projectId' | 'feed'> | null {
  const project = learned.projectId !== undefined && record.projectId === undefined;
  const feed = learned.feed !== undefined && !sameFeedView(record.feed ?? null, learned.feed);
  if (!project && !feed) return null;
  return {
    ...(project ? { projectId: learned.projectId } : {}),
    ...(feed ? { feed: learned.feed } : {}),
  };
}

/** True once a successful observation (at registration or by a poll) fixed the baseline. */
export const hasBaseline = (record: TaskRecord): boolean => record.health.lastSuccessAt !== null;

/** The record as the next version: every write bumps the version the store conditions on. */
export const bump = (record: TaskRecord, now: string): TaskRecord => ({
  ...record,
  version: record.version + 1,
  updatedAt: now,
});

const sameOptions = (a: SubscriptionOptions, b: SubscriptionOptions): boolean =>
  a.notify === b.notify &&
  a.mode === b.mode &&
  a.mentions.join(',') === b.mentions.join(',') &&
  (a.operators ?? []).join(',') === (b.operators ?? []).join(',') &&
  sameInsightOptions(a, b);

/** Operators are stored only when there are some (an item without them reads as none). */
const operatorsField = (options: SubscriptionOptions): { operators?: string[] } =>
  options.operators === undefined || options.operators.length === 0
    ? {}
    : { operators: [...options.operators] };

/** The options a watch keeps besides notify, mode and mentions (absent when not set, so old items read the same). */
const insightOptions = (
  options: SubscriptionOptions,
): Pick<SubscriptionOptions, 'quietHours' | 'digest'> => ({
  ...(options.quietHours ? { quietHours: { ...options.quietHours } } : {}),
  ...(options.digest ? { digest: { ...options.digest } } : {}),
});

const newSubscription = (
  channel: string,
  options: SubscriptionOptions,
  deliveredSeq: number,
  now: string,
): Subscription => ({
  channel,
  notify: options.notify,
  mode: options.mode,
  mentions: [...options.mentions],
  ...operatorsField(options),
  ...insightOptions(options),
  createdAt: now,
  deliveredSeq,
  broken: null,
  messages: {},
});

const watchAudit = (
  record: TaskRecord | null,
  request: WatchRequest,
  action: 'watch' | 'update',
  now: string,
): AuditEntry[] | undefined =>
  request.actor === undefined
    ? record?.audit
    : appendAudit(
        record?.audit,
        auditEntry(request.actor, action, request.channel, now, watchDetail(request)),
      );

/**
 * Watch a task in a channel. A verified request (run known, or the task confirmed with no run) fixes the
 * baseline so the first poll does not replay history; a new channel on a known task starts after the
 * batches already recorded, so it is not flooded with old changes.
 */
export function applyWatch(
  record: TaskRecord | null,
  request: WatchRequest,
  now: string,
): { record: TaskRecord; outcome: WatchOutcome } {
  const verified = request.verified !== false;
  if (record === null) {
    const health = emptyHealth();
    if (verified) health.lastSuccessAt = now;
    return {
      outcome: 'created',
      record: {
        taskId: request.taskId,
        region: request.region,
        taskName: request.taskName,
        version: 1,
        run: request.run,
        outbox: [],
        lastSeq: 0,
        subscriptions: { [request.channel]: newSubscription(request.channel, request.options, 0, now) },
        health,
        recent: [],
        ...(request.projectId === undefined ? {} : { projectId: request.projectId }),
        ...(request.actor === undefined ? {} : { audit: watchAudit(null, request, 'watch', now) }),
        createdAt: now,
        updatedAt: now,
      },
    };
  }
  const existing = record.subscriptions[request.channel];
  const renamed = request.taskName !== '' && request.taskName !== record.taskName;
  const revived = verified && record.health.gone;
  if (
    existing &&
    sameOptions(existing, request.options) &&
    existing.broken === null &&
    !renamed &&
    !revived
  ) {
    return { record, outcome: 'unchanged' };
  }
  const subscription: Subscription = existing
    ? {
        ...withoutInsightOptions(withoutOperators(existing)),
        notify: request.options.notify,
        mode: request.options.mode,
        mentions: [...request.options.mentions],
        ...operatorsField(request.options),
        ...insightOptions(request.options),
        broken: null,
      }
    : newSubscription(request.channel, request.options, record.lastSeq, now);
  const audit = watchAudit(record, request, existing ? 'update' : 'watch', now);
  const next: TaskRecord = {
    ...bump(record, now),
    taskName: request.taskName !== '' ? request.taskName : record.taskName,
    subscriptions: { ...record.subscriptions, [request.channel]: subscription },
    health: revived
      ? { ...record.health, gone: false, staleSince: null, consecutiveFailures: 0 }
      : record.health,
    ...(record.projectId === undefined && request.projectId !== undefined
      ? { projectId: request.projectId }
      : {}),
    ...(audit === undefined ? {} : { audit }),
  };
  return { record: pruneOutbox(next), outcome: existing ? 'updated' : 'subscribed' };
}

const withoutOperators = ({ operators: _gone, ...rest }: Subscription): Subscription => rest;

/**
 * Stop watching in one channel (or all). Returns null when no subscription remains (delete the item: its trail
 * goes with it, and lives on in the channel's item and the log).
 */
export function applyUnwatch(
  record: TaskRecord,
  channel: string | undefined,
  now: string,
  actor?: Actor,
): TaskRecord | null {
  if (channel === undefined) return null;
  const { [channel]: _removed, ...rest } = record.subscriptions;
  if (Object.keys(rest).length === 0) return null;
  const audit =
    actor === undefined
      ? record.audit
      : appendAudit(record.audit, auditEntry(actor, 'unwatch', channel, now));
  return pruneOutbox({
    ...bump(record, now),
    subscriptions: rest,
    ...(audit === undefined ? {} : { audit }),
  });
}

/** The batches a subscription has not had yet, oldest first. */
export const pendingBatches = (record: TaskRecord, channel: string): OutboxBatch[] => {
  const subscription = record.subscriptions[channel];
  if (!subscription) return [];
  return record.outbox.filter((batch) => batch.seq > subscription.deliveredSeq);
};

/** A run is in progress: the task is worth re-polling every ACTIVE_POLL_SECONDS. */
export const isRunActive = (record: TaskRecord): boolean =>
  record.run !== null && !isTerminal(record.run.status) && !record.health.gone;

/** When the oldest change some working subscription has not had was recorded; null when all is delivered. */
export function pendingSince(record: TaskRecord): string | null {
  const working = Object.values(record.subscriptions).filter((s) => s.broken === null);
  if (working.length === 0) return null;
  const floor = Math.min(...working.map((s) => s.deliveredSeq));
  return record.outbox.find((batch) => batch.seq > floor)?.at ?? null;
}

/** Subscriptions that still have something to deliver. */
export const subscriptionsWithPending = (record: TaskRecord): Subscription[] =>
  Object.values(record.subscriptions).filter((s) => s.broken === null && s.deliveredSeq < record.lastSeq);

/**
 * Record an observation: the new snapshot, and (when there are events) a new outbox batch. Only the newest
 * copy of each run is kept in the outbox, because delivery renders a run's latest state; this bounds the
 * item's size however long Slack stays unreachable.
 */
export function applyObservation(
  record: TaskRecord,
  observation: {
    run: RunState | null;
    batch: Omit<OutboxBatch, 'seq'> | null;
    health: PollHealth;
    taskName?: string;
  },
  now: string,
): TaskRecord {
  let outbox = record.outbox;
  let lastSeq = record.lastSeq;
  if (observation.batch) {
    const fresh = new Set(observation.batch.runs.map((r) => r.recordId));
    lastSeq += 1;
    outbox = [
      ...outbox.map((b) => ({ ...b, runs: b.runs.filter((r) => !fresh.has(r.recordId)) })),
      { ...observation.batch, seq: lastSeq },
    ];
  }
  // What a roll back from Slack deploys again (core/actions.ts).
  const lastSucceeded = lastSucceededAfter(record.lastSucceeded, observation.batch);
  return pruneOutbox({
    ...bump(record, now),
    taskName: observation.taskName || record.taskName,
    run: observation.run,
    outbox,
    lastSeq,
    health: observation.health,
    ...(lastSucceeded === undefined ? {} : { lastSucceeded }),
  });
}

/** The latest known state of a run for rendering: the newest copy in the outbox, else the snapshot. */
export function latestRunState(record: TaskRecord, recordId: string): RunState | null {
  for (let i = record.outbox.length - 1; i >= 0; i--) {
    const run = record.outbox[i]?.runs.find((r) => r.recordId === recordId);
    if (run) return run;
  }
  return record.run?.recordId === recordId ? record.run : null;
}

export interface DeliveryOutcome {
  channel: string;
  /** Highest batch seq now delivered to the channel. */
  deliveredSeq: number;
  /** Living messages created or re-linked, by record ID. */
  messages: Record<string, SlackMessageRef>;
  /** Set when Slack refused the channel permanently. */
  broken?: { code: string; message: string };
}

/** Record what a delivery achieved for each subscription (never moving progress backwards). */
export function applyDeliveries(record: TaskRecord, outcomes: DeliveryOutcome[], now: string): TaskRecord {
  const subscriptions = { ...record.subscriptions };
  for (const outcome of outcomes) {
    const subscription = subscriptions[outcome.channel];
    if (!subscription) continue; // unwatched meanwhile
    const messages = trimMessages({ ...subscription.messages, ...outcome.messages });
    subscriptions[outcome.channel] = {
      ...subscription,
      deliveredSeq: Math.max(subscription.deliveredSeq, outcome.deliveredSeq),
      messages,
      broken: outcome.broken ? { ...outcome.broken, at: now } : subscription.broken,
    };
  }
  return pruneOutbox({ ...bump(record, now), subscriptions });
}

const trimMessages = (messages: Record<string, SlackMessageRef>): Record<string, SlackMessageRef> => {
  const entries = Object.entries(messages);
  // Insertion order is creation order, so the oldest runs are dropped first.
  return Object.fromEntries(entries.slice(Math.max(0, entries.length - MESSAGES_KEPT_PER_SUBSCRIPTION)));
};

/**
 * Drop batches every working subscription has had (they move to `recent`). A broken subscription does not
 * hold the outbox: it starts afresh when it is re-registered.
 */
export function pruneOutbox(record: TaskRecord): TaskRecord {
  const working = Object.values(record.subscriptions).filter((s) => s.broken === null);
  const floor = working.length === 0 ? record.lastSeq : Math.min(...working.map((s) => s.deliveredSeq));
  const delivered = record.outbox.filter((b) => b.seq <= floor);
  if (delivered.length === 0) return record;
  const recent = [
    ...(record.recent ?? []),
    ...delivered.map(({ seq, at, events }) => ({ seq, at, events })),
  ].slice(-RECENT_BATCHES_KEPT);
  return { ...record, outbox: record.outbox.filter((b) => b.seq > floor), recent };
}

/** Something to tell Slack: a working subscription is behind, or a living message must be redrawn. */
export const hasDeliveryWork = (record: TaskRecord, refreshRecordId: string | null): boolean =>
  subscriptionsWithPending(record).length > 0 ||
  (refreshRecordId !== null &&
    Object.values(record.subscriptions).some((s) => s.broken === null && s.mode === 'thread'));

/** Another worker holds the delivery claim at `nowMs`. */
export const claimedByOther = (record: TaskRecord, by: string, nowMs: number): boolean =>
  record.deliveryClaim !== undefined && record.deliveryClaim.by !== by && record.deliveryClaim.until > nowMs;

export interface ClaimRequest {
  /** Who claims (one worker invocation). */
  by: string;
  nowMs: number;
  /** When the claim lapses: after the claimant's invocation can no longer be running. */
  untilMs: number;
}

/**
 * The write a poll makes: the record `decided` (or `current` when the poll decided nothing), with the delivery claim
 * taken when there is something to tell Slack and nobody else holds it. `next` is null when nothing needs writing;
 * `claimed` says whether the caller may deliver once `next` (if any) is written. Taking the claim is a write like any
 * other (version + 1), so it is as atomic as the conditional write.
 */
export function claimForDelivery(
  current: TaskRecord,
  decided: TaskRecord | null,
  refreshRecordId: string | null,
  claim: ClaimRequest,
): { next: TaskRecord | null; claimed: boolean } {
  const base = decided ?? current;
  if (!hasDeliveryWork(base, refreshRecordId) || claimedByOther(base, claim.by, claim.nowMs)) {
    return { next: decided, claimed: false };
  }
  return {
    next: { ...base, version: current.version + 1, deliveryClaim: { by: claim.by, until: claim.untilMs } },
    claimed: true,
  };
}

/** The record without `by`'s claim (unchanged when someone else holds it). */
export function releaseDeliveryClaim(record: TaskRecord, by: string): TaskRecord {
  if (record.deliveryClaim?.by !== by) return record;
  const { deliveryClaim: _released, ...rest } = record;
  return rest;
}
