// app → one run's pending changes told to one subscription: its living message created or edited (thread mode),
// then one thread reply (or channel posts, messages mode) covering every pending batch of the run. Changes an
// earlier attempt may already have told (its answer lost) are looked for in Slack first.
import type { SlackMessageRef, Subscription, TaskEvent, TaskRecord } from '../../core/model.js';
import { isUnsuccessful, planDelivery, type RenderContext } from '../../core/render/index.js';
import { latestRunState } from '../../core/task-record.js';
import { SlackDeliveryError, type SlackPort } from '../../ports.js';
import {
  CHANGE_MESSAGE_EVENT,
  LIVING_MESSAGE_EVENT,
  meta,
  post,
  slackTs,
  updateOrRelink,
} from './slack-calls.js';

/** A run's share of the pending batches: its events in order, and the seqs they span. */
export interface RunGroup {
  recordId: string;
  items: Array<{ seq: number; event: TaskEvent }>;
  firstSeq: number;
  lastSeq: number;
  firstAt: string;
}

export interface RunGroupContext {
  /** Batches up to this seq may have been attempted before, their answers lost: look for them first. */
  reconcileUpToSeq: number;
  render: RenderContext;
  previousRunFailed: boolean;
}

export interface RunGroupOutcome {
  /**
   * The message to remember for the run: its living message, new, found or replaced (null: the known one, or
   * none); without a living message (messages mode, notify failures), the post that told a failure, so the fix
   * can link it.
   */
  linked: SlackMessageRef | null;
  /** Slack refused a call after the living message was settled; the run's changes stay pending. */
  error?: SlackDeliveryError;
}

/**
 * Delivers `group`. A new living message is remembered even when a later call fails, so the next attempt edits it
 * instead of looking for it; a replacement only once the run's changes are through (see updateOrRelink). Rejects
 * with a SlackDeliveryError when the living message itself could not be settled.
 */
export async function deliverRunGroup(
  record: TaskRecord,
  subscription: Subscription,
  group: RunGroup,
  slack: SlackPort,
  context: RunGroupContext,
): Promise<RunGroupOutcome> {
  const run = latestRunState(record, group.recordId);
  if (!run) return { linked: null }; // nothing left to render it from (cannot happen for batches a poll wrote)
  const runKey = `${record.taskId}/${group.recordId}`;
  const mayBeDone = group.firstSeq <= context.reconcileUpToSeq;
  const plan = (items: RunGroup['items']) =>
    planDelivery({
      run,
      events: items.map((i) => i.event),
      options: subscription,
      ctx: context.render,
      previousRunFailed: context.previousRunFailed,
    });

  const first = plan(group.items);

  // The living message (thread mode): created once per run, then edited in place.
  let living: SlackMessageRef | null = subscription.messages[group.recordId] ?? null;
  // A refresh only edits a living message this channel already has; it never starts one for an unreported run.
  if (group.items.length === 0 && !living) return { linked: null };
  // Set when the living message was found gone and replaced: changes up to this seq may have been told in the
  // gone message's thread (see updateOrRelink).
  let toldUpTo: number | undefined;
  if (first.living) {
    const livingMeta = meta(LIVING_MESSAGE_EVENT, runKey);
    if (!living && mayBeDone) {
      living = await slack.findByMetadata({
        channel: subscription.channel,
        eventType: LIVING_MESSAGE_EVENT,
        key: runKey,
        oldest: slackTs(Date.parse(group.firstAt) - 60_000),
      });
    }
    if (living) {
      ({ ref: living, toldUpTo } = await updateOrRelink(
        slack,
        living,
        first.living,
        livingMeta,
        context.reconcileUpToSeq,
      ));
    } else {
      living = await post(slack, { channel: subscription.channel, metadata: livingMeta }, first.living);
    }
  }
  const known = subscription.messages[group.recordId];
  const linked = living && (known?.ts !== living.ts || known.channel !== living.channel) ? living : null;
  try {
    const posted = await tellChanges(record, subscription, group, slack, context, {
      living,
      toldUpTo,
      first,
      plan,
    });
    const failurePost =
      first.living === null && posted !== null && isUnsuccessful(run.status) ? posted : null;
    return { linked: linked ?? failurePost };
  } catch (error) {
    if (!(error instanceof SlackDeliveryError)) throw error;
    // Until a replacement's changes are through, the next attempt must meet the gone message again, so it finds
    // the replacement by lookup and reads its `toSeq`.
    return { linked: toldUpTo === undefined ? linked : null, error };
  }
}

type Plan = ReturnType<typeof planDelivery>;

/**
 * The change itself: one thread reply, or channel posts, covering every pending batch of this run. Resolves with
 * the last channel post made (null: none, or only a thread reply).
 */
async function tellChanges(
  record: TaskRecord,
  subscription: Subscription,
  group: RunGroup,
  slack: SlackPort,
  context: RunGroupContext,
  settled: {
    living: SlackMessageRef | null;
    toldUpTo: number | undefined;
    first: Plan;
    plan: (items: RunGroup['items']) => Plan;
  },
): Promise<SlackMessageRef | null> {
  const { living, toldUpTo, first, plan } = settled;
  const runKey = `${record.taskId}/${group.recordId}`;
  let items = group.items;
  if (toldUpTo !== undefined) {
    // Changes that may have been posted under the gone message cannot be looked for any more (its thread is gone
    // with it), but readers were told them there: they are not repeated in the replacement's thread.
    const told = toldUpTo;
    items = items.filter((i) => i.seq > told);
  }
  if (items.length === 0) return null;
  const changeKey = `${runKey}/${group.firstSeq}`;
  if (group.firstSeq <= context.reconcileUpToSeq) {
    const found = await slack.findByMetadata({
      channel: subscription.channel,
      eventType: CHANGE_MESSAGE_EVENT,
      key: changeKey,
      ...(first.reply && living
        ? { threadTs: living.ts }
        : { oldest: slackTs(Date.parse(group.firstAt) - 60_000) }),
    });
    const coveredUpTo = Number(found?.payload.toSeq ?? Number.NaN);
    if (found) items = Number.isFinite(coveredUpTo) ? items.filter((i) => i.seq > coveredUpTo) : [];
    if (items.length === 0) return null;
  }
  const { reply, posts } = items === group.items ? first : plan(items);
  const metadata = meta(CHANGE_MESSAGE_EVENT, changeKey, group.lastSeq);
  if (reply && living) {
    await post(
      slack,
      { channel: subscription.channel, threadTs: living.ts, broadcast: reply.broadcast, metadata },
      reply.message,
    );
  }
  let last: SlackMessageRef | null = null;
  for (const message of posts) {
    last = await post(slack, { channel: subscription.channel, metadata }, message);
  }
  return last;
}
