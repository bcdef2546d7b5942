// app → delivers a task's pending change batches to one subscription (design §6, §7).
// Posts that an earlier cycle may already have made (its answer lost) are looked up by their Slack
// metadata before being made again, so an unknown outcome never becomes a duplicate.

import type { OutboxBatch, SlackMessageRef, Subscription, TaskRecord } from '../core/model.js';
import { isTerminal, type RunState, type TaskEvent } from '../core/model.js';
import { renderTaskGoneNotice } from '../core/notices.js';
import {
  DEFAULT_CONSOLE_URL_TEMPLATE,
  expandConsoleUrl,
  planDelivery,
  type RenderContext,
} from '../core/render/index.js';
import { type DeliveryOutcome, latestRunState, pendingBatches } from '../core/task-record.js';
import {
  SlackDeliveryError,
  type SlackMessage,
  type SlackMetadata,
  type SlackPort,
  type SlackPostTarget,
} from '../ports.js';

/** Metadata event types of our messages (Slack requires [a-z0-9_]). */
export const LIVING_MESSAGE_EVENT = 'codearts_run';
export const CHANGE_MESSAGE_EVENT = 'codearts_change';

export interface DeliveryContext {
  slack: SlackPort;
  nowMs: number;
  consoleUrlTemplate: string | undefined;
  /**
   * Batches up to this seq existed before this cycle and may have been attempted by an earlier one whose
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

interface RunGroup {
  recordId: string;
  items: Array<{ seq: number; event: TaskEvent }>;
  firstSeq: number;
  lastSeq: number;
  firstAt: string;
}

export async function deliverToSubscription(
  record: TaskRecord,
  subscription: Subscription,
  context: DeliveryContext,
): Promise<SubscriptionDelivery> {
  const outcome: SubscriptionDelivery = {
    channel: subscription.channel,
    deliveredSeq: subscription.deliveredSeq,
    messages: {},
    calls: 0,
  };
  const batches = pendingBatches(record, subscription.channel);
  const slack = countingSlack(context.slack, outcome);
  try {
    const groups = groupByRun(batches);
    const refresh = context.refreshRecordId;
    if (refresh && !groups.some((g) => g.recordId === refresh)) {
      const at = new Date(context.nowMs).toISOString();
      groups.push({
        recordId: refresh,
        items: [],
        firstSeq: record.lastSeq + 1,
        lastSeq: record.lastSeq,
        firstAt: at,
      });
    }
    for (const group of groups) {
      await deliverRunGroup(record, subscription, group, slack, context, outcome);
    }
    // After the runs: a deleted task's last run is ended before the notice that it is gone.
    for (const batch of batches.filter((b) => b.notice)) {
      await deliverNotice(record, subscription, batch, slack, context);
    }
    outcome.deliveredSeq = Math.max(subscription.deliveredSeq, batches.at(-1)?.seq ?? 0);
  } catch (error) {
    if (!(error instanceof SlackDeliveryError)) throw error;
    if (error.kind === 'subscription') {
      outcome.broken = { code: error.code, message: error.message };
    } else {
      outcome.error = error;
    }
  }
  return outcome;
}

function groupByRun(batches: OutboxBatch[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const batch of batches) {
    for (const event of batch.events) {
      let group = groups.get(event.recordId);
      if (!group) {
        group = {
          recordId: event.recordId,
          items: [],
          firstSeq: batch.seq,
          lastSeq: batch.seq,
          firstAt: batch.at,
        };
        groups.set(event.recordId, group);
      }
      group.items.push({ seq: batch.seq, event });
      group.lastSeq = batch.seq;
    }
  }
  return [...groups.values()];
}

async function deliverRunGroup(
  record: TaskRecord,
  subscription: Subscription,
  group: RunGroup,
  slack: SlackPort,
  context: DeliveryContext,
  outcome: SubscriptionDelivery,
): Promise<void> {
  const run = latestRunState(record, group.recordId);
  if (!run) return; // nothing left to render it from (cannot happen for batches written by the poller)
  const runKey = `${record.taskId}/${group.recordId}`;
  const mayBeDone = group.firstSeq <= context.reconcileUpToSeq;
  const renderContext = renderContextFor(record, subscription, run, context);
  const previousRunFailed = lastOutcomeBefore(record, group.recordId) === 'failed';
  const plan = (items: RunGroup['items']) =>
    planDelivery({
      run,
      events: items.map((i) => i.event),
      options: subscription,
      ctx: renderContext,
      previousRunFailed,
    });

  let items = group.items;
  const first = plan(items);

  // The living message (thread mode): created once per run, then edited in place.
  let living: SlackMessageRef | null = subscription.messages[group.recordId] ?? null;
  // A refresh only edits a living message this channel already has; it never starts one for an unreported run.
  if (items.length === 0 && !living) return;
  // Set when the living message was found gone and replaced: changes up to this seq may have been told in the
  // gone message's thread (see updateOrRelink).
  let toldUpTo: number | undefined;
  let remember = () => {};
  if (first.living) {
    const livingMeta = meta(LIVING_MESSAGE_EVENT, runKey);
    if (living) {
      ({ ref: living, toldUpTo } = await updateOrRelink(
        slack,
        living,
        first.living,
        livingMeta,
        context.reconcileUpToSeq,
      ));
    } else if (mayBeDone) {
      living = await slack.findByMetadata({
        channel: subscription.channel,
        eventType: LIVING_MESSAGE_EVENT,
        key: runKey,
        oldest: slackTs(Date.parse(group.firstAt) - 60_000),
      });
      if (living) {
        ({ ref: living, toldUpTo } = await updateOrRelink(
          slack,
          living,
          first.living,
          livingMeta,
          context.reconcileUpToSeq,
        ));
      }
    }
    if (!living) {
      living = await post(slack, { channel: subscription.channel, metadata: livingMeta }, first.living);
    }
    const known = subscription.messages[group.recordId];
    const ref = { channel: living.channel, ts: living.ts };
    if (known?.ts !== ref.ts || known.channel !== ref.channel) {
      remember = () => {
        outcome.messages[group.recordId] = ref;
      };
    }
    // A replacement is remembered only once this run's pending changes are through: until then the next attempt
    // must meet the gone message again, so it finds the replacement by lookup and reads its `toSeq` (below).
    if (toldUpTo === undefined) remember();
  }
  if (toldUpTo !== undefined) {
    // Changes that may have been posted under the gone message cannot be looked for any more (its thread is gone
    // with it), but readers were told them there: they are not repeated in the replacement's thread.
    const told = toldUpTo;
    items = items.filter((i) => i.seq > told);
  }
  if (items.length === 0) return remember();

  // The change itself: one thread reply, or channel posts, covering every pending batch of this run.
  const changeKey = `${runKey}/${group.firstSeq}`;
  if (mayBeDone) {
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
    if (items.length === 0) return remember();
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
  for (const message of posts) {
    await post(slack, { channel: subscription.channel, metadata }, message);
  }
  remember();
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
  run: RunState,
  context: DeliveryContext,
): RenderContext {
  return {
    taskName: record.taskName || run.taskName || record.taskId,
    region: record.region,
    consoleUrl: expandConsoleUrl(context.consoleUrlTemplate ?? DEFAULT_CONSOLE_URL_TEMPLATE, {
      region: record.region,
      taskId: record.taskId,
      recordId: run.recordId,
    }),
    // Only the run being watched right now can be stale; a finished one is history (and the notice could not
    // be cleared from it once another run has taken its place).
    staleSince:
      record.run?.recordId === run.recordId && !isTerminal(run.status) ? record.health.staleSince : null,
    mentions: subscription.mentions,
    now: new Date(context.nowMs).toISOString(),
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

/**
 * Edits a living message; if Slack says it is gone or no longer ours, posts a fresh one instead. The fresh one
 * carries the run's metadata like the first, and is looked for before posting: an earlier attempt may have
 * posted it and lost the answer, and the reference we keep is still the gone message's.
 *
 * A replacement also says (metadata `toSeq`) up to which seq changes may already have been told in the gone
 * message's thread: `toldUpTo`, the batches that may have been attempted before the message was found gone. That
 * thread can no longer be searched, and a later cycle cannot tell those batches apart from ones recorded since
 * (its own `reconcileUpToSeq` also covers batches recorded while the message was already gone), so the first
 * cycle to find it gone settles the bound and every later one reads it back from the replacement.
 */
async function updateOrRelink(
  slack: SlackPort,
  ref: SlackMessageRef,
  message: SlackMessage,
  metadata: SlackMetadata,
  toldUpTo: number,
): Promise<{ ref: SlackMessageRef; toldUpTo?: number }> {
  try {
    await withTextFallback(message, (m) => slack.update(ref, m));
    return { ref };
  } catch (error) {
    if (error instanceof SlackDeliveryError && error.kind === 'message-gone') {
      const replacement = await slack.findByMetadata({
        channel: ref.channel,
        eventType: metadata.eventType,
        key: String(metadata.payload.key),
        oldest: ref.ts,
      });
      if (replacement && replacement.ts !== ref.ts) {
        await withTextFallback(message, (m) => slack.update(replacement, m));
        const told = Number(replacement.payload.toSeq ?? Number.NaN);
        return {
          ref: { channel: replacement.channel, ts: replacement.ts },
          ...(Number.isFinite(told) ? { toldUpTo: told } : {}),
        };
      }
      const withBound = { ...metadata, payload: { ...metadata.payload, toSeq: toldUpTo } };
      return { ref: await post(slack, { channel: ref.channel, metadata: withBound }, message), toldUpTo };
    }
    throw error;
  }
}

const post = (slack: SlackPort, target: SlackPostTarget, message: SlackMessage) =>
  withTextFallback(message, (m) => slack.post(target, m));

/** Slack refusing a rich payload is our bug, not the reader's problem: retry once as plain text. */
async function withTextFallback<T>(
  message: SlackMessage,
  send: (message: SlackMessage) => Promise<T>,
): Promise<T> {
  try {
    return await send(message);
  } catch (error) {
    if (error instanceof SlackDeliveryError && error.kind === 'payload')
      return send({ text: message.text.slice(0, 3000) });
    throw error;
  }
}

const meta = (eventType: string, key: string, toSeq?: number): SlackMetadata => ({
  eventType,
  payload: toSeq === undefined ? { key } : { key, toSeq },
});

/** Slack's `ts` format for a point in time (used as the lower bound of history searches). */
const slackTs = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);

function countingSlack(slack: SlackPort, outcome: SubscriptionDelivery): SlackPort {
  return {
    post: (target, message) => {
      outcome.calls++;
      return slack.post(target, message);
    },
    update: (ref, message) => {
      outcome.calls++;
      return slack.update(ref, message);
    },
    findByMetadata: (query) => {
      outcome.calls++;
      return slack.findByMetadata(query);
    },
  };
}
