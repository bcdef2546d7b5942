// app → a task's pending change batches told to one subscription, in its channel only: each run's changes in
// order (deliverRunGroup), then notices about the watch itself. Returns what was achieved; whatever Slack
// refused stays pending for a later attempt.

import { toldInQuietHours } from '../../core/insight/decide-insight.js';
import { isQuietAt } from '../../core/insight/quiet-hours.js';
import {
  isTerminal,
  type OutboxBatch,
  type RunState,
  type SlackMessageRef,
  type Subscription,
  type TaskRecord,
} from '../../core/model.js';
import {
  DEFAULT_CONSOLE_URL_TEMPLATE,
  expandConsoleUrl,
  type RenderContext,
  renderTaskGoneNotice,
} from '../../core/render/index.js';
import { type DeliveryOutcome, latestRunState, pendingBatches } from '../../core/task-record.js';
import { SlackDeliveryError, type SlackPort } from '../../ports.js';
import { actionContextFor } from './action-context.js';
import { deliverActionNotes } from './action-notes.js';
import { deliverReport, fixedRunOf, fixFor, markFixed, permalinkOf, renderInsightFor } from './insight.js';
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
  /** The Slack user of each executor someone linked (for mentions). */
  people?: ReadonlyMap<string, string>;
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
    for (const group of runGroups(record, subscription, batches, context)) {
      const run = latestRunState(record, group.recordId);
      // A success that fixed failures links the failed run's message, and that message gets a line about the fix.
      const fix = fixFor(subscription, group.items);
      const render = renderContextFor(record, subscription, run, context);
      if (fix !== null && render.insight) {
        render.insight = {
          ...render.insight,
          // The failed run may have been told in this very delivery (both ended between two polls).
          fixedLink: await permalinkOf(slack, messages[fix.recordId] ?? subscription.messages[fix.recordId]),
        };
      }
      const { linked, error } = await deliverRunGroup(record, subscription, group, slack, {
        reconcileUpToSeq: context.reconcileUpToSeq,
        render,
        previousRunFailed: fix !== null,
      });
      if (linked) messages[group.recordId] = linked;
      if (error) throw error;
      const failedRun = fix === null ? null : fixedRunOf(batches, fix.recordId);
      const failedRef =
        fix === null ? undefined : (messages[fix.recordId] ?? subscription.messages[fix.recordId]);
      if (fix !== null && failedRun !== null && failedRef !== undefined) {
        await markFixed(
          slack,
          subscription,
          { run: failedRun, ref: failedRef, ctx: renderContextFor(record, subscription, failedRun, context) },
          {
            recordId: group.recordId,
            endedAt: run?.endedAt ?? null,
            ref: messages[group.recordId] ?? subscription.messages[group.recordId],
          },
        );
      }
    }
    // After the runs: a deleted task's last run is ended before the notice that it is gone.
    for (const batch of batches.filter((b) => b.notice)) {
      await deliverNotice(record, subscription, batch, slack, context);
    }
    for (const batch of batches.filter((b) => b.report?.channel === subscription.channel)) {
      await deliverReport(record, subscription, batch, slack, {
        reconcileUpToSeq: context.reconcileUpToSeq,
        consoleUrlOf: (recordId) => consoleUrlOf(record, recordId, context),
      });
    }
    return done({ deliveredSeq: Math.max(subscription.deliveredSeq, batches.at(-1)?.seq ?? 0) });
  } catch (error) {
    if (!(error instanceof SlackDeliveryError)) throw error;
    return error.kind === 'subscription'
      ? done({ broken: { code: error.code, message: error.message } })
      : done({ error });
  }
}

/**
 * The pending batches grouped by run, in order; plus an empty group for a living message that must be redrawn.
 * Inside the channel's quiet hours only what they let through is told; a run whose changes were all held back still
 * has its living message (if it has one here) redrawn, which notifies nobody.
 */
function runGroups(
  record: TaskRecord,
  subscription: Subscription,
  batches: OutboxBatch[],
  context: DeliveryContext,
): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  const held = new Set<string>();
  const quiet = subscription.quietHours;
  for (const batch of batches) {
    const hushed = quiet ? isQuietAt(quiet, Date.parse(batch.at)) : false;
    for (const event of batch.events) {
      if (hushed && !toldInQuietHours(event)) {
        held.add(event.recordId);
        continue;
      }
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
  const redraw = [
    ...(context.refreshRecordId ? [context.refreshRecordId] : []),
    ...[...held].filter((recordId) => subscription.messages[recordId] !== undefined),
  ];
  for (const recordId of redraw) {
    if (groups.has(recordId)) continue;
    const at = new Date(context.nowMs).toISOString();
    groups.set(recordId, {
      recordId,
      items: [],
      firstSeq: record.lastSeq + 1,
      lastSeq: record.lastSeq,
      firstAt: at,
    });
  }
  return [...groups.values()];
}

const consoleUrlOf = (record: TaskRecord, recordId: string, context: DeliveryContext): string | null =>
  expandConsoleUrl(context.consoleUrlTemplate ?? DEFAULT_CONSOLE_URL_TEMPLATE, {
    region: record.region,
    taskId: record.taskId,
    recordId,
  });

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
  const insight = renderInsightFor(record, run, context.people ?? new Map(), context.nowMs);
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
    // Whoever ran it is pinged beside the watch's mentions on a failure or a stuck step.
    mentions:
      insight.executorUser === null
        ? subscription.mentions
        : [...subscription.mentions, insight.executorUser],
    now: new Date(context.nowMs).toISOString(),
    actions: actionContextFor(record, subscription),
    insight,
  };
}
