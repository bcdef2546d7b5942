// app → small Slack mrkdwn helpers for the slash command's ephemeral answers.
import type { RunState, RunStatus, StepProgress } from '../../core/model.js';

/** Slack's three control characters; everything else is literal in mrkdwn text. */
export const escapeMrkdwn = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A timestamp each reader sees in their own zone, with the ISO text as the fallback. */
export const slackDate = (iso: string): string => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso}>`;
};

const STATUS_EMOJI: Record<RunStatus, string> = {
  pending: ':hourglass_flowing_sand:',
  running: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  timeout: ':alarm_clock:',
  abort: ':no_entry_sign:',
  not_started: ':no_entry_sign:',
  unknown: ':grey_question:',
};

const STEP_EMOJI: Record<StepProgress, string> = {
  pending: ':white_circle:',
  running: ':arrows_counterclockwise:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':fast_forward:',
};

/** `:white_check_mark: succeeded · started … by alice` */
export const runLine = (run: RunState): string => {
  const parts = [`${STATUS_EMOJI[run.status]} ${escapeMrkdwn(run.rawStatus || run.status)}`];
  if (run.startedAt !== null) parts.push(`started ${slackDate(run.startedAt)}`);
  if (run.executor !== '') parts.push(`by ${escapeMrkdwn(run.executor)}`);
  return parts.join(' · ');
};

/** A checklist of the run's steps, capped so the answer stays well inside Slack's text limits. */
export const stepLines = (run: RunState, max = 25): string[] => {
  const steps = (run.steps ?? []).filter((step) => step.enabled);
  const lines = steps
    .slice(0, max)
    .map((step) => `${STEP_EMOJI[step.progress]} ${escapeMrkdwn(step.name || `Step ${step.index + 1}`)}`);
  if (steps.length > max) lines.push(`…and ${steps.length - max} more steps`);
  return lines;
};

/** Slack counts section text up to 3,000 characters; stay under it whatever CodeArts named things. */
export const clip = (text: string, max = 2900): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
