// app → what the HTTP API shows of a watched task. Snake case like the request bodies; internal fields
// (version counters, message refs) appear only in the single-task view, where an operator debugs delivery.
import { type FeedStatus, isFailing, projectKey } from '../../core/feed.js';
import type {
  AuditEntry,
  ChannelRecord,
  OutboxBatch,
  RunState,
  StepState,
  Subscription,
  TaskEvent,
  TaskRecord,
} from '../../core/model.js';

export interface StepView {
  index: number;
  name: string;
  enabled: boolean;
  progress: StepState['progress'];
  elapsed: number | null;
  faq_url: string | null;
}

export interface RunView {
  record_id: string;
  status: RunState['status'];
  raw_status: string;
  steps_finished: boolean;
  started_at: string | null;
  ended_at: string | null;
  executor: string;
  steps: StepView[] | null;
}

export const runView = (run: RunState | null): RunView | null =>
  run === null
    ? null
    : {
        record_id: run.recordId,
        status: run.status,
        raw_status: run.rawStatus,
        steps_finished: run.stepsFinished,
        started_at: run.startedAt,
        ended_at: run.endedAt,
        executor: run.executor,
        steps:
          run.steps?.map((step) => ({
            index: step.index,
            name: step.name,
            enabled: step.enabled,
            progress: step.progress,
            elapsed: step.elapsed,
            faq_url: step.faqUrl,
          })) ?? null,
      };

/** `ok`: polled and fine · `pending`: not polled yet · `stale`: polls keep failing · `gone`: deleted in CodeArts. */
export type HealthStatus = 'ok' | 'pending' | 'stale' | 'gone';

export interface HealthView {
  status: HealthStatus;
  last_poll_at: string | null;
  last_success_at: string | null;
  stale_since: string | null;
  consecutive_failures: number;
  last_error: string | null;
  /** Channels Slack refused permanently; delivery there stops until the watch is registered again. */
  broken_channels: { channel: string; code: string; message: string; at: string }[];
  /** How the planner learns that the task moved; absent when the feed's status could not be read. */
  change_feed?: ChangeFeedView;
}

/**
 * `on`: the change feed of the task's project works (or its tasks are few enough to poll directly, which costs
 * less) · `fallback`: its project's feed is failing, the task is polled every tick · `direct`: its project is not
 * known yet, the task is polled every tick · `off`: CHANGE_FEED=off, every task is polled every tick.
 */
export interface ChangeFeedView {
  status: 'on' | 'fallback' | 'direct' | 'off';
  failing_since: string | null;
  last_error: string | null;
}

export const changeFeedView = (record: TaskRecord, feed: FeedStatus): ChangeFeedView => {
  const health =
    record.projectId === undefined ? undefined : feed.projects[projectKey(record.region, record.projectId)];
  const status = !feed.enabled
    ? 'off'
    : record.projectId === undefined
      ? 'direct'
      : isFailing(health)
        ? 'fallback'
        : 'on';
  return {
    status,
    failing_since: status === 'fallback' ? (health?.failingSince ?? null) : null,
    last_error: status === 'fallback' ? (health?.lastError ?? null) : null,
  };
};

/**
 * When the task was last polled. The poller writes nothing when nothing changed, so for a
 * healthy task the end of the last completed poll cycle (`lastCycleAt`, from the poller's lease) is the
 * truer answer than the record's own `lastPollAt`, which only moves when something was written.
 */
export const lastPolledAt = (record: TaskRecord, lastCycleAt: string | null): string | null => {
  const { health } = record;
  const healthy = !health.gone && health.staleSince === null && health.consecutiveFailures === 0;
  const cycleCovers =
    healthy && lastCycleAt !== null && health.lastSuccessAt !== null && lastCycleAt >= record.createdAt;
  if (!cycleCovers) return health.lastPollAt;
  return health.lastPollAt === null || lastCycleAt > health.lastPollAt ? lastCycleAt : health.lastPollAt;
};

export const healthView = (
  record: TaskRecord,
  lastCycleAt: string | null = null,
  feed: FeedStatus | null = null,
): HealthView => {
  const { health } = record;
  const lastPollAt = lastPolledAt(record, lastCycleAt);
  const status: HealthStatus = health.gone
    ? 'gone'
    : health.staleSince !== null
      ? 'stale'
      : lastPollAt === null
        ? 'pending'
        : 'ok';
  return {
    status,
    last_poll_at: lastPollAt,
    last_success_at: health.lastSuccessAt,
    stale_since: health.staleSince,
    consecutive_failures: health.consecutiveFailures,
    last_error: health.lastError,
    broken_channels: Object.values(record.subscriptions)
      .filter((sub) => sub.broken !== null)
      .map((sub) => ({
        channel: sub.channel,
        code: sub.broken?.code ?? '',
        message: sub.broken?.message ?? '',
        at: sub.broken?.at ?? '',
      })),
    ...(feed === null ? {} : { change_feed: changeFeedView(record, feed) }),
  };
};

export interface WatchView {
  channel: string;
  notify: Subscription['notify'];
  mode: Subscription['mode'];
  mentions: string[];
  /** Who may stop, re-run and roll back from Slack (empty: no buttons). */
  operators: string[];
  quiet_hours: { from: string; to: string; time_zone: string } | null;
  digest: { every: 'daily' | 'weekly'; time_zone: string } | null;
  created_at: string;
  broken: Subscription['broken'];
}

export const watchView = (sub: Subscription): WatchView => ({
  channel: sub.channel,
  notify: sub.notify,
  mode: sub.mode,
  mentions: [...sub.mentions],
  operators: [...(sub.operators ?? [])],
  quiet_hours: sub.quietHours
    ? { from: sub.quietHours.from, to: sub.quietHours.to, time_zone: sub.quietHours.timeZone }
    : null,
  digest: sub.digest ? { every: sub.digest.every, time_zone: sub.digest.timeZone } : null,
  created_at: sub.createdAt,
  broken: sub.broken,
});

export interface TaskHeaderView {
  task_id: string;
  name: string;
  region: string;
}

const taskHeader = (record: TaskRecord): TaskHeaderView => ({
  task_id: record.taskId,
  name: record.taskName,
  region: record.region,
});

const sortedSubscriptions = (record: TaskRecord): Subscription[] =>
  Object.values(record.subscriptions).sort((a, b) =>
    a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0,
  );

/** The answer to `POST /tasks`: the task, this channel's watch, and the run CodeArts reported now. */
export const watchResultView = (
  record: TaskRecord,
  channel: string,
  run: RunState | null,
  outcome: string,
  verified: boolean,
) => {
  const sub = record.subscriptions[channel];
  return {
    task: taskHeader(record),
    watch: sub === undefined ? null : watchView(sub),
    outcome,
    verified,
    state: runView(run),
  };
};

/** One row of `GET /tasks`: the last known state in brief, poll times and health. */
export const taskSummaryView = (
  record: TaskRecord,
  lastCycleAt: string | null = null,
  feed: FeedStatus | null = null,
) => ({
  ...taskHeader(record),
  state:
    record.run === null
      ? null
      : {
          record_id: record.run.recordId,
          status: record.run.status,
          started_at: record.run.startedAt,
          ended_at: record.run.endedAt,
          executor: record.run.executor,
        },
  last_poll_at: lastPolledAt(record, lastCycleAt),
  health: healthView(record, lastCycleAt, feed),
  watches: sortedSubscriptions(record).map(watchView),
});

const eventView = (event: TaskEvent) => {
  switch (event.type) {
    case 'run.started':
      return { type: event.type, record_id: event.recordId };
    case 'step.started':
      return { type: event.type, record_id: event.recordId, step: event.step, name: event.name };
    case 'step.finished':
      return {
        type: event.type,
        record_id: event.recordId,
        step: event.step,
        name: event.name,
        elapsed: event.elapsed,
        ...(event.wasStuck ? { was_stuck: { usual_seconds: event.wasStuck.usualSeconds } } : {}),
      };
    case 'step.failed':
      return {
        type: event.type,
        record_id: event.recordId,
        step: event.step,
        name: event.name,
        faq_url: event.faqUrl,
        ...(event.wasStuck ? { was_stuck: { usual_seconds: event.wasStuck.usualSeconds } } : {}),
      };
    case 'step.stuck':
      return {
        type: event.type,
        record_id: event.recordId,
        step: event.step,
        name: event.name,
        running_seconds: event.runningSeconds,
        usual_seconds: event.usualSeconds,
      };
    case 'run.finished':
      return {
        type: event.type,
        record_id: event.recordId,
        status: event.status,
        duration_seconds: event.durationSeconds,
        ...(event.fixes
          ? {
              fixes: {
                record_id: event.fixes.recordId,
                broken_since: event.fixes.brokenSince,
                failed_runs: event.fixes.failedRuns,
              },
            }
          : {}),
      };
  }
};

const batchView = (batch: OutboxBatch, subs: Subscription[]) => ({
  seq: batch.seq,
  at: batch.at,
  events: batch.events.map(eventView),
  delivered_to: subs.filter((sub) => sub.deliveredSeq >= batch.seq).map((sub) => sub.channel),
  waiting_for: subs.filter((sub) => sub.deliveredSeq < batch.seq).map((sub) => sub.channel),
  ...(batch.notice === undefined ? {} : { notice: batch.notice }),
  ...(batch.report === undefined
    ? {}
    : {
        report: {
          kind: batch.report.kind,
          channel: batch.report.channel,
          from: batch.report.from,
          to: batch.report.to,
        },
      }),
});

/** `GET /tasks/{id}`: everything an operator needs to see why a channel did (not) hear about a run. */
export const taskDetailView = (
  record: TaskRecord,
  lastCycleAt: string | null = null,
  feed: FeedStatus | null = null,
) => {
  const subs = sortedSubscriptions(record);
  return {
    task: {
      ...taskHeader(record),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      version: record.version,
    },
    subscriptions: subs.map((sub) => ({
      ...watchView(sub),
      delivered_seq: sub.deliveredSeq,
      pending_batches: record.outbox.filter((batch) => batch.seq > sub.deliveredSeq).length,
      messages: Object.fromEntries(
        Object.entries(sub.messages).map(([recordId, ref]) => [
          recordId,
          { channel: ref.channel, ts: ref.ts },
        ]),
      ),
    })),
    snapshot: runView(record.run),
    outbox: { last_seq: record.lastSeq, pending: record.outbox.map((batch) => batchView(batch, subs)) },
    /** Batches every channel already had, newest last (the store keeps a few). */
    recent: (record.recent ?? []).map((batch) => ({
      seq: batch.seq,
      at: batch.at,
      events: batch.events.map(eventView),
    })),
    health: healthView(record, lastCycleAt, feed),
    /** Who changed which watch, and when (the last few, oldest first). */
    audit: (record.audit ?? []).map(auditView),
  };
};

export const auditView = (entry: AuditEntry) => ({
  at: entry.at,
  via: entry.via,
  by: entry.by,
  ...(entry.team === undefined ? {} : { team: entry.team }),
  action: entry.action,
  channel: entry.channel,
  ...(entry.detail === undefined ? {} : { detail: entry.detail }),
});

/** `GET` and `PUT /channels/{channel}`: what the channel may watch, what it holds, who changed it. */
export const channelView = (
  channelId: string,
  record: ChannelRecord | null,
  limits: { maxWatches: number; maxUnverified: number },
) => {
  const watches = Object.entries(record?.watches ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    channel: channelId,
    projects: record?.projects ?? null,
    watches: {
      count: watches.length,
      unverified: watches.filter(([, watch]) => !watch.verified).length,
      tasks: watches.map(([taskId, watch]) => ({ task_id: taskId, verified: watch.verified })),
    },
    limits: { max_watches: limits.maxWatches, max_unverified: limits.maxUnverified },
    updated_at: record?.updatedAt ?? null,
    audit: (record?.audit ?? []).map(auditView),
  };
};

/** `DELETE /tasks/{id}`: what went, and what remains (null when the task is no longer watched anywhere). */
export const unwatchView = (taskId: string, removedChannels: string[], remaining: TaskRecord | null) => ({
  removed: { task_id: taskId, channels: removedChannels },
  remaining: remaining === null ? null : taskSummaryView(remaining),
});
