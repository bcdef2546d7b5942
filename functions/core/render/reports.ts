// core/render → the messages that sum things up (docs/insight-messages.md): a quiet-hours summary when the
// window ends, a digest per period, and the same figures on demand (`/codearts report`). Within Slack's
// limits however long the names.

import type { SlackMessage } from '../../ports.js';
import type { DigestFigures, RunSummary } from '../insight/digest.js';
import type { InsightReport } from '../insight/model.js';
import { type Block, contextBlock, fieldsBlock, firstThatFits, headerBlock, sectionBlock } from './blocks.js';
import { formatSeconds, slackDate, statusLook } from './format.js';
import { shortRecordId } from './insight.js';
import { SLACK_LIMITS } from './limits.js';
import { joinWithin, link, mrkdwn, plain } from './text.js';

export interface ReportContext {
  taskName: string;
  /** The CodeArts console link of a run of the task, or null. */
  consoleUrlOf: (recordId: string) => string | null;
}

interface Detail {
  taskMax: number;
  nameMax: number;
  runLines: number;
}

const DETAIL: readonly Detail[] = [
  { taskMax: 120, nameMax: 80, runLines: 20 },
  { taskMax: 60, nameMax: 40, runLines: 8 },
  { taskMax: 30, nameMax: 20, runLines: 0 },
];

const percent = (rate: number): string => `${Math.round(rate * 100)}%`;

/** "12 (▲ 3 on the day before)": the deployments, and how that compares. */
function frequency(f: DigestFigures, before: string): string {
  const delta = f.deployments - f.previousDeployments;
  const trend =
    delta === 0 ? `as many as ${before}` : delta > 0 ? `▲ ${delta} on ${before}` : `▼ ${-delta} on ${before}`;
  return `${f.deployments} (${trend})`;
}

function recovery(f: DigestFigures): string {
  const parts: string[] = [];
  if (f.recoveries > 0) {
    const typical = formatSeconds(f.medianRecoverySeconds) ?? '—';
    const longest = formatSeconds(f.longestRecoverySeconds) ?? '—';
    parts.push(
      f.recoveries === 1
        ? `${typical} (1 recovery)`
        : `${typical} typically, ${longest} at most (${f.recoveries} recoveries)`,
    );
  }
  if (f.failingSince !== null)
    parts.push(`⚠️ still failing since ${slackDate(f.failingSince) ?? 'the period'}`);
  if (parts.length === 0) return f.unsuccessful === 0 ? 'no failures' : '—';
  return parts.join('\n');
}

/** The figures as section fields (shared by the digest and the on-demand report). */
export function figureFields(f: DigestFigures, before: string, nameMax: number): string[] {
  const rate =
    f.successRate === null ? '—' : `${percent(f.successRate)} (${f.succeeded} of ${f.deployments})`;
  const median = formatSeconds(f.medianSeconds);
  const slowest = formatSeconds(f.slowestSeconds);
  const step = f.slowestStep;
  return [
    `*Deployments*\n${frequency(f, before)}`,
    `*Success rate*\n${rate}`,
    `*Duration*\n${median === null ? '—' : `${median} typically${slowest ? `, ${slowest} at most` : ''}`}`,
    `*Slowest step*\n${step === null ? '—' : `${mrkdwn(step.name || 'a step', nameMax)} — ${formatSeconds(step.seconds) ?? '—'}`}`,
    `*Time to recover*\n${recovery(f)}`,
  ];
}

/** The figures in one line of plain text (notifications, screen readers). */
export function figureText(f: DigestFigures): string {
  const parts = [`${f.deployments} deployment${f.deployments === 1 ? '' : 's'}`];
  if (f.successRate !== null) parts.push(`${percent(f.successRate)} succeeded`);
  const median = formatSeconds(f.medianSeconds);
  if (median !== null) parts.push(`typically ${median}`);
  if (f.failingSince !== null) parts.push('still failing');
  return parts.join(', ');
}

const period = (from: string, to: string): string =>
  `${slackDate(from) ?? mrkdwn(from, 40)} – ${slackDate(to) ?? mrkdwn(to, 40)}`;

function renderDigest(
  report: Extract<InsightReport, { kind: 'digest' }>,
  ctx: ReportContext,
  d: Detail,
): SlackMessage {
  const task = ctx.taskName;
  const what = report.every === 'daily' ? 'daily digest' : 'weekly digest';
  const before = report.every === 'daily' ? 'the day before' : 'the week before';
  const blocks: Block[] = [
    headerBlock(`📊 ${plain(task, SLACK_LIMITS.headerText - 30)} · ${what}`),
    contextBlock([`${period(report.from, report.to)} (${mrkdwn(report.timeZone, 64)})`]),
    fieldsBlock(figureFields(report.figures, before, d.nameMax)),
  ];
  const text = `📊 ${mrkdwn(task, d.taskMax)} — ${what}: ${figureText(report.figures)}`;
  return { text: text.slice(0, SLACK_LIMITS.text), blocks };
}

function runLine(run: RunSummary, ctx: ReportContext, d: Detail): string {
  const look = statusLook(run.status);
  const label = `run ${shortRecordId(run.recordId)}`;
  const linked = link(ctx.consoleUrlOf(run.recordId), label, SLACK_LIMITS.url) ?? label;
  const took = formatSeconds(run.durationSeconds);
  const by = run.executor ? ` · ${mrkdwn(run.executor, d.nameMax)}` : '';
  return `${look.emoji} ${linked} ${look.verb}${took ? ` in ${took}` : ''} ${slackDate(run.endedAt ?? run.at) ?? ''}${by}`.trimEnd();
}

function renderQuiet(
  report: Extract<InsightReport, { kind: 'quiet' }>,
  ctx: ReportContext,
  d: Detail,
): SlackMessage {
  const task = ctx.taskName;
  const others = report.total - report.succeeded;
  const counts = `✅ ${report.succeeded} succeeded${others > 0 ? ` · ❌ ${others} did not (told as they happened)` : ''}`;
  const { quietHours } = report;
  const hours = `${mrkdwn(quietHours.from, 5)}–${mrkdwn(quietHours.to, 5)} ${mrkdwn(quietHours.timeZone, 64)}`;
  const blocks: Block[] = [
    headerBlock(`🌙 ${plain(task, SLACK_LIMITS.headerText - 30)} · while it was quiet`),
    sectionBlock(
      `*${report.total} deployment${report.total === 1 ? '' : 's'}* during quiet hours (${hours}), ${period(report.from, report.to)}\n${counts}`,
    ),
  ];
  const shown = report.runs.slice(-d.runLines);
  if (shown.length > 0) {
    const left = report.total - shown.length;
    const lines = shown.map((run) => runLine(run, ctx, d));
    const text = joinWithin(
      [...(left > 0 ? [`…${left} earlier`] : []), ...lines],
      '\n',
      SLACK_LIMITS.sectionText,
      (n) => `…and ${n} more`,
    );
    blocks.push(sectionBlock(text));
  }
  const text = `🌙 ${mrkdwn(task, d.taskMax)} — during quiet hours: ${report.total} deployment${report.total === 1 ? '' : 's'}, ${report.succeeded} succeeded`;
  return { text, blocks };
}

/** A quiet-hours summary or a digest, as posted to its channel. */
export function renderReport(report: InsightReport, ctx: ReportContext): SlackMessage {
  return firstThatFits(DETAIL, (d) =>
    report.kind === 'digest' ? renderDigest(report, ctx, d) : renderQuiet(report, ctx, d),
  );
}
