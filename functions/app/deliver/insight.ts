// app → what delivery adds for insight (docs/insight-messages.md shows the messages): the render insight of a
// run for one channel (usual times, expected end, the executor's Slack user), the permalink of the failed run
// a fix links, the line the failed run's living message gets, and the channel's quiet-hours summaries and
// digests. Slack calls only; rendering is core's.
import { expectedEndMs, usualSeconds } from '../../core/insight/durations.js';
import { runningSecondsOf, runningStep } from '../../core/insight/stuck.js';
import {
  type Fix,
  isTerminal,
  type OutboxBatch,
  type RunState,
  type SlackMessageRef,
  type Subscription,
  type TaskRecord,
} from '../../core/model.js';
import { type RenderContext, renderLivingMessage } from '../../core/render/index.js';
import type { RenderInsight } from '../../core/render/insight.js';
import { renderReport } from '../../core/render/reports.js';
import { SlackDeliveryError, type SlackPort } from '../../ports.js';
import type { RunGroup } from './run-group.js';
import { CHANGE_MESSAGE_EVENT, meta, post, slackTs } from './slack-calls.js';

/** What the notifier knows about `run` beyond CodeArts' answer, for rendering it to `subscription`. */
export function renderInsightFor(
  record: TaskRecord,
  run: RunState | null,
  people: ReadonlyMap<string, string>,
  nowMs: number,
): RenderInsight {
  // Only while the run goes: once it has ended, the history holds the run itself, and would call it usual.
  const usual =
    run?.steps && !isTerminal(run.status) ? usualSeconds(record.insight?.durations, run.steps) : [];
  const following = record.insight?.running;
  const current = run === null ? null : runningStep(run);
  const followed =
    following !== undefined && run !== null && following.recordId === run.recordId ? following : null;
  const ran =
    current === null
      ? null
      : runningSecondsOf(
          current,
          followed?.step === current.index ? Date.parse(followed.since) : null,
          nowMs,
        );
  const end = run === null ? null : expectedEndMs(run, usual, ran, nowMs);
  return {
    usualSeconds: usual,
    expectedEndAt: end === null ? null : new Date(end).toISOString(),
    stuckStep: followed?.stuck ? followed.step : null,
    executorUser: run?.executor ? (people.get(run.executor) ?? null) : null,
    fixedLink: null,
    fixedBy: null,
  };
}

/** The fix a run's changes carry for this channel: only a channel that was watching when the task broke hears it. */
export function fixFor(subscription: Subscription, items: RunGroup['items']): Fix | null {
  for (const { event } of items) {
    if (
      event.type === 'run.finished' &&
      event.fixes !== undefined &&
      subscription.createdAt <= event.fixes.brokenSince
    ) {
      return event.fixes;
    }
  }
  return null;
}

/** A message's permalink; null when Slack no longer has it (other failures leave the change pending). */
export async function permalinkOf(
  slack: SlackPort,
  ref: SlackMessageRef | undefined,
): Promise<string | null> {
  if (ref === undefined) return null;
  try {
    return await slack.getPermalink(ref);
  } catch (error) {
    if (error instanceof SlackDeliveryError && error.kind === 'message-gone') return null;
    throw error;
  }
}

/**
 * The failed run's living message gets a line pointing at the run that fixed it. An edit: repeating it is
 * harmless, and a message someone deleted (or one Slack refuses to show) is left as it is.
 */
export async function markFixed(
  slack: SlackPort,
  subscription: Subscription,
  failed: { run: RunState; ref: SlackMessageRef; ctx: RenderContext },
  fixedBy: { recordId: string; endedAt: string | null; ref: SlackMessageRef | undefined },
): Promise<void> {
  if (subscription.mode !== 'thread' || subscription.notify === 'failures') return;
  const link = await permalinkOf(slack, fixedBy.ref);
  const insight: RenderInsight = {
    ...(failed.ctx.insight as RenderInsight),
    fixedBy: { recordId: fixedBy.recordId, endedAt: fixedBy.endedAt, link },
  };
  try {
    await slack.update(failed.ref, renderLivingMessage(failed.run, { ...failed.ctx, insight }));
  } catch (error) {
    if (error instanceof SlackDeliveryError && (error.kind === 'message-gone' || error.kind === 'payload'))
      return;
    throw error;
  }
}

/** The failed run a batch of these changes fixed, as it was last seen. */
export const fixedRunOf = (batches: readonly OutboxBatch[], recordId: string): RunState | null =>
  batches.flatMap((b) => b.fixedRuns ?? []).find((run) => run.recordId === recordId) ?? null;

/**
 * A quiet-hours summary or digest for this channel, posted once: an earlier attempt whose answer was lost is found
 * by its metadata (`<task>/report/<seq>`) before it is posted again.
 */
export async function deliverReport(
  record: TaskRecord,
  subscription: Subscription,
  batch: OutboxBatch,
  slack: SlackPort,
  context: { reconcileUpToSeq: number; consoleUrlOf: (recordId: string) => string | null },
): Promise<void> {
  if (batch.report === undefined || batch.report.channel !== subscription.channel) return;
  const key = `${record.taskId}/report/${batch.seq}`;
  if (batch.seq <= context.reconcileUpToSeq) {
    const found = await slack.findByMetadata({
      channel: subscription.channel,
      eventType: CHANGE_MESSAGE_EVENT,
      key,
      oldest: slackTs(Date.parse(batch.at) - 60_000),
    });
    if (found) return;
  }
  const message = renderReport(batch.report, {
    taskName: record.taskName || record.taskId,
    consoleUrlOf: context.consoleUrlOf,
  });
  await post(
    slack,
    { channel: subscription.channel, metadata: meta(CHANGE_MESSAGE_EVENT, key, batch.seq) },
    message,
  );
}
