// core/render → how runs, steps, times and durations read in Slack: status wording, emoji, colours, elapsed
// times and Slack date tokens (each reader sees their own time zone).
import { epochMsOf } from '../codearts-time.js';
import type { RunState, RunStatus, StepProgress, StepState, TaskEvent } from '../model.js';
import { isTerminal } from '../model.js';

export interface StatusLook {
  emoji: string;
  /** "Succeeded", "Timed out", … (for fields and headlines). */
  label: string;
  /** The verb phrase after "Deployment": "succeeded", "timed out", … */
  verb: string;
  /** Legacy attachment colour: Slack's named colours, grey as hex. */
  color: 'good' | 'warning' | 'danger' | string;
}

export const GREY = '#9e9e9e';

const LOOKS: Record<RunStatus, StatusLook> = {
  pending: { emoji: '⏳', label: 'Queued', verb: 'is queued', color: GREY },
  running: { emoji: '🔄', label: 'Running', verb: 'is running', color: 'warning' },
  succeeded: { emoji: '✅', label: 'Succeeded', verb: 'succeeded', color: 'good' },
  failed: { emoji: '❌', label: 'Failed', verb: 'failed', color: 'danger' },
  timeout: { emoji: '⏱️', label: 'Timed out', verb: 'timed out', color: 'danger' },
  abort: { emoji: '⏹️', label: 'Aborted', verb: 'was aborted', color: GREY },
  not_started: { emoji: '🚫', label: 'Not started', verb: 'did not start', color: GREY },
  unknown: { emoji: '❔', label: 'Unknown', verb: 'is in an unknown state', color: GREY },
};

export const statusLook = (status: RunStatus): StatusLook => LOOKS[status];

/** A run that ended without succeeding: what `notify: failures` speaks about and thread replies broadcast. */
export const isUnsuccessful = (status: RunStatus): boolean => isTerminal(status) && status !== 'succeeded';

export const STEP_MARKERS: Record<StepProgress, string> = {
  done: '✅',
  running: '🔄',
  failed: '❌',
  pending: '⚪',
  skipped: '➖',
};

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Beyond this we stop pretending the number means anything. */
const MAX_SECONDS = 10 * 365 * 86_400;

/**
 * `12s`, `1m 05s`, `2h 03m 04s`, `3d 04h 05m`. CodeArts does not document the unit of `elapsed_time`; we read
 * it as seconds (it matches observed runs) and keep the raw value elsewhere. Null for missing or nonsense.
 */
export function formatSeconds(raw: number | null | undefined): string | null {
  if (raw === null || raw === undefined || !Number.isFinite(raw) || raw < 0) return null;
  if (raw > MAX_SECONDS) return '> 10y';
  const total = Math.round(raw);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (total < 60) return `${s}s`;
  if (total < 3600) return `${m}m ${pad2(s)}s`;
  if (total < 86_400) return `${h}h ${pad2(m)}m ${pad2(s)}s`;
  return `${d}d ${pad2(h)}h ${pad2(m)}m`;
}

/** Whole seconds from `from` to `to`; null when either is missing or the interval is negative. */
export function secondsBetween(
  from: string | null | undefined,
  to: string | null | undefined,
): number | null {
  const a = epochMsOf(from);
  const b = epochMsOf(to);
  if (a === null || b === null || b < a) return null;
  return Math.floor((b - a) / 1000);
}

/**
 * Slack date formatting: `<!date^EPOCH^{date_short_pretty} {time}|fallback>`, shown in each reader's zone;
 * the fallback (UTC) is for clients that cannot format it. Null when `iso` is not a date.
 */
export function slackDate(iso: string | null | undefined): string | null {
  const ms = epochMsOf(iso);
  if (ms === null) return null;
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** How long the run took, or has been running as of `now`; null when unknown. */
export function runDurationSeconds(run: RunState, now: string): number | null {
  if (isTerminal(run.status)) return secondsBetween(run.startedAt, run.endedAt);
  if (run.status === 'running') return secondsBetween(run.startedAt, now);
  return null;
}

type RunFinished = Extract<TaskEvent, { type: 'run.finished' }>;

/** The last `run.finished` of a batch of changes, if it has one. */
export const lastRunFinished = (batch: readonly TaskEvent[]): RunFinished | undefined =>
  [...batch].reverse().find((event): event is RunFinished => event.type === 'run.finished');

/** How long the run took, as its `run.finished` says, else as its times say (until `now` for a running one). */
export const tookText = (run: RunState, finished: RunFinished | undefined, now: string): string | null =>
  formatSeconds(
    finished !== undefined && finished.durationSeconds !== null
      ? finished.durationSeconds
      : runDurationSeconds(run, now),
  );

/** The step that matters now: the failed one, else the running one, else null. */
export function currentStep(run: RunState): StepState | null {
  const steps = run.steps ?? [];
  return steps.find((s) => s.progress === 'failed') ?? steps.find((s) => s.progress === 'running') ?? null;
}
