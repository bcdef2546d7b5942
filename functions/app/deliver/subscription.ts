// app → a task's pending change batches told to one subscription (design §6, §7): each run's changes in order
// (deliverRunGroup), then notices about the watch itself. Returns what was achieved; whatever Slack refused stays
// pending for a later attempt.
import {
  isTerminal,
  type OutboxBatch,
  type RunState,
  type SlackMessageRef,
  type Subscription,
  type TaskRecord,
} from '../../core/model.js';
import { renderTaskGoneNotice } from '../../core/notices.js';
import {
  DEFAULT_CONSOLE_URL_TEMPLATE,
  expandConsoleUrl,
  type RenderContext,
} from '../../core/render/index.js';
import { type DeliveryOutcome, latestRunState, pendingBatches } from '../../core/task-record.js';
import { SlackDeliveryError, type SlackPort } from '../../ports.js';
import { actionContextFor } from './action-context.js';
import { deliverActionNotes } from './action-notes.js';
import { deliverRunGroup, type RunGroup } from './run-group.js';
import { CHANGE_MESSAGE_EVENT, countingSlack, meta, post, slackTs } from './slack-calls.js';

export interface DeliveryContext {
  slack: SlackPort;
  nowMs: number;
  consoleUrlTemplate: string | undefined;
  /**
   * Batches up to this seq existed before this delivery and may have been attempted by an earlier one whose
   * answer was lost: look for them in Slack before posting.
   */
  reconcileUpToSeq: number;
  /** Re-render this run's living message even with nothing pending for it (stale notice set or cleared). */
  refreshRecordId: string | null;
}

export interface SubscriptionDelivery extends DeliveryOutcome {
  /** Slack calls made (for metrics and the benchmark). */
  calls: number;
  /** Set when delivery stopped early; the undelivered rest stays pending. */
  error?: SlackDeliveryError;
}

export async function deliverToSubscription(
  record: TaskRecord,
  subscription: Subscription,
  context: DeliveryContext,
): Promise<SubscriptionDelivery> {
  const counter = { calls: 0 };
  const slack = countingSlack(context.slack, counter);
  const batches = pendingBatches(record, subscription.channel);
  const messages: Record<string, SlackMessageRef> = {};
  const done = (outcome: Partial<SubscriptionDelivery>): SubscriptionDelivery => ({
    channel: subscription.channel,
    deliveredSeq: subscription.deliveredSeq,
    messages,
    calls: counter.calls,
    ...outcome,
  });
  try {
    // First what buttons pressed here did: the run's own changes (it was stopped, a new one started) follow it.
    await deliverActionNotes(record, subscription, batches, slack, context);
    for (const group of runGroups(record, batches, context)) {
      const run = latestRunState(record, group.recordId);
      const { linked, error } = await deliverRunGroup(record, subscription, group, slack, {
        reconcileUpToSeq: context.reconcileUpToSeq,
        render: renderContextFor(record, subscription, run, context),
        previousRunFailed: lastOutcomeBefore(record, group.recordId) === 'failed',
      });
      if (linked) messages[group.recordId] = linked;
      if (error) throw error;
    }
    // After the runs: a deleted task's last run is ended before the notice that it is gone.
    for (const batch of batches.filter((b) => b.notice)) {
      await deliverNotice(record, subscription, batch, slack, context);
    }
    return done({ deliveredSeq: Math.max(subscription.deliveredSeq, batches.at(-1)?.seq ?? 0) });
  } catch (error) {
    if (!(error instanceof SlackDeliveryError)) throw error;
    return error.kind === 'subscription'
      ? done({ broken: { code: error.code, message: error.message } })
      : done({ error });
  }
}

/** The pending batches grouped by run, in order; plus an empty group for a living message that must be redrawn. */
function runGroups(record: TaskRecord, batches: OutboxBatch[], context: DeliveryContext): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const batch of batches) {
    for (const event of batch.events) {
      const group = groups.get(event.recordId);
      const item = { seq: batch.seq, event };
      groups.set(
        event.recordId,
        group
          ? { ...group, items: [...group.items, item], lastSeq: batch.seq }
          : {
              recordId: event.recordId,
              items: [item],
              firstSeq: batch.seq,
              lastSeq: batch.seq,
              firstAt: batch.at,
            },
      );
    }
  }
  const refresh = context.refreshRecordId;
  if (refresh && !groups.has(refresh)) {
    const at = new Date(context.nowMs).toISOString();
    groups.set(refresh, {
      recordId: refresh,
      items: [],
      firstSeq: record.lastSeq + 1,
      lastSeq: record.lastSeq,
      firstAt: at,
    });
  }
  return [...groups.values()];
}

async function deliverNotice(
  record: TaskRecord,
  subscription: Subscription,
  batch: OutboxBatch,
  slack: SlackPort,
  context: DeliveryContext,
): Promise<void> {
  if (!batch.notice) return;
  const key = `${record.taskId}/notice/${batch.seq}`;
  if (batch.seq <= context.reconcileUpToSeq) {
    const oldest = slackTs(Date.parse(batch.at) - 60_000);
    if (
      await slack.findByMetadata({
        channel: subscription.channel,
        eventType: CHANGE_MESSAGE_EVENT,
        key,
        oldest,
      })
    )
      return;
  }
  await post(
    slack,
    { channel: subscription.channel, metadata: meta(CHANGE_MESSAGE_EVENT, key, batch.seq) },
    renderTaskGoneNotice(record, batch.notice.code),
  );
}

function renderContextFor(
  record: TaskRecord,
  subscription: Subscription,
  run: RunState | null,
  context: DeliveryContext,
): RenderContext {
  const recordId = run?.recordId ?? '';
  return {
    taskName: record.taskName || run?.taskName || record.taskId,
    region: record.region,
    consoleUrl: expandConsoleUrl(context.consoleUrlTemplate ?? DEFAULT_CONSOLE_URL_TEMPLATE, {
      region: record.region,
      taskId: record.taskId,
      recordId,
    }),
    // Only the run being watched right now can be stale; a finished one is history (and the notice could not
    // be cleared from it once another run has taken its place).
    staleSince:
      run !== null && record.run?.recordId === recordId && !isTerminal(run.status)
        ? record.health.staleSince
        : null,
    mentions: subscription.mentions,
    now: new Date(context.nowMs).toISOString(),
    actions: actionContextFor(record, subscription),
  };
}

/** How the last run before `recordId` ended, from the recorded change history. */
function lastOutcomeBefore(record: TaskRecord, recordId: string): 'failed' | 'succeeded' | null {
  let last: 'failed' | 'succeeded' | null = null;
  for (const batch of [...(record.recent ?? []), ...record.outbox]) {
    for (const event of batch.events) {
      if (event.recordId === recordId) return last;
      if (event.type === 'run.finished') last = event.status === 'succeeded' ? 'succeeded' : 'failed';
    }
  }
  return last;
}
