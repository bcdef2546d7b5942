// core/insight → the figures of a digest or report, from the stored summaries of a task's finished
// runs: deployments, success rate, median and slowest duration, slowest step, time from a failure to the next
// success, and how often it deployed against the period before. Pure.
import type { RunState, RunStatus } from '../model.js';
import { median } from './durations.js';
import type { Period } from './periods.js';

/** What is kept of a finished run for digests (one small item per run, bounded in number and by TTL). */
export interface RunSummary {
  recordId: string;
  status: RunStatus;
  startedAt: string | null;
  endedAt: string | null;
  /** When the notifier recorded the end (ISO): the run's time when CodeArts gave no end time. */
  at: string;
  durationSeconds: number | null;
  executor: string;
  /** The step that took longest in this run. */
  slowestStep: { name: string; seconds: number } | null;
}

export interface DigestFigures {
  deployments: number;
  succeeded: number;
  /** Runs that ended any other way (failed, timed out, aborted, …). */
  unsuccessful: number;
  /** succeeded ÷ deployments; null without deployments. */
  successRate: number | null;
  /** Over every run of the period with a known duration. */
  medianSeconds: number | null;
  slowestSeconds: number | null;
  slowestStep: { name: string; seconds: number; recordId: string } | null;
  /** Successes in the period that ended a run of failures. */
  recoveries: number;
  /** From the first failure of each such run of failures to the success that ended it. */
  medianRecoverySeconds: number | null;
  longestRecoverySeconds: number | null;
  /** The period ended with the task failing: since when (its first failure in a row, ISO). */
  failingSince: string | null;
  /** Deployments of the period before, for the frequency. */
  previousDeployments: number;
}

/** When a run counts as having happened: its end as CodeArts reports it, else when the notifier saw it end. */
export function endedMs(summary: RunSummary): number {
  const ended = summary.endedAt === null ? Number.NaN : Date.parse(summary.endedAt);
  return Number.isFinite(ended) ? ended : Date.parse(summary.at);
}

const within = (period: Period, ms: number): boolean => ms >= period.startMs && ms < period.endMs;

/** One summary per run (the latest stored, should a run have been summed up twice), oldest first. */
export function distinctRuns(summaries: readonly RunSummary[]): RunSummary[] {
  const byRecord = new Map<string, RunSummary>();
  for (const summary of summaries) {
    if (!Number.isFinite(endedMs(summary))) continue;
    const known = byRecord.get(summary.recordId);
    if (known === undefined || summary.at > known.at) byRecord.set(summary.recordId, summary);
  }
  return [...byRecord.values()].sort(
    (a, b) => endedMs(a) - endedMs(b) || (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0),
  );
}

export function digestFigures(
  summaries: readonly RunSummary[],
  period: Period,
  previous: Period,
): DigestFigures {
  const runs = distinctRuns(summaries);
  const inPeriod = runs.filter((run) => within(period, endedMs(run)));
  const succeeded = inPeriod.filter((run) => run.status === 'succeeded').length;
  const durations = inPeriod.flatMap((run) => (run.durationSeconds === null ? [] : [run.durationSeconds]));
  let slowestStep: DigestFigures['slowestStep'] = null;
  for (const run of inPeriod) {
    if (run.slowestStep !== null && (slowestStep === null || run.slowestStep.seconds > slowestStep.seconds)) {
      slowestStep = { ...run.slowestStep, recordId: run.recordId };
    }
  }
  const { recoveries, failingSince } = recoveriesUpTo(runs, period);
  const medianSeconds = median(durations);
  const medianRecovery = median(recoveries);
  return {
    deployments: inPeriod.length,
    succeeded,
    unsuccessful: inPeriod.length - succeeded,
    successRate: inPeriod.length === 0 ? null : succeeded / inPeriod.length,
    medianSeconds: medianSeconds === null ? null : Math.round(medianSeconds),
    slowestSeconds: durations.length === 0 ? null : Math.max(...durations),
    slowestStep,
    recoveries: recoveries.length,
    medianRecoverySeconds: medianRecovery === null ? null : Math.round(medianRecovery),
    longestRecoverySeconds: recoveries.length === 0 ? null : Math.max(...recoveries),
    failingSince,
    previousDeployments: runs.filter((run) => within(previous, endedMs(run))).length,
  };
}

/**
 * Walks every run up to the period's end in order: a failure opens a run of failures (if none is open), a success
 * closes it. The closings inside the period are its recoveries, in seconds; a run of failures still open at the
 * end is where the task stood.
 */
function recoveriesUpTo(
  runs: readonly RunSummary[],
  period: Period,
): { recoveries: number[]; failingSince: string | null } {
  const recoveries: number[] = [];
  let brokenAt: number | null = null;
  for (const run of runs) {
    const at = endedMs(run);
    if (at >= period.endMs) break;
    if (run.status !== 'succeeded') {
      brokenAt ??= at;
      continue;
    }
    if (brokenAt !== null && within(period, at)) recoveries.push(Math.round((at - brokenAt) / 1000));
    brokenAt = null;
  }
  return { recoveries, failingSince: brokenAt === null ? null : new Date(brokenAt).toISOString() };
}

/** The summary kept of a run that just ended, as recorded at `at`. */
export function summarizeRun(run: RunState, durationSeconds: number | null, at: string): RunSummary {
  let slowest: RunSummary['slowestStep'] = null;
  for (const step of run.steps ?? []) {
    if (step.progress !== 'done' && step.progress !== 'failed') continue;
    const seconds = step.elapsed;
    if (seconds === null || !Number.isFinite(seconds) || seconds < 0) continue;
    if (slowest === null || seconds > slowest.seconds) {
      slowest = { name: step.name || `Step ${step.index + 1}`, seconds: Math.round(seconds) };
    }
  }
  return {
    recordId: run.recordId,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    at,
    durationSeconds,
    executor: run.executor,
    slowestStep: slowest,
  };
}
