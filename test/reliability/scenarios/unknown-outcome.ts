// Deliveries whose outcome is unknown: Slack did the work but the answer was lost.
import type { FakeSlackCall } from '../../../local/fake-slack/index.js';
import { type Figures, Fleet } from '../support/fleet.js';

/**
 * Lost answers on posts of every kind: living messages, thread replies (thread mode), channel posts (messages
 * mode), on edits and on the metadata lookups themselves; plus a living message deleted in Slack, whose
 * replacement post also loses its answer. Nothing may be posted twice.
 */
export async function lostResponses(): Promise<
  Figures & { lostAnswers: Record<string, number>; relinked: number; replacementAnswerLost: boolean }
> {
  const fleet = await Fleet.start({
    seed: 41,
    channels: (t) => [
      { channel: `CR41T${t % 2}`, mode: 'thread' },
      { channel: 'CR41M0', mode: 'messages' },
    ],
  });
  const { slack } = fleet.rig;
  let relinkCall: number | undefined;
  let relinkedKey: string | undefined;
  try {
    await fleet.play({
      minCycles: 16,
      maxCycles: 16,
      before: (i) => {
        if (i === 6) {
          // Someone deletes the living message of a running deployment: the next edit finds it gone, and the
          // answer to the replacement post is lost too.
          const running = fleet.tasks
            .map((t) => fleet.rig.sim.runs(t.taskId).find((r) => !r.finished))
            .filter((r) => r !== undefined)
            .map((r) => `${r.taskId}/${r.recordId}`);
          const living = slack
            .messages('CR41T0')
            .find(
              (m) =>
                m.metadata?.event_type === 'codearts_run' &&
                running.includes(String(m.metadata.event_payload.key)),
            );
          if (!living) throw new Error('no running deployment has a living message in CR41T0 at cycle 6');
          fleet.extraFaults++;
          const key = String(living.metadata?.event_payload.key);
          fleet.rig.deleteSlackMessage(living.channel, living.ts, {
            onRefused: () => {
              if (relinkCall !== undefined) return;
              relinkCall = slack.calls.length;
              relinkedKey = key;
              // Only that run's replacement post: other runs post to the channel at the same time.
              slack.inject({
                kind: 'lose-response',
                method: 'chat.postMessage',
                channel: 'CR41T0',
                eventKey: key,
                times: 1,
              });
            },
          });
          return;
        }
        slack.inject({ kind: 'lose-response', method: 'chat.postMessage', times: 2 });
        slack.inject({ kind: 'lose-response', method: 'chat.postMessage', channel: 'CR41M0', times: 1 });
        slack.inject({
          kind: 'lose-response',
          method: 'chat.postMessage',
          channel: `CR41T${i % 2}`,
          times: 1,
        });
        if (i % 3 === 0) slack.inject({ kind: 'lose-response', method: 'chat.update', times: 1 });
        if (i % 4 === 1) slack.inject({ kind: 'lose-response', method: 'conversations.history', times: 1 });
        if (i % 4 === 2) slack.inject({ kind: 'lose-response', method: 'conversations.replies', times: 1 });
      },
    });
    slack.clearFaults();
    const recovery = await fleet.recover();
    await fleet.settle();
    const deleted = fleet.rig.deletedSlackMessages;
    const figures = fleet.figures('Delivery outcome unknown (lost answers)', recovery);
    const metadataOf = (c: FakeSlackCall) =>
      c.args.metadata as { event_type?: string; event_payload?: { key?: unknown } } | undefined;
    const eventType = (c: FakeSlackCall) => metadataOf(c)?.event_type;
    // The replacement: that run's first living-message post after the gone edit.
    const replacement =
      relinkCall === undefined
        ? undefined
        : slack.calls
            .slice(relinkCall)
            .find(
              (c) =>
                c.method === 'chat.postMessage' &&
                c.args.channel === 'CR41T0' &&
                eventType(c) === 'codearts_run' &&
                metadataOf(c)?.event_payload?.key === relinkedKey,
            );
    const lost = slack.calls.filter((c) => c.fault === 'lose-response');
    const posts = lost.filter((c) => c.method === 'chat.postMessage');
    return {
      ...figures,
      lostAnswers: {
        livingMessages: posts.filter((c) => eventType(c) === 'codearts_run').length,
        threadReplies: posts.filter(
          (c) => eventType(c) === 'codearts_change' && c.args.thread_ts !== undefined,
        ).length,
        channelPosts: posts.filter(
          (c) => eventType(c) === 'codearts_change' && c.args.thread_ts === undefined,
        ).length,
        edits: lost.filter((c) => c.method === 'chat.update').length,
        lookups: lost.filter((c) => c.method.startsWith('conversations.')).length,
      },
      relinked: deleted.size,
      replacementAnswerLost:
        replacement !== undefined &&
        eventType(replacement) === 'codearts_run' &&
        replacement.fault === 'lose-response',
    };
  } finally {
    await fleet.stop();
  }
}
