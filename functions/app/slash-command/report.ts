// app → `/codearts report [task_id]`: the digest's figures on demand, for the tasks this channel watches (or the
// one named), over the last day (a watch with a daily digest) or the last seven days, against the period before.
// Ephemeral, and like every answer it says nothing about tasks or channels this channel does not watch.
import { digestFigures } from '../../core/insight/digest.js';
import type { TaskRecord } from '../../core/model.js';
import { figureFields, figureText } from '../../core/render/reports.js';
import type { RunArchive } from '../../ports.js';
import { clip, safeText } from './render.js';

/** Tasks one report shows (two blocks each, inside Slack's 50). */
export const REPORT_TASKS = 20;
const DAY_MS = 86_400_000;

export interface ReportAnswer {
  text: string;
  blocks: unknown[];
}

/** The report for `records` (already limited to this channel's watches), as of `nowMs`. */
export async function channelReport(
  runs: RunArchive | undefined,
  records: readonly TaskRecord[],
  channel: string,
  nowMs: number,
): Promise<ReportAnswer> {
  const shown = records.slice(0, REPORT_TASKS);
  const blocks: unknown[] = [];
  const lines: string[] = [];
  for (const record of shown) {
    const daily = record.subscriptions[channel]?.digest?.every === 'daily';
    const length = daily ? DAY_MS : 7 * DAY_MS;
    const period = { startMs: nowMs - length, endMs: nowMs };
    const previous = { startMs: nowMs - 2 * length, endMs: nowMs - length };
    const summaries = runs === undefined ? [] : await runs.listRunSummaries(record.taskId);
    const figures = digestFigures(summaries, period, previous);
    const name = record.taskName === '' ? record.taskId : record.taskName;
    const span = daily ? 'the last 24 hours' : 'the last 7 days';
    blocks.push(
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*${safeText(name, 120)}* — ${span}`) } },
      {
        type: 'section',
        fields: figureFields(figures, daily ? 'the 24 hours before' : 'the 7 days before', 60).map(
          (text) => ({
            type: 'mrkdwn',
            text: clip(text, 1900),
          }),
        ),
      },
    );
    lines.push(`${safeText(name, 120)}: ${figureText(figures)}`);
  }
  if (records.length > shown.length) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `…and ${records.length - shown.length} more: name one with \`report <task_id>\`.`,
        },
      ],
    });
  }
  return { text: clip(lines.join('\n'), 3000), blocks };
}
