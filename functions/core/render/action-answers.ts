// core/render → what the person who pressed a button is told privately (an ephemeral message through the press's
// `response_url`): why nothing was done, or what had already been done instead. Only they see it.
import type { ActionKind, ActionOutcome, ActionRequest, PressRefusal } from '../actions.js';
import { mentionTokens } from './blocks.js';
import { slackDate, statusLook } from './format.js';
import { mrkdwn } from './text.js';

/** The body of a `response_url` post: only the presser sees it, and the message with the buttons stays. */
export interface EphemeralAnswer {
  response_type: 'ephemeral';
  replace_original: false;
  text: string;
}

const answer = (text: string): EphemeralAnswer => ({
  response_type: 'ephemeral',
  replace_original: false,
  text,
});

const run = (recordId: string): string => `run \`${mrkdwn(recordId.slice(0, 8), 8)}\``;
const who = (user: string): string => mentionTokens([user])[0] ?? 'an operator';
const NOTHING = 'Nothing was done.';

const VERB: Record<ActionKind, string> = { stop: 'stop', rerun: 're-run', rollback: 'roll back' };

/** A press the api turned down at once. */
export function refusalAnswer(reason: PressRefusal): EphemeralAnswer {
  switch (reason) {
    case 'workspace':
      return answer(':no_entry: This notifier does not serve this Slack workspace, so nothing was done.');
    case 'not-watched':
      return answer(`This task is not watched in this channel any more. ${NOTHING}`);
    case 'no-operators':
      return answer(
        `:no_entry: This watch names no operators, so nobody may act on it from Slack. ${NOTHING}`,
      );
    case 'not-allowed':
      return answer(
        `:no_entry: You are not one of this watch's operators, so you may not do this. ${NOTHING}`,
      );
    case 'busy':
      return answer(
        `:hourglass: Too many presses are waiting on this task; try again in a minute. ${NOTHING}`,
      );
  }
}

/** A press that repeats one already made (a double click, a retry, a second operator): what became of that one. */
export function knownPressAnswer(request: ActionRequest): EphemeralAnswer {
  const when = slackDate(request.requestedAt) ?? 'a moment ago';
  if (request.state !== 'done' || request.outcome === undefined) {
    return answer(
      `:hourglass: Already on it: ${who(request.user)} asked to ${VERB[request.kind]} ${run(request.recordId)} ${when}.`,
    );
  }
  const outcome = request.outcome;
  if (outcome.kind === 'stopped')
    return answer(`${run(request.recordId)} was already stopped by ${who(request.user)} ${when}.`);
  if (outcome.kind === 'started') {
    const how = outcome.rollbackTo === undefined ? 're-run' : `rolled back to ${run(outcome.rollbackTo)}`;
    return answer(
      `${run(request.recordId)} was already ${how} by ${who(request.user)} ${when} → new ${run(outcome.newRecordId)}.`,
    );
  }
  return outcomeAnswer(request, outcome) ?? answer(`This was already answered ${when}.`);
}

/** What a worker tells the presser; null for a run stopped or started (the thread says so for everyone). */
export function outcomeAnswer(request: ActionRequest, outcome: ActionOutcome): EphemeralAnswer | null {
  const subject = run(request.recordId);
  switch (outcome.kind) {
    case 'stopped':
    case 'started':
      return null;
    case 'not-allowed':
      return refusalAnswer('not-allowed');
    case 'unchecked':
      return answer(
        `:warning: Slack could not tell whether you are in this watch's operator groups. ${NOTHING} Try again in a moment.`,
      );
    case 'expired':
      return answer(
        `:warning: The notifier could not reach CodeArts in time. ${NOTHING} Press again to try once more.`,
      );
    case 'unknown':
      return answer(
        `:warning: CodeArts did not confirm the ${VERB[request.kind]} of ${subject}, so whether it happened is not known. Check the run in CodeArts before pressing again.`,
      );
    case 'stale':
      switch (outcome.why) {
        case 'ended':
          return answer(
            `${subject} is not running any more${outcome.status === null ? '' : ` (it ${statusLook(outcome.status).verb})`}, so there was nothing to stop. ${NOTHING}`,
          );
        case 'running':
          return answer(`${subject} is still running: stop it first, or wait for it to end. ${NOTHING}`);
        case 'no-success':
          return answer(
            `No earlier run of this task succeeded, so there is nothing to roll back to. ${NOTHING}`,
          );
        case 'task-gone':
          return answer(`CodeArts says this task no longer exists. ${NOTHING}`);
        case 'not-watched':
          return refusalAnswer('not-watched');
      }
      return null;
    case 'refused': {
      const code = outcome.code === null ? '' : ` (\`${mrkdwn(outcome.code, 40)}\`)`;
      switch (outcome.reason) {
        case 'already-deploying':
          return answer(
            `:x: CodeArts refused: a deployment of this task is already running${code}. ${NOTHING}`,
          );
        case 'no-permission':
          return answer(
            `:x: CodeArts refused: the notifier's CodeArts account may not run this task${code}. ${NOTHING}`,
          );
        case 'throttled':
          return answer(
            `:x: CodeArts is throttling requests right now${code}. ${NOTHING} Try again in a minute.`,
          );
        case 'record-gone':
          return answer(`:x: CodeArts no longer has ${subject}${code}. ${NOTHING}`);
        case 'other':
          return answer(`:x: CodeArts refused to ${VERB[request.kind]} ${subject}${code}. ${NOTHING}`);
      }
    }
  }
}
