// app → the Slack calls delivery makes, with what makes them safe to repeat: every post carries metadata (the
// run, the change batch) so a post whose answer was lost can be found before it is made again; a living message
// found gone is replaced once; a refused rich payload is sent again as plain text.
import type { SlackMessageRef } from '../../core/model.js';
import {
  SlackDeliveryError,
  type SlackMessage,
  type SlackMetadata,
  type SlackPort,
  type SlackPostTarget,
} from '../../ports.js';

/** Metadata event types of our messages (Slack requires [a-z0-9_]). */
export const LIVING_MESSAGE_EVENT = 'codearts_run';
export const CHANGE_MESSAGE_EVENT = 'codearts_change';

export const meta = (eventType: string, key: string, toSeq?: number): SlackMetadata => ({
  eventType,
  payload: toSeq === undefined ? { key } : { key, toSeq },
});

/** Slack's `ts` format for a point in time (used as the lower bound of history searches). */
export const slackTs = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);

export const post = (slack: SlackPort, target: SlackPostTarget, message: SlackMessage) =>
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

/**
 * Edits a living message; if Slack says it is gone or no longer ours, posts a fresh one instead. The fresh one
 * carries the run's metadata like the first, and is looked for before posting: an earlier attempt may have
 * posted it and lost the answer, and the reference we keep is still the gone message's.
 *
 * A replacement also says (metadata `toSeq`) up to which seq changes may already have been told in the gone
 * message's thread: `toldUpTo`, the batches that may have been attempted before the message was found gone. That
 * thread can no longer be searched, and a later attempt cannot tell those batches apart from ones recorded since
 * (its own `reconcileUpToSeq` also covers batches recorded while the message was already gone), so the first
 * attempt to find it gone settles the bound and every later one reads it back from the replacement.
 */
export async function updateOrRelink(
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
    if (!(error instanceof SlackDeliveryError && error.kind === 'message-gone')) throw error;
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
}

/** The same port, counting every call into `counter` (for metrics and the benchmark). */
export function countingSlack(slack: SlackPort, counter: { calls: number }): SlackPort {
  return {
    post: (target, message) => {
      counter.calls++;
      return slack.post(target, message);
    },
    update: (ref, message) => {
      counter.calls++;
      return slack.update(ref, message);
    },
    findByMetadata: (query) => {
      counter.calls++;
      return slack.findByMetadata(query);
    },
    getPermalink: (ref) => {
      counter.calls++;
      return slack.getPermalink(ref);
    },
  };
}
