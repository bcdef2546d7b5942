// core/render → the messages acting from Slack adds: buttons on a run's latest channel post (`mode: messages` and
// `notify: failures`, where there is no living message to hold them), and the note a done press leaves in the run's
// thread ("⏹️ Stopped by <@U…>"). The private answers to the presser are in action-answers.ts.

import type { SlackMessage } from '../../ports.js';
import type { ActionNote } from '../actions.js';
import type { RunState } from '../model.js';
import { actionButtons } from './action-buttons.js';
import { mentionTokens, sectionBlock } from './blocks.js';
import { slackLimitViolations } from './limits.js';
import { type RenderContext, taskNameOf } from './living-message.js';
import { mrkdwn } from './text.js';

/** `posts` with the run's buttons on the last one (unless they would not fit in it). */
export function withActionButtons(posts: SlackMessage[], run: RunState, ctx: RenderContext): SlackMessage[] {
  const last = posts.at(-1);
  const buttons = actionButtons(run, taskNameOf(run, ctx), ctx.actions);
  if (last === undefined || buttons === null) return posts;
  const withButtons = { ...last, blocks: [...(last.blocks ?? []), buttons] };
  if (slackLimitViolations(withButtons).length > 0) return posts;
  return [...posts.slice(0, -1), withButtons];
}

const short = (recordId: string): string => `\`${mrkdwn(recordId.slice(0, 8), 8)}\``;

/**
 * What a press did, for the channel it was pressed in: a thread reply under the run's living message, or (no
 * living message there) a channel post that names the task and the run.
 */
export function renderActionNote(
  note: ActionNote,
  context: { taskName: string; audience: 'thread' | 'channel' },
): SlackMessage {
  const who = mentionTokens([note.user])[0] ?? 'an operator';
  const newRun = note.newRecordId === undefined ? '' : ` → new run ${short(note.newRecordId)}`;
  const line =
    note.kind === 'stop'
      ? `⏹️ Stopped by ${who}`
      : note.kind === 'rerun'
        ? `🔁 Re-run by ${who}${newRun}`
        : `⏪ Rolled back to run ${short(note.rollbackTo ?? '')} by ${who}${newRun}`;
  const text =
    context.audience === 'thread'
      ? line
      : `${mrkdwn(context.taskName, 140)} · run ${short(note.recordId)}: ${line}`;
  return { text, blocks: [sectionBlock(text)] };
}
