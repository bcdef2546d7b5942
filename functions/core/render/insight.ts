// core/render → the words insight adds to the living message and the change messages
// (docs/insight-messages.md): usual times, the expected end, a step that has run far too long, the fix after
// failures and the line on the failed run.
import type { AfterStuck, Fix, RunState, StepState, TaskEvent } from '../model.js';
import { formatSeconds, secondsBetween, slackDate } from './format.js';
import { SLACK_LIMITS } from './limits.js';
import { link, mrkdwn } from './text.js';

/** What the notifier knows beyond the run itself, for rendering one run to one channel. */
export interface RenderInsight {
  /** The usual seconds of each step of the run, by index (null: no history for that step). */
  usualSeconds: readonly (number | null)[];
  /** While the run goes: when it should end (ISO); null when there is no estimate. */
  expectedEndAt: string | null;
  /** The step of this run that was called stuck, if any. */
  stuckStep: number | null;
  /** The executor's Slack user ID, when someone linked it (`PUT /people/{codearts_user}`). */
  executorUser: string | null;
  /** On a success that fixed failures: the failed run's message (a permalink), when Slack gave one. */
  fixedLink: string | null;
  /** On a failed run's living message, once a later run fixed it: that run, when it ended, and its message. */
  fixedBy: { recordId: string; endedAt: string | null; link: string | null } | null;
}

export const NO_INSIGHT: RenderInsight = {
  usualSeconds: [],
  expectedEndAt: null,
  stuckStep: null,
  executorUser: null,
  fixedLink: null,
  fixedBy: null,
};

/** Slack time formatting: the time of day in each reader's zone (UTC as the fallback). */
export function slackTime(iso: string | null | undefined): string | null {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) return null;
  const fallback = `${new Date(ms).toISOString().slice(11, 16)} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{time}|${fallback}>`;
}

/** ` (usually 4m 00s)` after a checklist line; a step called stuck gets a warning sign instead of brackets. */
export function usualNote(step: StepState, insight: RenderInsight): string {
  const usual = formatSeconds(insight.usualSeconds[step.index] ?? null);
  if (usual === null || step.progress === 'skipped') return '';
  return insight.stuckStep === step.index && step.progress === 'running'
    ? ` ⚠️ usually ${usual}`
    : ` (usually ${usual})`;
}

/** The living message's "Expected end" field, while the run goes and there is an estimate. */
export function expectedEndField(run: RunState, insight: RenderInsight): string | null {
  if (run.status !== 'running') return null;
  const at = slackTime(insight.expectedEndAt);
  return at === null ? null : `*Expected end*\n~${at}`;
}

/** "Run by": the Slack user when known (a mention), else the CodeArts name. */
export function runBy(run: RunState, insight: RenderInsight, max: number): string {
  if (insight.executorUser !== null && /^[UW][A-Z0-9]{2,30}$/.test(insight.executorUser)) {
    return `<@${insight.executorUser}>`;
  }
  return run.executor ? mrkdwn(run.executor, max) : '—';
}

/** A record ID shortened for reading: its first 8 characters (sanitised, whatever CodeArts sent). */
export const shortRecordId = (recordId: string): string => mrkdwn(recordId, 9);

/** The line a failed run's living message gets once a later run fixed it. */
export function fixedByLine(insight: RenderInsight): string | null {
  const fix = insight.fixedBy;
  if (fix === null) return null;
  const when = slackDate(fix.endedAt);
  const seeIt = link(fix.link, 'see the fix', SLACK_LIMITS.url);
  return `✅ *Fixed* by run ${shortRecordId(fix.recordId)}${when ? ` ${when}` : ''}${seeIt ? ` — ${seeIt}` : ''}`;
}

/** The plain version of {@link fixedByLine} for the text fallback. */
export const fixedByText = (insight: RenderInsight): string | null =>
  insight.fixedBy === null ? null : `fixed by run ${shortRecordId(insight.fixedBy.recordId)}`;

/** ` — finally (usually 4m 00s)` on the end of a step that was called stuck. */
export function afterStuckNote(wasStuck: AfterStuck | undefined): string {
  const usual = wasStuck ? formatSeconds(wasStuck.usualSeconds) : null;
  return usual === null ? '' : ` — finally (usually ${usual})`;
}

/** `it had run long (usually 4m 00s)` on the failure of a step that was called stuck. */
export function ranLongNote(wasStuck: AfterStuck | undefined): string {
  const usual = wasStuck ? formatSeconds(wasStuck.usualSeconds) : null;
  return usual === null ? '' : `it had run long (usually ${usual})`;
}

/** The stuck step, as a change line: "Step 3/5 · Install Package has run 25m 10s, usually 4m 00s". */
export function stuckText(event: Extract<TaskEvent, { type: 'step.stuck' }>, stepRef: string): string {
  const ran = formatSeconds(event.runningSeconds) ?? `${event.runningSeconds}s`;
  const usual = formatSeconds(event.usualSeconds) ?? `${event.usualSeconds}s`;
  return `⚠️ ${stepRef} has run ${ran}, usually ${usual}`;
}

/** ` — ✅ fixed: broken for 2h 03m 04s over 2 failed runs · the failed run` on the success that fixed failures. */
export function fixNote(fix: Fix | undefined, endedAt: string | null, insight: RenderInsight): string {
  if (fix === undefined) return '';
  const broken = formatSeconds(secondsBetween(fix.brokenSince, endedAt));
  const runs = `${fix.failedRuns} failed run${fix.failedRuns === 1 ? '' : 's'}`;
  const failed = link(insight.fixedLink, 'the failed run', SLACK_LIMITS.url);
  return ` — ✅ fixed: broken${broken ? ` for ${broken}` : ''} over ${runs}${failed ? ` · ${failed}` : ''}`;
}
