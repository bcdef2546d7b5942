// core/render → the living message: one per run, updated in place, showing the whole run at a glance.
import type { SlackMessage } from '../../ports.js';
import type { RunState, StepState } from '../model.js';
import { type ActionContext, actionButtons } from './action-buttons.js';
import {
  type Block,
  contextBlock,
  fieldsBlock,
  firstThatFits,
  headerBlock,
  mentionTokens,
  packLines,
  sectionBlock,
} from './blocks.js';
import {
  currentStep,
  formatSeconds,
  isUnsuccessful,
  runDurationSeconds,
  STEP_MARKERS,
  slackDate,
  statusLook,
} from './format.js';
import {
  expectedEndField,
  fixedByLine,
  fixedByText,
  NO_INSIGHT,
  type RenderInsight,
  runBy,
  usualNote,
} from './insight.js';
import { SLACK_LIMITS } from './limits.js';
import { joinWithin, link, mrkdwn, orDefault, plain } from './text.js';

export interface RenderContext {
  taskName: string;
  region: string;
  /** Already expanded link to the run in CodeArts (see expandConsoleUrl); null = no link. */
  consoleUrl: string | null;
  /** ISO; when set the living message shows "monitoring stale since …". */
  staleSince: string | null;
  /** Slack user IDs, rendered `<@U…>` on failures. */
  mentions: string[];
  /** ISO; the moment of rendering, for the elapsed time of a running run. */
  now: string;
  /** Buttons for the watch's operators (stop, re-run, roll back); absent: none. */
  actions?: ActionContext;
  /** Usual times, the expected end, the executor's Slack user, fixes; none when absent. */
  insight?: RenderInsight;
}

/** How much detail to show; renderers step down these until the message fits. */
interface Detail {
  taskMax: number;
  stepNameMax: number;
  fieldMax: number;
  /** Characters of checklist lines (spread over sections of ≤ SLACK_LIMITS.sectionText). */
  checklistChars: number;
  checklistLines: number;
}

const DETAIL: readonly Detail[] = [
  { taskMax: 140, stepNameMax: 200, fieldMax: 300, checklistChars: 5600, checklistLines: 60 },
  { taskMax: 120, stepNameMax: 80, fieldMax: 150, checklistChars: 2800, checklistLines: 25 },
  { taskMax: 80, stepNameMax: 40, fieldMax: 80, checklistChars: 900, checklistLines: 10 },
  { taskMax: 60, stepNameMax: 24, fieldMax: 40, checklistChars: 0, checklistLines: 0 },
];

export const UNNAMED_TASK = 'CodeArts task';

export const taskNameOf = (run: RunState, ctx: RenderContext): string =>
  orDefault(ctx.taskName, orDefault(run.taskName, UNNAMED_TASK));

export const stepNameOf = (step: { name: string; index: number }): string =>
  orDefault(step.name, `Step ${step.index + 1}`);

/** "step 3 of 5 · Deploy" style position of a step, mrkdwn-safe. */
export const stepLabel = (step: { index: number; name: string }, total: number, nameMax: number): string =>
  `step ${step.index + 1}/${Math.max(total, step.index + 1)} · ${mrkdwn(stepNameOf(step), nameMax)}`;

function checklistLine(step: StepState, nameMax: number, insight: RenderInsight): string {
  const name = mrkdwn(stepNameOf(step), nameMax);
  if (step.progress === 'skipped') return `${STEP_MARKERS.skipped} ${step.index + 1}. ${name} _(skipped)_`;
  const elapsed = step.progress === 'pending' ? null : formatSeconds(step.elapsed);
  const usual = usualNote(step, insight);
  return `${STEP_MARKERS[step.progress]} ${step.index + 1}. ${name}${elapsed ? ` — ${elapsed}` : ''}${usual}`;
}

/**
 * The checklist as lines. When all steps do not fit, a window around the step that matters (failed, else
 * running, else the last finished) is shown, with one line summing up the steps before and one for those after.
 */
export function checklistLines(
  steps: readonly StepState[],
  detail: Detail,
  insight: RenderInsight = NO_INSIGHT,
): string[] {
  const n = steps.length;
  if (n === 0) return ['_This task has no steps._'];
  const focusStep =
    steps.find((s) => s.progress === 'failed') ??
    steps.find((s) => s.progress === 'running') ??
    [...steps].reverse().find((s) => s.progress === 'done') ??
    steps[0]!;
  const focus = steps.indexOf(focusStep);
  const line = (i: number): string => checklistLine(steps[i]!, detail.stepNameMax, insight);

  // Room kept for the two summary lines.
  const budget = detail.checklistChars - 120;
  const shown = new Map<number, string>([[focus, line(focus)]]);
  let used = shown.get(focus)!.length;
  let lo = focus;
  let hi = focus;
  let canBefore = true;
  let canAfter = true;
  while ((canBefore || canAfter) && shown.size < detail.checklistLines) {
    for (const side of ['before', 'after'] as const) {
      if (shown.size >= detail.checklistLines) break;
      const i = side === 'before' ? lo - 1 : hi + 1;
      const open = side === 'before' ? canBefore : canAfter;
      if (!open) continue;
      if (i < 0 || i >= n) {
        if (side === 'before') canBefore = false;
        else canAfter = false;
        continue;
      }
      const text = line(i);
      if (used + 1 + text.length > budget) {
        if (side === 'before') canBefore = false;
        else canAfter = false;
        continue;
      }
      shown.set(i, text);
      used += 1 + text.length;
      if (side === 'before') lo = i;
      else hi = i;
    }
  }

  const out: string[] = [];
  if (lo > 0) {
    const before = steps.slice(0, lo);
    const done = before.filter((s) => s.progress === 'done').length;
    const skipped = before.filter((s) => s.progress === 'skipped').length;
    const parts = [done > 0 ? `${done} done` : '', skipped > 0 ? `${skipped} skipped` : ''].filter(Boolean);
    out.push(`…${lo} earlier step${lo === 1 ? '' : 's'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`);
  }
  for (let i = lo; i <= hi; i++) out.push(shown.get(i)!);
  if (hi < n - 1) {
    const more = n - 1 - hi;
    out.push(`…and ${more} more step${more === 1 ? '' : 's'}`);
  }
  return out;
}

function statusField(run: RunState, detail: Detail): string {
  const look = statusLook(run.status);
  const steps = run.steps ?? [];
  const step = currentStep(run);
  let where = '';
  if (step && run.status !== 'succeeded') {
    where = `${isUnsuccessful(run.status) ? ' at' : ' ·'} step ${step.index + 1} of ${steps.length}`;
  } else if (run.status === 'succeeded' && steps.length > 0) {
    where = ` · ${steps.length} step${steps.length === 1 ? '' : 's'}`;
  }
  const raw = run.status === 'unknown' && run.rawStatus ? ` (${mrkdwn(run.rawStatus, detail.fieldMax)})` : '';
  return `*Status*\n${look.emoji} ${look.label}${raw}${where}`;
}

function renderAt(run: RunState, ctx: RenderContext, detail: Detail): SlackMessage {
  const look = statusLook(run.status);
  const task = taskNameOf(run, ctx);
  const steps = run.steps;
  const step = currentStep(run);
  const staleDate = ctx.staleSince ? (slackDate(ctx.staleSince) ?? 'a while') : null;

  const blocks: Block[] = [headerBlock(`${look.emoji} ${plain(task, SLACK_LIMITS.headerText - 4)}`)];
  if (staleDate) {
    blocks.push(
      contextBlock([
        `⚠️ *Monitoring stale since ${staleDate}*: CodeArts has not answered, so this may be out of date.`,
      ]),
    );
  }

  const insight = ctx.insight ?? NO_INSIGHT;
  const duration = formatSeconds(runDurationSeconds(run, ctx.now));
  const expectedEnd = expectedEndField(run, insight);
  blocks.push(
    fieldsBlock([
      statusField(run, detail),
      `*Run by*\n${runBy({ ...run, executor: orDefault(run.executor, '') }, insight, detail.fieldMax)}`,
      `*Started*\n${slackDate(run.startedAt) ?? '—'}`,
      `*Duration*\n${duration ? (run.status === 'running' ? `${duration} so far` : duration) : '—'}`,
      ...(expectedEnd === null ? [] : [expectedEnd]),
    ]),
  );

  if (steps === null) {
    blocks.push(sectionBlock('*Steps*\n_No step details reported yet._'));
  } else if (detail.checklistLines === 0) {
    const done = steps.filter((s) => s.progress === 'done').length;
    const where = step
      ? ` · ${step.progress === 'failed' ? 'failed at' : 'now at'} step ${step.index + 1}`
      : '';
    blocks.push(sectionBlock(`*Steps*\n${done}/${steps.length} done${where}`));
  } else {
    const lines = ['*Steps*', ...checklistLines(steps, detail, insight)];
    for (const text of packLines(lines, SLACK_LIMITS.sectionText)) blocks.push(sectionBlock(text));
  }

  const mentions = isUnsuccessful(run.status) ? mentionTokens(ctx.mentions) : [];
  if (mentions.length > 0) blocks.push(contextBlock([`cc ${mentions.join(' ')}`]));
  const fixedBy = fixedByLine(insight);
  if (fixedBy !== null) blocks.push(contextBlock([fixedBy]));

  const footer = [
    link(ctx.consoleUrl, '*Open in CodeArts*', SLACK_LIMITS.url),
    ctx.region ? mrkdwn(ctx.region, 40) : null,
    run.recordId ? `run ${mrkdwn(run.recordId, 64)}` : null,
  ].filter((x): x is string => x !== null);
  if (footer.length > 0) blocks.push(contextBlock([footer.join('  ·  ')]));
  const buttons = actionButtons(run, task, ctx.actions);
  if (buttons) blocks.push(buttons);

  // Plain fallback: what notifications and screen readers get.
  let headline = `${look.emoji} ${mrkdwn(task, detail.taskMax)}: deployment ${look.verb}`;
  if (step && run.status !== 'succeeded') {
    headline += `${isUnsuccessful(run.status) ? ' at' : ' —'} ${stepLabel(step, steps?.length ?? 0, detail.stepNameMax)}`;
  }
  const extras = [
    duration ? `duration ${duration}` : '',
    staleDate ? `monitoring stale since ${staleDate}` : '',
    fixedByText(insight) ?? '',
  ].filter(Boolean);
  const text = joinWithin([headline, ...extras], ' · ', SLACK_LIMITS.text, () => '…');

  // The header goes on top as a real block: with top-level blocks present Slack shows them instead of `text`
  // (which stays the notification fallback), so the headline is not shown twice above the colour bar.
  const [header, ...details] = blocks;
  return { text, blocks: header ? [header] : [], attachments: [{ color: look.color, blocks: details }] };
}

/**
 * The run's living message, posted once per run and updated in place: a colour bar (a legacy attachment
 * wrapping the blocks), the task name, status, who ran it, when, how long, the step checklist, a link to
 * CodeArts and the stale notice. Always within Slack's limits, however many steps or however long the names.
 */
export function renderLivingMessage(run: RunState, ctx: RenderContext): SlackMessage {
  return firstThatFits(DETAIL, (detail) => renderAt(run, ctx, detail));
}
