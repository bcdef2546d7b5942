// core → per-step progress, inferred. CodeArts reports no per-step status: only the run
// status and each step's counters, so a step's progress is read off its neighbours and the run.

import { isTerminal, type RunStatus, type StepProgress } from './model.js';

/** What inference needs to know about one step. */
export interface StepSignal {
  enabled: boolean;
  /** The step has visibly begun: its counters moved, or an earlier observation already saw it begin. */
  showsProgress: boolean;
}

/** A step "shows progress" when its log offset or its elapsed time has moved off zero. */
export const showsProgress = (step: { currentOffset: number | null; elapsed: number | null }): boolean =>
  (step.currentOffset ?? 0) > 0 || (step.elapsed ?? 0) > 0;

/**
 * The progress of each step of one observation, in the same order.
 *
 * Disabled steps are 'skipped' and take no part. Among enabled steps: a step has started when it
 * shows progress, a later step has started, or the run succeeded; it is done when a later step has
 * started or the run succeeded. The current step (the last started one that is not done) is
 * 'failed' when the run ended unsuccessfully, 'running' otherwise; steps not started are 'pending'.
 */
export function inferStepProgress(steps: readonly StepSignal[], status: RunStatus): StepProgress[] {
  if (status === 'succeeded') return steps.map((s) => (s.enabled ? 'done' : 'skipped'));
  // Every enabled step up to the last one showing progress has started; all but that one are done.
  let current = -1;
  steps.forEach((s, i) => {
    if (s.enabled && s.showsProgress) current = i;
  });
  const currentProgress: StepProgress = isTerminal(status) ? 'failed' : 'running';
  return steps.map((s, i) => {
    if (!s.enabled) return 'skipped';
    if (i < current) return 'done';
    return i === current ? currentProgress : 'pending';
  });
}

const RANK: Record<Exclude<StepProgress, 'skipped'>, number> = { pending: 0, running: 1, done: 2, failed: 2 };

const isFinal = (p: StepProgress): boolean => p === 'done' || p === 'failed';

/**
 * The further along of two readings of one enabled step: pending < running < done | failed.
 * done and failed are both final, so whichever was reached first stays ('skipped' counts as pending).
 */
export function furthestProgress(first: StepProgress, second: StepProgress): StepProgress {
  if (isFinal(first)) return first;
  if (isFinal(second)) return second;
  const a = first === 'skipped' ? 'pending' : first;
  const b = second === 'skipped' ? 'pending' : second;
  return RANK[b] > RANK[a] ? b : a;
}

/** A step that has been seen to begin (and so may have been reported). */
export const hasBegun = (p: StepProgress): boolean => p === 'running' || isFinal(p);
