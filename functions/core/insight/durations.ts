// core/insight → how long a task's steps usually take, learned from its last runs: per step, the
// seconds of its last RUNS_REMEMBERED runs, a step of a new run matched to what was learned by its ID, then by its
// name. From it: each step's usual time (the median) and, while a run goes, when it should end. Pure.
import type { RunState, StepState } from '../model.js';

/** Runs remembered per step: enough for a stable median, few enough to follow a task that got slower. */
export const RUNS_REMEMBERED = 20;
/** Steps remembered per task (a run shows at most 60): the least recently seen go first. */
export const STEPS_REMEMBERED = 60;
/** Beyond this a reading is nonsense (a counter in another unit, a clock jump); it is not learned. */
const MAX_STEP_SECONDS = 7 * 86_400;

/** What was learned about one step of the task. */
export interface StepHistory {
  /** StepInfo.id as CodeArts gave it ('' when it gave none). */
  id: string;
  name: string;
  /** Whole seconds the step took in each of its last runs, oldest first (at most RUNS_REMEMBERED). */
  seconds: number[];
  /** The value of {@link DurationModel.runs} when the step was last learned (the oldest are dropped first). */
  seenAt: number;
}

export interface DurationModel {
  steps: StepHistory[];
  /** Runs learned from so far. */
  runs: number;
}

export const emptyDurationModel = (): DurationModel => ({ steps: [], runs: 0 });

/** The median of `values` (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const usable = (seconds: number | null): seconds is number =>
  seconds !== null && Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_STEP_SECONDS;

/**
 * For each step of a run, the index of the history entry that describes it (or -1): by ID first, then by name;
 * each entry describes at most one step of the run, so two steps of the same name keep their own histories.
 */
export function matchSteps(
  history: readonly StepHistory[],
  steps: readonly Pick<StepState, 'id' | 'name'>[],
): number[] {
  const taken = new Set<number>();
  const matched = steps.map(() => -1);
  const pass = (same: (entry: StepHistory, step: Pick<StepState, 'id' | 'name'>) => boolean) => {
    steps.forEach((step, i) => {
      if (matched[i] !== -1) return;
      const at = history.findIndex((entry, e) => !taken.has(e) && same(entry, step));
      if (at === -1) return;
      matched[i] = at;
      taken.add(at);
    });
  };
  pass((entry, step) => step.id !== '' && entry.id === step.id);
  pass((entry, step) => step.name !== '' && entry.name === step.name);
  return matched;
}

/**
 * The model after a run ended: every step it finished adds how long it took. A failed or skipped step says
 * nothing about how long the step takes, so only finished (`done`) steps are learned.
 */
export function learnRun(model: DurationModel, run: RunState): DurationModel {
  const steps = (run.steps ?? []).filter((s) => s.progress === 'done' && usable(s.elapsed));
  if (steps.length === 0) return model;
  const runs = model.runs + 1;
  const history = model.steps.map((entry) => ({ ...entry, seconds: [...entry.seconds] }));
  const matched = matchSteps(history, steps);
  steps.forEach((step, i) => {
    const seconds = Math.round(step.elapsed as number);
    const at = matched[i] ?? -1;
    const entry = at === -1 ? undefined : history[at];
    if (entry === undefined) {
      history.push({ id: step.id, name: step.name, seconds: [seconds], seenAt: runs });
      return;
    }
    // The latest ID and name win, so a renamed step keeps its history under its new name.
    entry.id = step.id || entry.id;
    entry.name = step.name || entry.name;
    entry.seconds = [...entry.seconds, seconds].slice(-RUNS_REMEMBERED);
    entry.seenAt = runs;
  });
  const kept =
    history.length <= STEPS_REMEMBERED
      ? history
      : [...history].sort((a, b) => b.seenAt - a.seenAt).slice(0, STEPS_REMEMBERED);
  return { steps: history.filter((entry) => kept.includes(entry)), runs };
}

/** Each step's usual time in whole seconds (the median of its history), by position in `steps`; null: no history. */
export function usualSeconds(
  model: DurationModel | undefined,
  steps: readonly Pick<StepState, 'id' | 'name'>[],
): Array<number | null> {
  if (model === undefined || model.steps.length === 0) return steps.map(() => null);
  return matchSteps(model.steps, steps).map((at) => {
    const usual = at === -1 ? null : median(model.steps[at]?.seconds ?? []);
    return usual === null ? null : Math.round(usual);
  });
}

/**
 * When a running run should end (epoch ms): the current step's usual time from when it started (but not before
 * `nowMs`), plus the usual time of every step still to come. Null when the run is not running, or when a step
 * still to run has no history: an estimate that leaves steps out would promise too early an end.
 */
export function expectedEndMs(
  run: RunState,
  usual: readonly (number | null)[],
  runningSeconds: number | null,
  nowMs: number,
): number | null {
  if (run.status !== 'running' || run.steps === null) return null;
  let remaining = 0;
  let current = false;
  for (const step of run.steps) {
    if (!step.enabled || step.progress === 'skipped' || step.progress === 'done') continue;
    const seconds = usual[step.index];
    if (seconds === null || seconds === undefined) return null;
    if (step.progress === 'running' && !current) {
      current = true;
      remaining += Math.max(0, seconds - (runningSeconds ?? 0));
    } else if (step.progress === 'pending') {
      remaining += seconds;
    } else {
      return null; // a failed step: the run is about to end, whatever the history says
    }
  }
  return nowMs + remaining * 1000;
}
