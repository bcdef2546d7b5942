// core/render → messages about changes: thread replies, channel posts (`mode: messages`), and the failure and
// recovery announcements of `notify: failures`. Several changes are coalesced into one message.
import type { SlackMessage } from '../../ports.js';
import type { RunState, RunStatus, TaskEvent } from '../model.js';
import {
  type Block,
  contextBlock,
  fieldsBlock,
  firstThatFits,
  headerBlock,
  mentionTokens,
  sectionBlock,
} from './blocks.js';
import {
  currentStep,
  formatSeconds,
  isUnsuccessful,
  lastRunFinished,
  runDurationSeconds,
  slackDate,
  statusLook,
  tookText,
} from './format.js';
import { afterStuckNote, fixNote, NO_INSIGHT, ranLongNote, runBy, stuckText } from './insight.js';
import { SLACK_LIMITS } from './limits.js';
import { type RenderContext, stepNameOf, taskNameOf } from './living-message.js';
import { joinWithin, link, mrkdwn, plain } from './text.js';

interface Detail {
  taskMax: number;
  stepNameMax: number;
  maxLines: number;
  fieldMax: number;
}

const DETAIL: readonly Detail[] = [
  { taskMax: 140, stepNameMax: 150, maxLines: 30, fieldMax: 300 },
  { taskMax: 80, stepNameMax: 60, maxLines: 12, fieldMax: 120 },
  { taskMax: 40, stepNameMax: 24, maxLines: 4, fieldMax: 40 },
];

const HOW_TO_FIX = 'How to fix';
const OPEN = 'Open in CodeArts';

export type ChangeAudience = 'thread' | 'channel';

export interface ChangeMessageInput {
  run: RunState;
  /** The changes to list, oldest first. */
  events: readonly TaskEvent[];
  /** Every change of the batch (a superset of `events`), where failure details are looked up. */
  batch: readonly TaskEvent[];
  ctx: RenderContext;
  /** A thread reply (under the living message) or a channel post that has to stand on its own. */
  audience: ChangeAudience;
  /** The run succeeded after the channel's previous run failed. */
  recovered: boolean;
}

/** A change that needs the configured people: a failed step or a run that ended unsuccessfully. */
export const isFailureEvent = (e: TaskEvent): boolean =>
  e.type === 'step.failed' || (e.type === 'run.finished' && isUnsuccessful(e.status));

/** A step running far longer than usual: the configured people hear of it too. */
export const isStuckEvent = (e: TaskEvent): boolean => e.type === 'step.stuck';

/** The end of a step that had been called stuck: told wherever the alarm was. */
export const isAfterStuckEvent = (e: TaskEvent): boolean =>
  (e.type === 'step.finished' || e.type === 'step.failed') && e.wasStuck !== undefined;

interface Failure {
  status: RunStatus;
  step: { index: number; name: string } | null;
  faqUrl: string | null;
}

/** What failed and how to fix it: the batch's step.failed event, else the run's failed (or running) step. */
function failureOf(run: RunState, batch: readonly TaskEvent[]): Failure {
  const finished = lastRunFinished(batch);
  const status: RunStatus =
    finished !== undefined && isUnsuccessful(finished.status)
      ? finished.status
      : isUnsuccessful(run.status)
        ? run.status
        : 'failed';
  const failedEvent = [...batch].reverse().find((e) => e.type === 'step.failed');
  if (failedEvent?.type === 'step.failed') {
    const known = run.steps?.[failedEvent.step];
    return {
      status,
      step: { index: failedEvent.step, name: failedEvent.name },
      faqUrl: failedEvent.faqUrl ?? known?.faqUrl ?? null,
    };
  }
  const step = currentStep(run);
  return { status, step: step ? { index: step.index, name: step.name } : null, faqUrl: step?.faqUrl ?? null };
}

const totalSteps = (run: RunState, index: number): number => Math.max(run.steps?.length ?? 0, index + 1);

const stepRef = (run: RunState, index: number, name: string, max: number, word = 'Step'): string =>
  `${word} ${index + 1}/${totalSteps(run, index)} · ${mrkdwn(stepNameOf({ index, name }), max)}`;

/** One change as one line. `withFix: false` when the message already leads with the "How to fix" link. */
function eventLine(
  e: TaskEvent,
  run: RunState,
  ctx: RenderContext,
  d: Detail,
  recovered: boolean,
  withFix: boolean,
): string {
  switch (e.type) {
    case 'run.started': {
      const by = run.executor ? ` by ${mrkdwn(run.executor, d.fieldMax)}` : '';
      const at = slackDate(run.startedAt);
      return `▶️ Deployment started${by}${at ? ` ${at}` : ''}`;
    }
    case 'step.started':
      return `🔄 ${stepRef(run, e.step, e.name, d.stepNameMax)} started`;
    case 'step.finished': {
      const took = formatSeconds(e.elapsed);
      return `✅ ${stepRef(run, e.step, e.name, d.stepNameMax)} finished${took ? ` in ${took}` : ''}${afterStuckNote(e.wasStuck)}`;
    }
    case 'step.failed': {
      const fix = withFix
        ? link(e.faqUrl ?? run.steps?.[e.step]?.faqUrl, HOW_TO_FIX, SLACK_LIMITS.url)
        : null;
      const tail = [ranLongNote(e.wasStuck), fix].filter(Boolean).join(' · ');
      return `❌ ${stepRef(run, e.step, e.name, d.stepNameMax)} failed${tail ? ` — ${tail}` : ''}`;
    }
    case 'step.stuck':
      return stuckText(e, stepRef(run, e.step, e.name, d.stepNameMax));
    case 'run.finished': {
      const look = statusLook(e.status);
      const took = formatSeconds(e.durationSeconds ?? runDurationSeconds(run, ctx.now));
      const span = took ? `${e.status === 'succeeded' ? ' in' : ' after'} ${took}` : '';
      const back =
        recovered && e.status === 'succeeded'
          ? e.fixes === undefined
            ? ' — recovered after the previous failure'
            : fixNote(e.fixes, run.endedAt, ctx.insight ?? NO_INSIGHT)
          : '';
      return `${look.emoji} Deployment ${look.verb}${span}${back}`;
    }
  }
}

const earlier = (n: number): string => `…${n} earlier change${n === 1 ? '' : 's'}`;

/**
 * The last lines that fit in `max` characters, led by "…N earlier changes" when some are left out (the
 * newest changes, where a failure and the run's end sit, matter most). `omitted` lines were never rendered.
 */
function tailWithin(lines: readonly string[], omitted: number, max: number): string {
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const left = i + omitted;
    const reserve = left > 0 ? earlier(left).length + 1 : 0;
    if (used + line.length + 1 + reserve > max) return [earlier(left + 1), ...kept].join('\n');
    kept.unshift(line);
    used += line.length + 1;
  }
  return omitted > 0 ? [earlier(omitted), ...kept].join('\n') : kept.join('\n');
}

function footer(run: RunState, ctx: RenderContext): string | null {
  const parts = [
    link(ctx.consoleUrl, `*${OPEN}*`, SLACK_LIMITS.url),
    ctx.region ? mrkdwn(ctx.region, 40) : null,
    run.recordId ? `run ${mrkdwn(run.recordId, 64)}` : null,
  ].filter((x): x is string => x !== null);
  return parts.length > 0 ? parts.join('  ·  ') : null;
}

function renderAt(input: ChangeMessageInput, d: Detail): SlackMessage {
  const { run, ctx, audience, recovered } = input;
  const task = taskNameOf(run, ctx);
  const failed = input.events.some(isFailureEvent);
  // Only the newest changes can be shown; the rest are counted, not rendered.
  const omitted = Math.max(0, input.events.length - d.maxLines);
  const lines = input.events.slice(omitted).map((e) => eventLine(e, run, ctx, d, recovered, !failed));
  const blocks: Block[] = [];
  const textParts: string[] = [];

  if (audience === 'channel') {
    const look = failed ? statusLook(failureOf(run, input.batch).status) : statusLook(run.status);
    blocks.push(headerBlock(`${look.emoji} ${plain(task, SLACK_LIMITS.headerText - 4)}`));
  }

  if (failed) {
    const f = failureOf(run, input.batch);
    const mentions = mentionTokens(ctx.mentions).join(' ');
    const where = f.step ? ` at ${stepRef(run, f.step.index, f.step.name, d.stepNameMax, 'step')}` : '';
    const who = mentions ? `${mentions} ` : '';
    const headline = `🚨 ${who}${mrkdwn(task, d.taskMax)}: *deployment ${statusLook(f.status).verb}*${where}`;
    const fix = link(f.faqUrl, `*${HOW_TO_FIX}*`, SLACK_LIMITS.url);
    blocks.push(sectionBlock(fix ? `${headline}\n${fix}` : headline));
    textParts.push(`🚨 ${who}${mrkdwn(task, d.taskMax)}: deployment ${statusLook(f.status).verb}${where}`);
    const plainFix = link(f.faqUrl, HOW_TO_FIX, SLACK_LIMITS.url);
    if (plainFix) textParts.push(plainFix);
  } else if (input.events.some(isStuckEvent)) {
    const mentions = mentionTokens(ctx.mentions).join(' ');
    const who = mentions ? `${mentions} ` : '';
    blocks.push(sectionBlock(`⚠️ ${who}${mrkdwn(task, d.taskMax)}: *a step is taking far longer than usual*`));
    textParts.push(`⚠️ ${who}${mrkdwn(task, d.taskMax)}: a step is taking far longer than usual`);
  } else {
    textParts.push(`${mrkdwn(task, d.taskMax)}:`);
  }

  if (lines.length > 0) blocks.push(sectionBlock(tailWithin(lines, omitted, SLACK_LIMITS.sectionText)));
  if (omitted > 0) textParts.push(earlier(omitted));
  textParts.push(...lines);

  const foot = audience === 'channel' || failed ? footer(run, ctx) : null;
  if (foot) blocks.push(contextBlock([foot]));

  const text = joinWithin(textParts, '\n', SLACK_LIMITS.text, (n) => `…${n} more`);
  return { text, blocks };
}

/** One message for a batch of changes: a thread reply or a channel post. Failures mention and link the fix. */
export function renderChangeMessage(input: ChangeMessageInput): SlackMessage {
  return firstThatFits(DETAIL, (d) => renderAt(input, d));
}

/** `notify: failures`: a channel post saying a run ended unsuccessfully, with the step, mentions and the fix. */
export function renderFailureAnnouncement(
  run: RunState,
  batch: readonly TaskEvent[],
  ctx: RenderContext,
): SlackMessage {
  return firstThatFits(DETAIL, (d) => {
    const task = taskNameOf(run, ctx);
    const f = failureOf(run, batch);
    const look = statusLook(f.status);
    const mentions = mentionTokens(ctx.mentions).join(' ');
    const who = mentions ? `${mentions} ` : '';
    const where = f.step ? ` at ${stepRef(run, f.step.index, f.step.name, d.stepNameMax, 'step')}` : '';
    const took = tookText(run, lastRunFinished(batch), ctx.now);
    const fix = link(f.faqUrl, `*${HOW_TO_FIX}*`, SLACK_LIMITS.url);
    const blocks: Block[] = [
      headerBlock(`${look.emoji} ${plain(task, SLACK_LIMITS.headerText - 4)}`),
      sectionBlock(`🚨 ${who}Deployment ${look.verb}${where}${fix ? `\n${fix}` : ''}`),
      fieldsBlock([
        `*Run by*\n${runBy(run, ctx.insight ?? NO_INSIGHT, d.fieldMax)}`,
        `*Started*\n${slackDate(run.startedAt) ?? '—'}`,
        `*Duration*\n${took ?? '—'}`,
      ]),
    ];
    const foot = footer(run, ctx);
    if (foot) blocks.push(contextBlock([foot]));
    const plainFix = link(f.faqUrl, HOW_TO_FIX, SLACK_LIMITS.url);
    const text = joinWithin(
      [
        `🚨 ${who}${mrkdwn(task, d.taskMax)}: deployment ${look.verb}${where}`,
        ...(plainFix ? [plainFix] : []),
      ],
      ' — ',
      SLACK_LIMITS.text,
      () => '…',
    );
    return { text, blocks };
  });
}

/** `notify: failures`: a channel post saying the task is healthy again after a failed run. */
export function renderRecoveryAnnouncement(
  run: RunState,
  batch: readonly TaskEvent[],
  ctx: RenderContext,
): SlackMessage {
  return firstThatFits(DETAIL, (d) => {
    const task = taskNameOf(run, ctx);
    const finished = lastRunFinished(batch);
    const took = tookText(run, finished, ctx.now);
    const fixes = finished?.fixes;
    const note =
      fixes === undefined
        ? ' — recovered after the previous failure'
        : fixNote(fixes, run.endedAt, ctx.insight ?? NO_INSIGHT);
    const line = `Deployment succeeded${took ? ` in ${took}` : ''}${note}`;
    const by = runBy(run, ctx.insight ?? NO_INSIGHT, d.fieldMax);
    const blocks: Block[] = [
      headerBlock(`✅ ${plain(task, SLACK_LIMITS.headerText - 4)}`),
      sectionBlock(`${line}${by === '—' ? '' : ` (run by ${by})`}`),
    ];
    const foot = footer(run, ctx);
    if (foot) blocks.push(contextBlock([foot]));
    return { text: `✅ ${mrkdwn(task, d.taskMax)}: ${line}`, blocks };
  });
}
