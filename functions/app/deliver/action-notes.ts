// app → what buttons pressed in Slack did, told in the channel they were pressed in: a reply in the thread of the
// run's living message, or a channel post where there is none (`mode: messages`, `notify: failures`). Each note is
// an outbox batch like any change (core/actions.ts), so it is told once: a note an earlier attempt may have posted
// (its answer lost) is looked for by its metadata first.
import type { OutboxBatch, SlackMessageRef, Subscription, TaskRecord } from '../../core/model.js';
import { renderActionNote } from '../../core/render/action-message.js';
import { SlackDeliveryError, type SlackPort } from '../../ports.js';
import { meta, post, slackTs } from './slack-calls.js';

/** Metadata event type of the notes (the reliability checker counts only runs and changes, not these). */
export const ACTION_MESSAGE_EVENT = 'codearts_action';

export async function deliverActionNotes(
  record: TaskRecord,
  subscription: Subscription,
  batches: readonly OutboxBatch[],
  slack: SlackPort,
  context: { reconcileUpToSeq: number },
): Promise<void> {
  for (const batch of batches) {
    const note = batch.action;
    if (note === undefined || note.channel !== subscription.channel) continue;
    const key = `${record.taskId}/action/${batch.seq}`;
    const living = subscription.mode === 'thread' ? (subscription.messages[note.recordId] ?? null) : null;
    if (batch.seq <= context.reconcileUpToSeq) {
      const found = await slack.findByMetadata({
        channel: subscription.channel,
        eventType: ACTION_MESSAGE_EVENT,
        key,
        ...(living ? { threadTs: living.ts } : { oldest: slackTs(Date.parse(batch.at) - 60_000) }),
      });
      if (found) continue;
    }
    const taskName = record.taskName || record.taskId;
    const metadata = meta(ACTION_MESSAGE_EVENT, key, batch.seq);
    const inChannel = () =>
      post(
        slack,
        { channel: subscription.channel, metadata },
        renderActionNote(note, { taskName, audience: 'channel' }),
      );
    if (living === null) {
      await inChannel();
      continue;
    }
    await replyOrPost(
      slack,
      living,
      subscription.channel,
      metadata,
      renderActionNote(note, { taskName, audience: 'thread' }),
      inChannel,
    );
  }
}

/** A reply under the living message; when that message is gone, the note stands on its own in the channel. */
async function replyOrPost(
  slack: SlackPort,
  living: SlackMessageRef,
  channel: string,
  metadata: ReturnType<typeof meta>,
  message: ReturnType<typeof renderActionNote>,
  inChannel: () => Promise<unknown>,
): Promise<void> {
  try {
    await post(slack, { channel, threadTs: living.ts, metadata }, message);
  } catch (error) {
    if (!(error instanceof SlackDeliveryError && error.kind === 'message-gone')) throw error;
    await inChannel();
  }
}
