// app → the slash command's ephemeral answers, in the living message's words: the same escaping and
// sanitising (core/render/text), the same status emoji and labels and step markers (core/render/format), so a
// run reads the same in `/codearts status` as in the channel.
import type { RunState } from '../../core/model.js';
import { STEP_MARKERS, slackDate as slackDateToken, statusLook } from '../../core/render/format.js';
import { mrkdwn } from '../../core/render/text.js';

/** CodeArts-supplied (or user-typed) text for an answer: one line, escaped, at most `max` characters. */
export const safeText = (raw: string, max = 200): string => mrkdwn(raw, max);

/** A timestamp each reader sees in their own zone; the text itself when it is not a date. */
export const slackDate = (iso: string): string => slackDateToken(iso) ?? safeText(iso, 64);

/** `✅ Succeeded · started … by alice` */
export const runLine = (run: RunState): string => {
  const look = statusLook(run.status);
  // An unknown status says what CodeArts sent, so nobody has to guess.
  const label = run.status === 'unknown' && run.rawStatus !== '' ? run.rawStatus : look.label;
  const parts = [`${look.emoji} ${safeText(label, 40)}`];
  if (run.startedAt !== null) parts.push(`started ${slackDate(run.startedAt)}`);
  if (run.executor !== '') parts.push(`by ${safeText(run.executor, 64)}`);
  return parts.join(' · ');
};

/** A checklist of the run's steps, capped so the answer stays well inside Slack's text limits. */
export const stepLines = (run: RunState, max = 25): string[] => {
  const steps = (run.steps ?? []).filter((step) => step.enabled);
  const lines = steps
    .slice(0, max)
    .map((step) => `${STEP_MARKERS[step.progress]} ${safeText(step.name || `Step ${step.index + 1}`, 100)}`);
  if (steps.length > max) lines.push(`…and ${steps.length - max} more steps`);
  return lines;
};

/** Slack counts section text up to 3,000 characters; stay under it whatever CodeArts named things. */
export const clip = (text: string, max = 2900): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
