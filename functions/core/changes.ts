// core → what changed between the stored snapshot of a task's run and a new observation, as events
// Merging is monotone, so a later, noisier observation can never take back a report:
// each step only moves forward and a finished run stays finished.

import { epochMsOf } from './codearts-time.js';
import { isTerminal, type RunState, type RunStatus, type StepState, type TaskEvent } from './model.js';
import { furthestProgress, hasBegun, inferStepProgress, showsProgress } from './step-inference.js';

export interface ChangeInput {
  /** The task's run as last stored; null before the first poll (the baseline). */
  stored: RunState | null;
  /** The run the latest `/state` answer describes (normalised). */
  observed: RunState;
  /**
   * When {@link needsBackfill} says so: the stored run fetched again by its record ID, to learn how it
   * ended. null or absent when it could not be fetched (e.g. the record is gone).
   */
  previousRunFinal?: RunState | null;
  /**
   * When {@link needsRecheck} says so: the stored run fetched again by its record ID, because the latest answer
   * went back to an older run. null when CodeArts no longer has the record; absent when it was not fetched.
   */
  storedRunNow?: RunState | null;
  /**
   * When {@link isNewRun} says so and the task's history shows runs between the stored run and the observed one
   * (see core/history.ts): those runs as fetched by their record IDs, oldest first. Each is reported in full
   * between the end of the stored run and the start of the observed one.
   */
  missedRuns?: RunState[];
}

export interface ChangeResult {
  /** What to store now (merged, monotone). */
  run: RunState;
  /** The transitions to report, in order. */
  events: TaskEvent[];
  /** The previous run's final merged state when this poll ended it (backfilled or superseded); null otherwise. */
  endedRun: RunState | null;
  /** The missed runs this poll reported, as ended (present only when there were some). */
  missedRuns?: RunState[];
}

/** A different run that started before the stored one: an out-of-date answer, not a new run. */
function isStale(stored: RunState, observed: RunState): boolean {
  const storedStart = epochMsOf(stored.startedAt);
  const observedStart = epochMsOf(observed.startedAt);
  return storedStart !== null && observedStart !== null && observedStart < storedStart;
}

/**
 * True when the observation is a newer run while the stored one had not finished: the stored run
 * should be fetched by its record ID and passed as `previousRunFinal`, so its ending is not lost.
 */
export function needsBackfill(stored: RunState | null, observed: RunState): boolean {
  return (
    stored !== null &&
    stored.recordId !== observed.recordId &&
    !isTerminal(stored.status) &&
    !isStale(stored, observed)
  );
}

/**
 * True when the observation is a run that started after the stored one (not an out-of-date answer): other runs may
 * have come and gone in between without ever being the latest at a poll, so the task's history is worth a look.
 */
export function isNewRun(stored: RunState | null, observed: RunState): boolean {
  return stored !== null && stored.recordId !== observed.recordId && !isStale(stored, observed);
}

/**
 * True when the latest-run answer went back to an older run while the stored one had not finished: the stored
 * run's record may have been deleted. It should be fetched by its record ID and passed as `storedRunNow` (null
 * when it is gone), so the run is still ended once instead of staying "running" for ever.
 */
export function needsRecheck(stored: RunState | null, observed: RunState): boolean {
  return (
    stored !== null &&
    stored.recordId !== observed.recordId &&
    !isTerminal(stored.status) &&
    isStale(stored, observed)
  );
}

const latestText = (after: string, before: string): string => (after === '' ? before : after);

function mergeStep(before: StepState, after: StepState, index: number): StepState {
  // A step already reported as begun stays visible even if a later answer calls it disabled.
  const enabled = after.enabled || hasBegun(before.progress);
  return {
    index,
    id: latestText(after.id, before.id),
    name: latestText(after.name, before.name),
    enabled,
    progress: enabled ? furthestProgress(before.progress, after.progress) : 'skipped',
    elapsed: after.elapsed ?? before.elapsed,
    currentOffset: after.currentOffset ?? before.currentOffset,
    faqUrl: after.faqUrl ?? before.faqUrl,
  };
}

function mergeSteps(before: StepState[] | null, after: StepState[] | null): StepState[] | null {
  if (after === null) return before;
  if (before === null) return after;
  const steps: StepState[] = [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const b = before[i];
    const a = after[i];
    if (b && a) steps.push(mergeStep(b, a, i));
    else if (b) steps.push(b);
    else if (a) steps.push({ ...a, index: i });
  }
  return steps;
}

/** Refreshes what a finished run's steps show (names, counters) without moving their progress. */
function refreshClosedSteps(before: StepState[] | null, after: StepState[] | null): StepState[] | null {
  if (before === null || after === null) return before;
  return before.map((b, i) => {
    const a = after[i];
    return a ? { ...mergeStep(b, a, i), enabled: b.enabled, progress: b.progress } : b;
  });
}

/**
 * Inference again over a merged list: for steps from an earlier answer that the latest did not list
 * (or a terminal answer without step_state), the run status alone decides how those steps ended.
 * A step already seen to begin counts as showing progress even if its counters now read lower.
 */
function reinfer(steps: StepState[], status: RunStatus): StepState[] {
  const inferred = inferStepProgress(
    steps.map((s) => ({ enabled: s.enabled, showsProgress: showsProgress(s) || hasBegun(s.progress) })),
    status,
  );
  return steps.map((s, i) => ({
    ...s,
    progress: s.enabled ? furthestProgress(s.progress, inferred[i] ?? s.progress) : 'skipped',
  }));
}

/**
 * Two observations of the same run combined: steps matched by position, each at the furthest
 * progress either saw (pending < running < done | failed; done and failed are final); a terminal
 * status is absorbing; the latest name, executor, times and step counters win when present.
 * Steps missing from `after` (or `after.steps === null`) keep their state from `before`.
 */
export function mergeRun(before: RunState, after: RunState): RunState {
  const common = {
    recordId: before.recordId,
    taskId: latestText(after.taskId, before.taskId),
    taskName: latestText(after.taskName, before.taskName),
    startedAt: after.startedAt ?? before.startedAt,
    endedAt: after.endedAt ?? before.endedAt,
    executor: latestText(after.executor, before.executor),
  };
  if (isTerminal(before.status)) {
    // Its end has been reported; nothing may move after run.finished.
    return {
      ...common,
      status: before.status,
      rawStatus: before.rawStatus,
      stepsFinished: before.stepsFinished,
      steps: refreshClosedSteps(before.steps, after.steps),
    };
  }
  const merged = mergeSteps(before.steps, after.steps);
  return {
    ...common,
    status: after.status,
    rawStatus: after.rawStatus,
    stepsFinished: after.stepsFinished,
    steps: merged === null ? null : reinfer(merged, after.status),
  };
}

/** Whole seconds from start to end, when both are known and in order. */
function durationSeconds(run: RunState): number | null {
  const start = epochMsOf(run.startedAt);
  const end = epochMsOf(run.endedAt);
  if (start === null || end === null || end < start) return null;
  return Math.round((end - start) / 1000);
}

const runFinished = (run: RunState): TaskEvent => ({
  type: 'run.finished',
  recordId: run.recordId,
  status: run.status,
  durationSeconds: durationSeconds(run),
});

/** The forward transitions from `before` to `after` (the same run, `after` merged from `before`). */
function transitions(before: RunState, after: RunState): TaskEvent[] {
  if (isTerminal(before.status)) return [];
  const recordId = after.recordId;
  const events: TaskEvent[] = [];
  (after.steps ?? []).forEach((step, i) => {
    if (!step.enabled || step.progress === 'skipped') return;
    const was = before.steps?.[i]?.progress ?? 'pending';
    const now = step.progress;
    if (was === 'done' || was === 'failed' || now === 'pending') return;
    if (!hasBegun(was)) events.push({ type: 'step.started', recordId, step: i, name: step.name });
    if (now === 'done') {
      events.push({ type: 'step.finished', recordId, step: i, name: step.name, elapsed: step.elapsed });
    } else if (now === 'failed') {
      events.push({ type: 'step.failed', recordId, step: i, name: step.name, faqUrl: step.faqUrl });
    }
  });
  if (isTerminal(after.status)) events.push(runFinished(after));
  return events;
}

/**
 * Ends a run that can no longer be followed (its record or its whole task is gone in CodeArts): its end is
 * reported once, as 'unknown'. A run that had already finished yields no events.
 */
export function abandonRun(stored: RunState): { run: RunState; events: TaskEvent[] } {
  return endRun(stored, null);
}

/** Ends a run we stop following, from its refetched state when there is one; 'unknown' otherwise. */
function endRun(stored: RunState, final: RunState | null): { run: RunState; events: TaskEvent[] } {
  const merged = final !== null && final.recordId === stored.recordId ? mergeRun(stored, final) : stored;
  const events = transitions(stored, merged);
  if (isTerminal(merged.status)) return { run: merged, events };
  // Every started run is ended exactly once, even when how it ended cannot be known.
  const run: RunState = { ...merged, status: 'unknown' };
  events.push(runFinished(run));
  return { run, events };
}

/**
 * Compares the stored run with a new observation and returns what to store and what to report.
 * The first observation is a baseline (history is not replayed); an older run than the stored one
 * is ignored; a newer run first ends the stored one if it was still going (see
 * {@link needsBackfill}), then is reported from "all pending" so nothing between polls is lost.
 */
export function detectChanges(input: ChangeInput): ChangeResult {
  const { stored, observed } = input;
  if (stored === null) return { run: observed, events: [], endedRun: null };

  if (stored.recordId === observed.recordId) {
    const run = mergeRun(stored, observed);
    const events = transitions(stored, run);
    return { run, events, endedRun: null };
  }

  if (isStale(stored, observed)) {
    const final = input.storedRunNow;
    if (final === undefined || isTerminal(stored.status)) {
      return { run: stored, events: [], endedRun: null };
    }
    if (final !== null && final.recordId === stored.recordId) {
      // Only the latest-run answer was out of date: keep following the stored run, as fetched by its record.
      const run = mergeRun(stored, final);
      const events = transitions(stored, run);
      return { run, events, endedRun: null };
    }
    // The stored run's record is gone (see needsRecheck): end it once; the older run is what CodeArts shows now.
    const ended = endRun(stored, null);
    return { run: observed, events: ended.events, endedRun: ended.run };
  }

  const events: TaskEvent[] = [];
  let endedRun: RunState | null = null;
  if (!isTerminal(stored.status)) {
    const ended = endRun(stored, input.previousRunFinal ?? null);
    endedRun = ended.run;
    events.push(...ended.events);
  }
  const missedRuns: RunState[] = [];
  const reported = new Set([stored.recordId, observed.recordId]);
  for (const missed of input.missedRuns ?? []) {
    if (reported.has(missed.recordId)) continue;
    reported.add(missed.recordId);
    // Found after the fact: reported in full, and ended here since nothing follows it any more.
    const ended = endRun({ ...missed, status: 'pending', steps: null }, missed);
    events.push({ type: 'run.started', recordId: missed.recordId }, ...ended.events);
    missedRuns.push(ended.run);
  }
  const unseen: RunState = { ...observed, status: 'pending', steps: null };
  events.push({ type: 'run.started', recordId: observed.recordId }, ...transitions(unseen, observed));
  return { run: observed, events, endedRun, ...(missedRuns.length > 0 ? { missedRuns } : {}) };
}
